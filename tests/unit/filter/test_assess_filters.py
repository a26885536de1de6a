"""The thin filters: names, delegation, errors as AnsibleFilterError naming the plugin, and a real run through
ansible-playbook (templating, undefined variables)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.onsite.assurance.plugins.filter import assess as assess_filter
from ansible_collections.onsite.assurance.plugins.filter import findings as findings_filter

ROOT = Path(__file__).resolve().parents[3]
HEALTHY = ROOT / "tests" / "unit" / "fixtures" / "lab" / "healthy"


def filters() -> dict:
    return {**assess_filter.FilterModule().filters(), **findings_filter.FilterModule().filters()}


def test_filter_names() -> None:
    assert sorted(filters()) == ["assess", "findings_diff", "knowledge_notes", "severity_label", "severity_summary",
                                 "sort_findings"]


def test_filters_delegate() -> None:
    f = filters()
    snapshot = {"manifest": {}, "cluster": {"reachable": True, "commands": {
        "status": {"data": {"health": {"status": "HEALTH_OK", "checks": {}}}}}}, "hosts": {}}
    findings = f["assess"](snapshot, disabled=["COLLECTOR_COMMAND_FAILED", "COLLECTOR_DATA_INVALID"])
    assert [x["id"] for x in findings] == ["CEPH_HEALTH:cluster:ceph"]
    assert f["severity_summary"](findings)["verdict"] == "HEALTHY"
    assert f["findings_diff"](findings, findings)["new"] == []
    assert f["sort_findings"](findings) == findings
    assert f["severity_label"]("major", "zh") == "重大事故"
    assert f["knowledge_notes"](findings) == []


@pytest.mark.parametrize("name, args, message", [
    ("assess", ({}, {"bogus": 1}), "unknown threshold 'bogus'"),
    ("assess", ({}, None, "CEPH_X"), "disabled must be a list"),
    ("severity_summary", ("nope",), "findings must be a list"),
    ("findings_diff", ([], 3), "previous must be a list"),
    ("sort_findings", ([1],), r"findings\[0\] must be a finding dict"),
    ("severity_label", ("worse",), "unknown severity level"),
    ("knowledge_notes", (None,), "findings must be a list"),
])
def test_errors_name_the_plugin(name: str, args: tuple, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=rf"plugin '{name}': .*{message}"):
        filters()[name](*args)


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Assess the real healthy capture
      ansible.builtin.set_fact:
        findings: "{{ snapshot | onsite.assurance.assess }}"
    - name: Summary and label
      ansible.builtin.copy:
        dest: "{{ out }}"
        mode: "0600"
        content: >-
          {{ {'summary': findings | onsite.assurance.severity_summary,
              'label': (findings | onsite.assurance.severity_summary).verdict | onsite.assurance.severity_label('zh'),
              'ids': findings | map(attribute='id') | list} | to_json }}
    - name: An undefined snapshot fails as undefined
      ansible.builtin.debug:
        msg: "{{ no_such_variable | onsite.assurance.assess }}"
"""


def test_through_ansible_playbook(tmp_path: Path) -> None:
    (tmp_path / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    snapshot = {"manifest": json.loads((HEALTHY / "manifest.json").read_text()),
                "cluster": json.loads((HEALTHY / "cluster.json").read_text()), "hosts": {}}
    (tmp_path / "vars.json").write_text(json.dumps({"snapshot": snapshot}), encoding="utf-8")
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    result = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,",
                             "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
                             "-e", f"@{tmp_path / 'vars.json'}", "-e", f"out={tmp_path / 'out.json'}",
                             str(tmp_path / "play.yml")],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    shown = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    # the lab runs Pacific 16.2.15, past its end of life: healthy, with optimization advice
    assert shown["summary"]["verdict"] == "HEALTHY_WITH_ADVICE" and shown["label"] == "健康（有优化建议）"
    assert "CEPH_HEALTH:cluster:ceph" in shown["ids"]
    assert "'no_such_variable' is undefined" in result.stdout + result.stderr and result.returncode != 0
