"""The report role run for real: ansible-playbook tests/playbooks/render_report.yml on localhost, then the files
checked (report.json schema, junit.xml, self-contained HTML, idempotence) and report.html rendered in Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

from ansible_collections.onsite.assurance.plugins.plugin_utils import severity

ROOT = Path(__file__).resolve().parents[3]
PLAYBOOK = ROOT / "tests" / "playbooks" / "render_report.yml"
PLAYBOOK_BIN = ROOT / ".venv" / "bin" / "ansible-playbook"
CHROMIUM = Path("/usr/bin/chromium")
AT = "2026-11-20T02:00:00Z"
FILES = ("report.html", "report.md", "report.json", "junit.xml")


def run_playbook(report_dir: Path, snapshot_dir: Path, findings: list[Any], lang: str,
                 previous: Path | None = None) -> subprocess.Popen[str]:
    report_dir.parent.mkdir(parents=True, exist_ok=True)
    findings_file = report_dir.parent / f"{report_dir.name}-findings.json"
    findings_file.write_text(json.dumps(findings), encoding="utf-8")
    cmd = [str(PLAYBOOK_BIN), "-i", "localhost,", str(PLAYBOOK), "-e", f"render_report_dir={report_dir}",
           "-e", f"render_snapshot_dir={snapshot_dir}", "-e", f"render_findings_file={findings_file}",
           "-e", f"render_lang={lang}", "-e", f"render_generated_at={AT}"]
    if previous:
        cmd += ["-e", f"render_previous_file={previous}"]
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen[str]) -> str:
    out = proc.communicate(timeout=300)[0]
    assert proc.returncode == 0, out
    return out


def changed_count(output: str) -> int:
    match = re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)", output)
    assert match, output
    return int(match.group(1))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, case: dict[str, Any]) -> dict[str, Any]:
    """Both languages, a second run (idempotence), a run with a previous report and one of a dead cluster."""
    base = tmp_path_factory.mktemp(f"report-{case['name']}")
    dead = base / "dead-snapshot"
    (dead / "hosts").mkdir(parents=True)
    (dead / "manifest.json").write_text(json.dumps({"schema": "onsite.assurance/snapshot", "schema_version": 1,
                                                    "hosts": {"node1": {"reachable": False, "error": "timed out"}},
                                                    "cluster_file": None, "errors": []}), encoding="utf-8")
    (dead / "hosts" / "node1.json").write_text(json.dumps({"schema_version": 1, "host": "node1", "reachable": False,
                                                           "error": "timed out"}), encoding="utf-8")
    first = [run_playbook(base / "en", case["dir"], case["findings"], "en"),
             run_playbook(base / "zh_CN", case["dir"], case["findings"], "zh_CN"),
             run_playbook(base / "dead", dead, [], "zh_CN")]
    outputs = [finish(p) for p in first]
    previous_findings = [f for f in case["findings"] if f["severity"] != "ok"][1:]
    previous = base / "previous-report.json"
    previous_doc = json.loads((base / "en" / "report.json").read_text(encoding="utf-8"))
    previous.write_text(json.dumps(dict(previous_doc, findings=previous_findings,
                                        generated_at="2026-11-19T02:00:00Z")), encoding="utf-8")
    second = [run_playbook(base / "en", case["dir"], case["findings"], "en"),
              run_playbook(base / "changes", case["dir"], case["findings"], "en", previous)]
    outputs += [finish(p) for p in second]
    return {"base": base, "outputs": outputs, "case": case}


def read(rendered: dict[str, Any], lang: str, name: str) -> str:
    return (rendered["base"] / lang / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "zh_CN", "dead", "changes"])
def test_role_writes_the_four_files_privately(rendered: dict[str, Any], lang: str) -> None:
    directory = rendered["base"] / lang
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for name in FILES:
        path = directory / name
        assert path.stat().st_size > 200, name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


def test_second_run_changes_nothing(rendered: dict[str, Any]) -> None:
    assert changed_count(rendered["outputs"][0]) > 0
    assert changed_count(rendered["outputs"][3]) == 0


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_report_json(rendered: dict[str, Any], lang: str) -> None:
    doc = json.loads(read(rendered, lang, "report.json"))
    findings = rendered["case"]["findings"]
    assert doc["schema"] == "onsite.assurance/report" and doc["schema_version"] == 1
    assert doc["generated_at"] == AT and doc["lang"] == lang and doc["changes"] is None
    assert set(doc["cover"]) == {"customer", "cluster_label", "event_name", "engineer", "duty_window"}
    assert doc["cover"]["customer"].startswith("ACME")
    for key in ("fsid", "versions", "mons", "mgrs", "osds", "pools", "hosts", "capacity", "pgs"):
        assert key in doc["environment"], key
    for key in ("timings", "errors", "unreachable_hosts", "transport", "failed_commands"):
        assert key in doc["collection"], key
    assert doc["summary"] == severity.summarize(findings)
    assert sum(doc["summary"]["counts"].values()) == len(doc["findings"]) == len(findings)
    assert sorted(f["id"] for f in doc["findings"]) == sorted(f["id"] for f in findings)
    assert doc["findings"] == [dict(f) for f in severity.sort_findings(findings)]


def test_report_json_lists_changes(rendered: dict[str, Any]) -> None:
    doc = json.loads(read(rendered, "changes", "report.json"))
    first_non_ok = [f for f in rendered["case"]["findings"] if f["severity"] != "ok"]
    assert doc["changes"]["previous_generated_at"] == "2026-11-19T02:00:00Z"
    if not first_non_ok:  # a healthy run after a healthy run: nothing new, nothing resolved
        assert not doc["changes"]["new"] and not doc["changes"]["resolved"], doc["changes"]
        return
    assert [f["id"] for f in doc["changes"]["new"]] == [first_non_ok[0]["id"]]
    html = read(rendered, "changes", "report.html")
    section = html.split('id="sec-changes"')[1].split('id="sec-collection"')[0]
    new_group = section.split("<h3>New")[1].split("<h3>")[0]
    assert escape(first_non_ok[0]["title"]["en"]) in new_group


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_junit(rendered: dict[str, Any], lang: str) -> None:
    root = ET.fromstring(read(rendered, lang, "junit.xml"))
    findings = rendered["case"]["findings"]
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    failing = [f for f in findings if f["severity"] in ("urgent", "major") and not f.get("muted")]
    assert [c.get("name") for c in cases] == [f["id"] for f in severity.sort_findings(findings)]
    assert [c.get("name") for c in cases if c.find("failure") is not None] == [
        f["id"] for f in severity.sort_findings(failing)]
    assert len([c for c in cases if c.find("skipped") is not None]) == sum(1 for f in findings if f.get("muted"))
    assert int(suite.get("tests")) == len(findings) and int(suite.get("failures")) == len(failing)
    assert int(root.get("failures")) == len(failing) and suite.get("timestamp") == AT
    for case_el in cases:
        finding = next(f for f in findings if f["id"] == case_el.get("name"))
        assert case_el.get("classname") == f"{finding['source']}.{finding['category']}"
        failure = case_el.find("failure")
        if failure is not None:
            assert failure.get("message") == finding["title"]["zh" if lang == "zh_CN" else "en"]


class _Checker(HTMLParser):
    """Collects open/close mismatches and every URL-bearing attribute of an HTML document."""

    VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "source", "wbr",
            "rect", "line", "path", "circle", "stop"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "action", "poster", "srcset")]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href")]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


@pytest.mark.parametrize("lang", ["en", "zh_CN", "dead"])
def test_html_is_self_contained_and_well_formed(rendered: dict[str, Any], lang: str) -> None:
    html = read(rendered, lang, "report.html")
    checker = _Checker()
    checker.feed(html)
    assert checker.errors == [] and checker.stack == []
    assert all(url.startswith("#") for url in checker.urls), [u for u in checker.urls if not u.startswith("#")]
    assert not [t for t, a in checker.tags if t == "link" or (t == "script" and "src" in a)]
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", html, re.I)
    assert not re.search(r"@import|@font-face", html, re.I)
    anchors = {a.get("id") for _tag, a in checker.tags if a.get("id")}
    assert {u[1:] for u in checker.urls} <= anchors  # every internal link has its target
    for svg in re.findall(r"<svg\b.*?</svg>", html, re.S):
        ET.fromstring(svg)
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html and "@page" in html


def test_html_content_in_both_languages(rendered: dict[str, Any]) -> None:
    en, zh = read(rendered, "en", "report.html"), read(rendered, "zh_CN", "report.html")
    for anchor in ("sec-summary", "sec-environment", "sec-health", "sec-optimization", "sec-fixes",
                   "sec-knowledge", "sec-collection", "sec-appendix"):
        assert f'id="{anchor}"' in en and f'id="{anchor}"' in zh
    assert "On-site Assurance Report" in en and "Optimization plan" in en
    for term in ("现场保障报告", "健康检查", "优化方案", "故障问题修复", "知识传授"):
        assert term in zh, term
    assert 'lang="zh-CN"' in zh and "Optimization plan" not in zh
    assert zh.count("<details") == sum(1 for f in rendered["case"]["findings"] if f.get("evidence"))


def test_dead_cluster_renders_not_collected(rendered: dict[str, Any]) -> None:
    html, md = read(rendered, "dead", "report.html"), read(rendered, "dead", "report.md")
    assert "未采集：快照中没有集群数据" in html and "未采集：快照中没有集群数据" in md
    doc = json.loads(read(rendered, "dead", "report.json"))
    assert doc["collection"]["unreachable_hosts"] == [{"host": "node1", "error": "timed out"}]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_markdown_has_every_section(rendered: dict[str, Any], lang: str) -> None:
    md = read(rendered, lang, "report.md")
    headings = re.findall(r"^## (\d+) ", md, re.M)
    assert headings == [str(n) for n in range(1, len(headings) + 1)] and len(headings) == 8
    tables = [line for line in md.splitlines() if line.startswith("|")]
    rows = [line for line in tables if not line.startswith("|---") and not line.startswith("|--")]
    assert all(line.rstrip().endswith("|") for line in rows)


# ---- Chromium --------------------------------------------------------------------------------------------

def png_pixels(data: bytes, max_rows: int) -> tuple[int, int, list[bytes]]:
    """Width, height and the first ``max_rows`` unfiltered RGB(A) rows of an 8-bit PNG (stdlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color = header[:4]
    assert depth == 8 and color in (2, 6)
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(min(height, max_rows)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r[i:i + 3]) for r in rows for i in range(0, stride, bpp)]


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed (lab/debian-packages.txt lists it)")
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_html_renders_in_chromium(rendered: dict[str, Any], lang: str, tmp_path: Path) -> None:
    page = rendered["base"] / lang / "report.html"
    shots = ROOT / "tests" / "output" / "report"
    shots.mkdir(parents=True, exist_ok=True)
    png = shots / f"report-{rendered['case']['name']}-{lang}.png"
    result = chromium([f"--screenshot={png}", "--window-size=1280,2400", "--hide-scrollbars", page.as_uri()],
                      tmp_path / "profile-shot")
    assert result.returncode == 0 and png.exists(), result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
    width, _height, pixels = png_pixels(png.read_bytes(), max_rows=900)
    assert width == 1280
    white = sum(1 for p in pixels if p == b"\xff\xff\xff")
    assert white < 0.9 * len(pixels) and len(set(pixels)) > 50  # the navy cover band, text and badges are drawn
    dom = chromium(["--dump-dom", page.as_uri()], tmp_path / "profile-dom")
    assert dom.returncode == 0 and 'id="sec-appendix"' in dom.stdout and "<svg" in dom.stdout
    shutil.rmtree(tmp_path / "profile-shot", ignore_errors=True)
