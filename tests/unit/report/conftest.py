"""Fixtures of the report tests: the hand-made sample, real lab captures, a template renderer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import jinja2
import pytest

from ansible_collections.onsite.assurance.plugins.filter.report import report_md_escape
from ansible_collections.onsite.assurance.plugins.plugin_utils import assess

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SAMPLE_DIR = HERE / "sample"
LAB_DIR = ROOT / "tests" / "unit" / "fixtures" / "lab"
TEMPLATES = ROOT / "roles" / "report" / "templates"


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


@pytest.fixture(scope="session")
def sample_snapshot() -> dict[str, Any]:
    return load_snapshot(SAMPLE_DIR / "snapshot")


@pytest.fixture(scope="session")
def sample_findings() -> list[dict[str, Any]]:
    return json.loads((SAMPLE_DIR / "findings.json").read_text(encoding="utf-8"))


LAB_CASES = {"lab-healthy": "healthy", "lab-osd-down-peering": "osd_down_peering"}


@pytest.fixture(scope="session", params=["sample", *LAB_CASES])
def case(request: pytest.FixtureRequest, sample_snapshot: dict[str, Any],
         sample_findings: list[dict[str, Any]]) -> dict[str, Any]:
    """A snapshot and its findings: the hand-made sample, and real lab captures assessed by the real rules."""
    if request.param == "sample":
        return {"name": "sample", "dir": SAMPLE_DIR / "snapshot", "snapshot": sample_snapshot,
                "findings": sample_findings}
    directory = LAB_DIR / LAB_CASES[request.param]
    snapshot = load_snapshot(directory)
    return {"name": request.param, "dir": directory, "snapshot": snapshot, "findings": assess.assess(snapshot)}


@pytest.fixture(scope="session")
def render() -> Callable[[str, dict[str, Any]], str]:
    """Render a role template with plain Jinja2 as Ansible configures it (trim_blocks, lstrip_blocks)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["onsite.assurance.report_md_escape"] = report_md_escape

    def _render(name: str, model: dict[str, Any]) -> str:
        return env.get_template(name).render(__report_model=model)
    return _render
