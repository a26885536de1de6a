"""The collection checks like a published one: lint, sanity, build content, plugin docs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")}


def run(*argv: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout, check=False)


def test_ansible_lint_production_profile_is_clean():
    res = run(str(BIN / "ansible-lint"), "--profile", "production", "--nocolor")
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]


def test_changelog_fragments_lint():
    res = run(str(BIN / "antsibull-changelog"), "lint")
    assert res.returncode == 0, res.stdout + res.stderr


def test_ansible_test_sanity_is_clean():
    res = run(str(ROOT / "scripts" / "sanity"), timeout=1800)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-3000:]


def test_no_sanity_ignore_files():
    assert not list((ROOT / "tests" / "sanity").glob("ignore-*.txt"))


def test_built_artifact_holds_no_lab_state_venv_or_reports(tmp_path):
    res = run(str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    tarball = next(tmp_path.glob("onsite-assurance-*.tar.gz"))
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert "MANIFEST.json" in names and "plugins/modules/ceph_cluster_info.py" in names
    forbidden = (".venv/", "lab/.state/", "reports/", "snapshots/", "inventories/lab/", ".collections", "tests/output/")
    leaked = [n for n in names if any(n.startswith(p) or f"/{p}" in n for p in forbidden)]
    assert not leaked, leaked[:20]
    assert not [n for n in names if n.endswith((".keyring", ".pyc")) or "id_ed25519" in n]


def test_ansible_doc_lists_the_plugins():
    res = run(str(BIN / "ansible-doc"), "-l", "onsite.assurance", "-j")
    assert res.returncode == 0, res.stderr
    modules = json.loads(res.stdout)
    assert {"onsite.assurance.ceph_cluster_info", "onsite.assurance.ceph_node_info"} <= set(modules)
    for plugin_type, name in [("filter", "onsite.assurance.assess"), ("filter", "onsite.assurance.severity_summary"),
                              ("filter", "onsite.assurance.findings_diff"), ("lookup", "onsite.assurance.snapshot")]:
        doc = run(str(BIN / "ansible-doc"), "-t", plugin_type, name, "-j")
        assert doc.returncode == 0 and name.rsplit(".", maxsplit=1)[-1] in doc.stdout, doc.stderr


def test_role_argument_specs_exist():
    for role in (ROOT / "roles").iterdir():
        assert (role / "meta" / "argument_specs.yml").is_file(), role.name


@pytest.mark.parametrize("path", ["galaxy.yml", "meta/runtime.yml"])
def test_metadata(path):
    text = (ROOT / path).read_text()
    if path == "galaxy.yml":
        for needle in ("namespace: onsite", "name: assurance", "version: 0.1.0", "GPL-3.0-or-later", "- ceph", "- storage", "- health", "- monitoring"):
            assert needle in text, needle
    else:
        assert 'requires_ansible: ">=2.16.0"' in text
