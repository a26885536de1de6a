"""testinfra: the nodes after a health check (untouched, as they were) and the report it wrote.

Runs under molecule verify, or on its own:
    pytest molecule/default/tests --hosts=ansible://all --ansible-inventory=inventories/lab
(the report is then the newest under reports/, or ASSURANCE_REPORT_DIR).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EXPECTED_OSDS = {"cephlab1": {"0", "1"}, "cephlab2": {"2", "3"}, "cephlab3": {"4", "5"}}


def report_dir() -> Path:
    explicit = os.environ.get("ASSURANCE_REPORT_DIR")
    if explicit:
        return Path(explicit)
    ephemeral = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
    if ephemeral:
        return Path(ephemeral) / "report"
    found = sorted((ROOT / "reports").glob("*/report.json"), key=lambda p: p.stat().st_mtime)
    assert found, "no report: run playbooks/health_check.yml first or set ASSURANCE_REPORT_DIR"
    return found[-1].parent


def test_node_is_itself_with_its_own_daemons(host):
    name = host.backend.get_hostname()
    assert host.check_output("hostname") == name
    osds = {p.args.split("-i ")[1].split()[0] for p in host.process.filter(comm="ceph-osd")}
    assert osds == EXPECTED_OSDS[name]
    assert len(host.process.filter(comm="ceph-mon")) == 1


def test_read_only_identity_is_installed(host):
    keyring = host.file("/etc/ceph/ceph.client.assurance.keyring")
    assert keyring.exists and keyring.is_file
    assert "[client.assurance]" in keyring.content_string


def test_collection_left_nothing_on_the_node(host):
    """The collectors write nothing on the nodes: Ansible's temporary module directories are gone."""
    leftovers = host.run("ls -d /root/.ansible/tmp/ansible-tmp-* 2>/dev/null || true")
    assert leftovers.stdout.strip() == ""


@pytest.fixture(scope="module")
def report():
    return json.loads((report_dir() / "report.json").read_text(encoding="utf-8"))


def test_report_files_and_verdict(report):
    files = {p.name for p in report_dir().iterdir()}
    assert {"report.html", "report.md", "report.json", "junit.xml"} <= files
    assert report["schema"] == "onsite.assurance/report" and report["schema_version"] == 1
    assert report["summary"]["worst_severity"] in ("ok", "advisory", "routine"), report["summary"]
    assert {"cephlab1", "cephlab2", "cephlab3"} <= {h.get("name") for h in report["environment"]["hosts"]["items"]}


def test_report_html_is_self_contained():
    html = (report_dir() / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "<script src" not in html.lower() and "@import" not in html
