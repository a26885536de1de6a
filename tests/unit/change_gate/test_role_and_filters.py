"""The filters (plugins/filter/change_gate.py) and the change_plan role run for real on localhost."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from gate_support import real

from ansible_collections.onsite.assurance.plugins.filter.change_gate import FilterModule
from ansible_collections.onsite.assurance.plugins.plugin_utils import change_gate

ROOT = Path(__file__).resolve().parents[3]
PLAYBOOK_BIN = ROOT / ".venv" / "bin" / "ansible-playbook"
FILTERS = FilterModule().filters()
PLAY = """
- name: Render a change plan
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Render
      ansible.builtin.include_role:
        name: onsite.assurance.change_plan
      vars:
        change_plan_dir: "{{ out_dir }}"
        change_plan_gate: "{{ lookup('ansible.builtin.file', gate_file) | from_json }}"
        change_plan_lang: "{{ lang }}"
"""


def test_filters_wrap_the_gate_and_report_bad_input_clearly():
    snap, findings = real("osd_down")
    plan = FILTERS["change_plan"]({}, "rolling_reboot", ["cephlab2"])
    assert plan["units"] == [] and plan["targets"] == ["cephlab2"]
    gate = FILTERS["change_gate"](snap, findings, "rolling_reboot", ["cephlab2"], generated_at="2026-11-22T00:00:00Z")
    assert gate["decision"] == "NO_GO" and gate["generated_at"] == "2026-11-22T00:00:00Z"
    assert FILTERS["change_checklist"](gate, "zh_CN")["decision"]["code"] == "NO_GO"
    with pytest.raises(AnsibleFilterError, match="change_plan: change_type must be one of"):
        FILTERS["change_plan"]({}, "", [])
    with pytest.raises(AnsibleFilterError, match="change_gate: mode must be"):
        FILTERS["change_gate"](snap, findings, "rolling_reboot", ["cephlab2"], mode="guess")
    with pytest.raises(AnsibleFilterError, match="findings must be a list"):
        FILTERS["change_gate"](snap, "nope", "rolling_reboot", ["cephlab2"])


class _Html(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [v or "" for k, v in attrs if k in ("src", "href")]
        if tag in ("script", "link", "img"):
            self.errors.append(f"<{tag}> in a self-contained page")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def render(tmp_path: Path, gate: dict[str, Any], lang: str) -> Path:
    gate_file = tmp_path / f"gate-in-{lang}.json"
    gate_file.write_text(json.dumps(gate), encoding="utf-8")
    play = tmp_path / "play.yml"
    play.write_text(PLAY, encoding="utf-8")
    out_dir = tmp_path / lang
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    res = subprocess.run([str(PLAYBOOK_BIN), "-i", "localhost,", str(play), "-e", f"out_dir={out_dir}",
                          "-e", f"gate_file={gate_file}", "-e", f"lang={lang}"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return out_dir


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_role_writes_checklist_and_gate(tmp_path: Path, lang: str):
    snap, findings = real("osd_down")
    gate = change_gate.evaluate(snap, findings, "rolling_reboot", ["cephlab2"], generated_at="2026-11-22T00:00:00Z")
    out_dir = render(tmp_path, gate, lang)
    assert stat.S_IMODE(out_dir.stat().st_mode) == 0o700
    for name in ("checklist.md", "checklist.html", "gate.json"):
        assert stat.S_IMODE((out_dir / name).stat().st_mode) == 0o600, name
    assert json.loads((out_dir / "gate.json").read_text(encoding="utf-8")) == gate
    key = "zh" if lang == "zh_CN" else "en"
    block = next(r for r in gate["reasons"] if r["check"] == "osd_ok_to_stop")[key]
    html = (out_dir / "checklist.html").read_text(encoding="utf-8")
    md = (out_dir / "checklist.md").read_text(encoding="utf-8")
    parser = _Html()
    parser.feed(html)
    assert parser.errors == [] and parser.stack == []
    assert all(ref == "report.html" or ref.startswith("#") for ref in parser.refs), parser.refs
    assert not re.search(r"@import|@font-face|url\(", html)
    assert block.split("(")[0].strip() in html.replace("&#39;", "'")
    assert "ceph osd ok-to-stop 2 3" in html and "ceph osd ok-to-stop 2 3" in md
    assert "NO GO" in html and "NO GO" in md
    assert re.search(r"^- \[ \] ", md, re.M)
    if key == "zh":
        assert "变更前" in html and "回退" in md and 'lang="zh-CN"' in html
    else:
        assert "Before the change" in html and "Rollback" in md


@pytest.mark.slow
def test_role_rejects_a_gate_it_cannot_read(tmp_path: Path):
    gate_file = tmp_path / "gate.json"
    gate_file.write_text(json.dumps({"decision": "GO"}), encoding="utf-8")
    play = tmp_path / "play.yml"
    play.write_text(PLAY, encoding="utf-8")
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    res = subprocess.run([str(PLAYBOOK_BIN), "-i", "localhost,", str(play), "-e", f"out_dir={tmp_path / 'x'}",
                          "-e", f"gate_file={gate_file}", "-e", "lang=en"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode != 0 and "must be a gate" in res.stdout
