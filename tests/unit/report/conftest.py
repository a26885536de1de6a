"""Fixtures of the report tests: the hand-made sample, the real lab capture when present, a template renderer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import jinja2
import pytest

from ansible_collections.onsite.assurance.plugins.filter.report import report_md_escape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SAMPLE_DIR = HERE / "sample"
REAL_DIR = ROOT / "tests" / "unit" / "fixtures" / "lab" / "healthy"
TEMPLATES = ROOT / "roles" / "report" / "templates"


def snapshot_dir(base: Path) -> Path:
    """The snapshot directory of a fixture: ``base/snapshot`` when it exists, else ``base`` itself."""
    return base / "snapshot" if (base / "snapshot" / "manifest.json").exists() else base


def load_snapshot(directory: Path) -> dict[str, Any]:
    """A snapshot directory loaded the way the report role receives it."""
    def read(path: Path) -> Any:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    hosts = {path.stem: read(path) for path in sorted((directory / "hosts").glob("*.json"))}
    snapshot = {"manifest": read(directory / "manifest.json"), "cluster": read(directory / "cluster.json"),
                "hosts": hosts}
    if (directory / "xsky.json").exists():
        snapshot["xsky"] = read(directory / "xsky.json")
    return snapshot


def assess_findings(snapshot: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Findings of the real assess rules, or None while they cannot run (they are written concurrently)."""
    try:
        from ansible_collections.onsite.assurance.plugins.plugin_utils import assess
        return assess.assess(snapshot)
    except Exception:  # pylint: disable=broad-except  # any failure of the other module: fall back to the sample
        return None


@pytest.fixture(scope="session")
def sample_snapshot() -> dict[str, Any]:
    return load_snapshot(SAMPLE_DIR / "snapshot")


@pytest.fixture(scope="session")
def sample_findings() -> list[dict[str, Any]]:
    return json.loads((SAMPLE_DIR / "findings.json").read_text(encoding="utf-8"))


def _cases() -> list[Any]:
    cases = [pytest.param("sample", id="sample")]
    if (snapshot_dir(REAL_DIR) / "manifest.json").exists():
        cases.append(pytest.param("real", id="lab-healthy"))
    return cases


@pytest.fixture(scope="session", params=_cases())
def case(request: pytest.FixtureRequest, sample_snapshot: dict[str, Any],
         sample_findings: list[dict[str, Any]]) -> dict[str, Any]:
    """A snapshot and its findings: the sample, and the real lab capture when it exists (assessed for real)."""
    if request.param == "sample":
        return {"name": "sample", "dir": SAMPLE_DIR / "snapshot", "snapshot": sample_snapshot,
                "findings": sample_findings}
    directory = snapshot_dir(REAL_DIR)
    snapshot = load_snapshot(directory)
    findings = assess_findings(snapshot)
    if findings is None:
        pytest.skip("onsite.assurance.assess cannot run yet; the real capture has no findings")
    return {"name": "real", "dir": directory, "snapshot": snapshot, "findings": findings}


@pytest.fixture(scope="session")
def render() -> Callable[[str, dict[str, Any]], str]:
    """Render a role template with plain Jinja2 as Ansible configures it (trim_blocks, lstrip_blocks)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["onsite.assurance.report_md_escape"] = report_md_escape

    def _render(name: str, model: dict[str, Any]) -> str:
        return env.get_template(name).render(__report_model=model)
    return _render
