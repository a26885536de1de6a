#!/usr/bin/env python
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Side by side with the public peer, canonical/hotsos, on the real lab (issue #11).

    bench/compare_hotsos.py run       # lab up; needs .venv-hotsos (make bench-compare installs it)
    bench/compare_hotsos.py render    # docs/comparison.md from bench/results/comparison.json
    bench/compare_hotsos.py check     # exit 1 when docs/comparison.md is stale or an item is unmapped
    bench/compare_hotsos.py scenarios # exit 1 when the installed hotsos's scenarios differ from the list

``run`` brings the lab into each state (healthy, inconsistent, osd_down, nearfull, quorum_lost), runs
``hotsos --storage --format json`` on the mon node cephlab1 (as its documentation says: on the host) and
``playbooks/health_check.yml`` from the controller, times both, heals, and stores the raw results in
bench/results/comparison.json. ``render`` lists every item hotsos reported per state next to its counterpart
among our findings of the same run (bench/hotsos_map.yml names the counterpart codes, or the reason why an
item has none); an item without a mapping fails ``check``, so the table cannot silently fall behind.

``render`` also appends the coverage of every scenario the pinned hotsos ships for storage nodes
(bench/hotsos_scenarios.yml: what each checks and our counterpart codes, or why it does not apply);
``scenarios`` (and ``check``, where .venv-hotsos is installed) fails when the installed scenario files are not
exactly that list, so a new or removed hotsos check cannot go unnoticed.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".collections"))

from ansible_collections.onsite.assurance.plugins.plugin_utils import rule_catalog  # noqa: E402  pylint: disable=wrong-import-position

RESULTS = ROOT / "bench" / "results" / "comparison.json"
MAPPING = ROOT / "bench" / "hotsos_map.yml"
SCENARIOS = ROOT / "bench" / "hotsos_scenarios.yml"
DOC = ROOT / "docs" / "comparison.md"
HOTSOS = ROOT / ".venv-hotsos" / "bin" / "hotsos"
HOTSOS_SITE = ROOT / ".venv-hotsos" / "lib"
GAP = "GAP:"
STATES = ("healthy", "inconsistent", "osd_down", "nearfull", "quorum_lost")
HOTSOS_TIMEOUT_S = 180
SETTLE_S = 10
RANK = {"ok": 0, "advisory": 1, "routine": 2, "urgent": 3, "major": 4}


# --- run on the lab ------------------------------------------------------------------------------------------

def lab(*args: str, timeout: float = 600) -> None:
    subprocess.run([str(ROOT / "lab" / "cephlab"), *args], cwd=ROOT, check=True, timeout=timeout,
                   stdout=subprocess.DEVNULL)


def run_hotsos() -> dict[str, Any]:
    argv = [str(ROOT / "lab" / "cephlab"), "exec", "cephlab1", "--", str(HOTSOS), "--storage", "--format", "json",
            "--quiet"]
    started = time.monotonic()
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=HOTSOS_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        partial = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout
        return {"seconds": HOTSOS_TIMEOUT_S, "timed_out": True, "rc": None, "output": None,
                "stdout_bytes": len(partial or "")}
    seconds = round(time.monotonic() - started, 1)
    try:
        output = json.loads(res.stdout)
    except ValueError:
        output = None
    return {"seconds": seconds, "timed_out": False, "rc": res.returncode, "output": output,
            "stderr_tail": res.stderr[-500:]}


def run_ours(state: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"compare-{state}-") as scratch:
        report_dir = Path(scratch) / "report"
        argv = [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(ROOT / "inventories" / "lab"),
                str(ROOT / "playbooks" / "health_check.yml"), "-e", json.dumps({
                    "assurance_report_dir": str(report_dir), "assurance_snapshot_dir": str(Path(scratch) / "snap"),
                    "assurance_history_dir": str(Path(scratch) / "history"),
                    "assurance_event_name": f"hotsos comparison: {state}"})]
        started = time.monotonic()
        res = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
        seconds = round(time.monotonic() - started, 1)
        report = report_dir / "report.json"
        findings = json.loads(report.read_text(encoding="utf-8"))["findings"] if report.is_file() else []
    keep = ("code", "ceph_code", "severity", "entity")
    return {"seconds": seconds, "rc": res.returncode,
            "findings": [{**{k: f.get(k) for k in keep}, "detail": str(f.get("detail", {}).get("en", ""))[:600]}
                         for f in findings if f.get("severity") != "ok"]}


def run_all() -> None:
    if not HOTSOS.exists():
        sys.exit(f"{HOTSOS} missing: run `make bench-compare` (it installs requirements/hotsos.txt)")
    lab("up", timeout=900)
    lab("wait-healthy", timeout=600)
    version = subprocess.run([str(HOTSOS), "--version"], capture_output=True, text=True, check=False).stdout.strip()
    states: dict[str, Any] = {}
    for state in STATES:
        try:
            if state != "healthy":
                lab("fault", state, timeout=600)
                time.sleep(SETTLE_S)
            states[state] = {"hotsos": run_hotsos(), "ours": run_ours(state)}
            print(f"{state}: hotsos {states[state]['hotsos']['seconds']} s, ours {states[state]['ours']['seconds']} s",
                  flush=True)
        finally:
            lab("heal", timeout=900)
            lab("wait-healthy", timeout=600)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                   "hotsos_version": version, "states": states}, indent=1, ensure_ascii=False)
                       + "\n", encoding="utf-8")


# --- what hotsos reported ------------------------------------------------------------------------------------

def hotsos_items(output: Any) -> list[dict[str, str]]:
    """The findings in a hotsos summary: sysctl mismatches, the release's end of life, PGs per OSD, detected
    bugs, and every potential issue or bug its scenarios raised (wherever the plugin placed them)."""
    items: list[dict[str, str]] = []
    if not isinstance(output, dict):
        return items
    for name, value in _dict(_dict(output.get("system")).get("sysctl-mismatch")).items():
        value = _dict(value)
        items.append({"id": f"sysctl {name}", "text": f"{name}: {value.get('actual')} (expected {value.get('expected')})"})
    ceph = _dict(_dict(output.get("storage")).get("ceph"))
    release = _dict(ceph.get("release"))
    if isinstance(release.get("days-to-eol"), int) and release["days-to-eol"] < 0:
        items.append({"id": "release end of life", "text": f"{release.get('name')}: days-to-eol {release['days-to-eol']}"})
    if ceph.get("osd-pgs-suboptimal"):
        items.append({"id": "osd-pgs-suboptimal", "text": json.dumps(ceph["osd-pgs-suboptimal"], sort_keys=True)})
    if ceph.get("status", "HEALTH_OK") != "HEALTH_OK":
        items.append({"id": "status", "text": f"status: {ceph['status']}"})
    items.extend(_issues(output))
    return items


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _issues(node: Any, path: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """``bugs-detected`` and ``potential-issues`` blocks anywhere in the summary."""
    found: list[dict[str, str]] = []
    if not isinstance(node, dict):
        return found
    for key, value in node.items():
        if key == "bugs-detected" and isinstance(value, dict):
            found += [{"id": f"bug {_bug_id(url)}", "text": str(text)} for url, text in value.items()]
        elif key == "potential-issues" and isinstance(value, dict):
            found += [{"id": f"issue {kind}: {_gist(msg)}", "text": str(msg)}
                      for kind, messages in value.items() for msg in (messages if isinstance(messages, list) else [messages])]
        else:
            found += _issues(value, path + (key,))
    return found


def _bug_id(url: str) -> str:
    match = re.search(r"(CVE-\d{4}-\d+|LP#?\d+|\d{5,})", url)
    return match.group(1) if match else url


def _gist(message: Any) -> str:
    """The message with numbers and names of entities blanked, so that one kind of issue maps once."""
    text = re.sub(r"\d+(\.\d+)?", "N", str(message))
    return re.sub(r"\s+", " ", text)[:90]


# --- the table ---------------------------------------------------------------------------------------------

def load_mapping() -> list[dict[str, Any]]:
    return yaml.safe_load(MAPPING.read_text(encoding="utf-8"))["items"]


def counterpart(item: dict[str, str], ours: list[dict[str, Any]],
                mapping: list[dict[str, Any]]) -> tuple[str, bool, list[dict[str, Any]]]:
    """Our finding for a hotsos item, the reason it has none, or ``UNMAPPED``; whether that is acceptable; and
    the findings of ours that answer it."""
    entry, match = next(((m, hit) for m in mapping if (hit := re.fullmatch(m["match"], item["id"]))), (None, None))
    if entry is None or match is None:
        return "**UNMAPPED**: add it to bench/hotsos_map.yml", False, []
    if "reason" in entry:
        return f"n/a: {entry['reason']}", True, []
    named = match.groupdict().get("key")  # the finding must name it (e.g. the sysctl) in its detail
    hits = [f for f in ours if (f.get("code") in entry["ours"] or f.get("ceph_code") in entry["ours"])
            and (named is None or named in f.get("detail", ""))]
    if not hits:
        return f"**MISSING** (expected one of {', '.join(entry['ours'])})", False, []
    best = max(hits, key=lambda f: RANK.get(f["severity"], 0))
    more = f" (+{len(hits) - 1})" if len(hits) > 1 else ""
    return f"`{best.get('ceph_code') or best['code']}` {best['severity']}{more}", True, hits


def _tally(findings: list[dict[str, Any]]) -> list[str]:
    """``CODE`` level ×N, worst first."""
    counts: dict[tuple[str, str], int] = {}
    for f in findings:
        key = (f.get("ceph_code") or f["code"], f["severity"])
        counts[key] = counts.get(key, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: (-RANK.get(kv[0][1], 0), kv[0][0]))
    return [f"`{code}` {level}" + (f" ×{n}" if n > 1 else "") for (code, level), n in ordered]


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(results: dict[str, Any], mapping: list[dict[str, Any]],
           scenarios: dict[str, Any]) -> tuple[str, list[str]]:
    lines = [
        "# Comparison with canonical/hotsos",
        "",
        "Generated by `bench/compare_hotsos.py render` from bench/results/comparison.json (measured by "
        "`bench/compare_hotsos.py run` on the real lab); do not edit by hand.",
        "",
        f"Measured {results['measured_at']} with hotsos {results['hotsos_version']} (`hotsos --storage --format json` "
        f"on the mon node cephlab1, killed after {HOTSOS_TIMEOUT_S} s) and `playbooks/health_check.yml` (3 nodes, "
        "from the controller). Each state is a real fault of `lab/cephlab`, injected, left "
        f"{SETTLE_S} s, then both tools run one after the other.",
        "",
        "Reading it: hotsos runs on one host with that host's client.admin keyring and reports what it sees there; "
        "health_check.yml collects every node over SSH and the cluster as the read-only client.assurance, then rates "
        "each finding by impact. For a fault hotsos has one item, `status` (Ceph's HEALTH_WARN/ERR); its counterpart "
        "is our rated finding for the cause. Under quorum loss hotsos printed nothing before it was killed; the "
        "collection's own deadlines bound our run. Times are wall-clock on this 2-core machine, one run each.",
        "",
        "## Summary",
        "",
        "| state | hotsos: time, items | ours: time, non-ok findings, worst |",
        "|---|---|---|",
    ]
    problems: list[str] = []
    sections: list[str] = []
    for state, run in results["states"].items():
        hot, ours = run["hotsos"], run["ours"]
        items = hotsos_items(hot.get("output"))
        worst = max((f["severity"] for f in ours["findings"]), key=lambda s: RANK.get(s, 0), default="ok")
        hot_cell = (f"no output, killed after {hot['seconds']} s" if hot["timed_out"] else
                    f"{hot['seconds']} s, {len(items)} items")
        lines.append(f"| {state} | {hot_cell} | {ours['seconds']} s, {len(ours['findings'])}, {worst} |")
        sections += [f"## {state}", "", "| hotsos item | what hotsos said | our counterpart |", "|---|---|---|"]
        answered: list[dict[str, Any]] = []
        for item in items:
            text, fine, hits = counterpart(item, ours["findings"], mapping)
            answered += hits
            if not fine:
                problems.append(f"{state}: {item['id']}: {text}")
            sections.append(f"| {cell(item['id'])} | {cell(item['text'][:220])} | {cell(text)} |")
        if not items:
            sections.append("| (nothing) | " + ("no output before it was killed" if hot["timed_out"] else "no item") + " | |")
        sections += ["", "Only in ours (not ok, no hotsos item): " + (", ".join(_tally(
            [f for f in ours["findings"] if f not in answered])) or "none") + ".", ""]
    coverage, unknown = coverage_section(scenarios, rule_catalog.load())
    lines += ["", *sections, *coverage]
    return "\n".join(lines).rstrip() + "\n", problems + unknown


# --- coverage of every hotsos scenario -----------------------------------------------------------------------

def load_scenarios() -> dict[str, Any]:
    return yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))


def level_text(rule: rule_catalog.Rule) -> str:
    """A rule's default level (for an area whose default is ok, its lowest problem level) and, when it
    escalates, the highest level it can reach."""
    levels = sorted((level for level in rule.get("levels", {}) if level != "ok"), key=RANK.__getitem__)
    default = str(rule.get("severity"))
    base = levels[0] if default == "ok" and levels else default
    top = levels[-1] if levels else base
    return f"{base} (up to {top})" if RANK[top] > RANK[base] else base


def coverage_cell(entry: dict[str, Any], catalog: rule_catalog.Catalog) -> tuple[str, list[str]]:
    """Our codes with their levels and the note, or the reason; and the codes the catalog does not know."""
    if "reason" in entry:
        reason = str(entry["reason"])
        return (f"**GAP**: {reason[len(GAP):].strip()}" if reason.startswith(GAP) else f"n/a: {reason}"), []
    rules = {str(code): catalog.rules.get(code) or catalog.by_ceph_code.get(code) for code in entry["ours"]}
    unknown = [f"{entry['scenario']}: {code} is not in the rule catalog" for code, rule in rules.items()
               if rule is None]
    codes = ", ".join(f"`{code}` " + (level_text(rule) if rule else "**unknown**") for code, rule in rules.items())
    return codes + (f" — {entry['note']}" if entry.get("note") else ""), unknown


def coverage_section(data: dict[str, Any], catalog: rule_catalog.Catalog) -> tuple[list[str], list[str]]:
    """The section listing every hotsos scenario with our counterpart, and the unknown codes it names."""
    entries = data["scenarios"]
    covered = sum(1 for e in entries if "ours" in e)
    gaps = sum(1 for e in entries if str(e.get("reason", "")).startswith(GAP))
    disabled = sum(1 for e in entries if e.get("disabled"))
    lines = [
        "## Coverage of every hotsos Ceph check",
        "",
        f"Every scenario file that hotsos {data['hotsos_version']} ships under `hotsos/defs/scenarios/storage/` "
        "(its `--storage` checks for Ceph, bcache, NFS and SMART), what it checks, and our counterpart with its "
        "default level from the rule catalog (and the highest level it escalates to), or why it does not apply. "
        "Generated from bench/hotsos_scenarios.yml; `bench/compare_hotsos.py scenarios` checks that list against "
        "the installed hotsos. hotsos runs the `ceph-mon/` and `ceph-osd/` scenarios only where it finds the "
        "ceph-mon or ceph-osd systemd unit enabled; on the lab its summary lists both as disabled, which is why the "
        "runs above show none of their findings.",
        "",
        f"{len(entries)} scenarios ({disabled} disabled in hotsos): {covered} covered, "
        f"{len(entries) - covered - gaps} not applicable, {gaps} gaps.",
        "",
        "| scenario | what hotsos checks | ours (default level), or why not |",
        "|---|---|---|",
    ]
    problems: list[str] = []
    for entry in entries:
        text, unknown = coverage_cell(entry, catalog)
        problems += unknown
        name = f"`{entry['scenario']}`" + (" (disabled in hotsos)" if entry.get("disabled") else "")
        lines.append(f"| {name} | {cell(str(entry['checks']))} | {cell(text)} |")
    return lines, problems


def hotsos_installed() -> tuple[Path, str] | None:
    """The storage scenario directory of the hotsos in .venv-hotsos and its version; None when not installed."""
    info = next(iter(sorted(HOTSOS_SITE.glob("python3*/site-packages/hotsos-*.dist-info"))), None)
    if info is None:
        return None
    version = info.name.removeprefix("hotsos-").removesuffix(".dist-info")
    return info.parent / "hotsos" / "defs" / "scenarios" / "storage", version


def installed_scenarios(root: Path) -> dict[str, bool]:
    """Scenario (path under ``root`` without ``.yaml``) -> disabled, for every scenario file. A file named after
    its directory only holds that directory's requirements (hotsos loads it so) and is no scenario."""
    found: dict[str, bool] = {}
    for path in root.rglob("*.yaml*"):
        disabled = path.name.endswith(".yaml.disabled")
        if (disabled or path.name.endswith(".yaml")) and path.name.partition(".yaml")[0] != path.parent.name:
            found[path.relative_to(root).as_posix().removesuffix(".disabled").removesuffix(".yaml")] = disabled
    return found


def scenario_drift(data: dict[str, Any], installed: dict[str, bool], version: str) -> list[str]:
    """How the list differs from the installed hotsos: version, new or removed scenarios, disabled flags."""
    listed = {str(e["scenario"]): bool(e.get("disabled")) for e in data["scenarios"]}
    problems = [f"hotsos {version} is installed, bench/hotsos_scenarios.yml describes {data['hotsos_version']}"
                ] if version != str(data["hotsos_version"]) else []
    problems += [f"new hotsos scenario {name}: add it to bench/hotsos_scenarios.yml"
                 for name in sorted(set(installed) - set(listed))]
    problems += [f"{name} is no longer in hotsos: remove it from bench/hotsos_scenarios.yml"
                 for name in sorted(set(listed) - set(installed))]
    return problems + [f"{name}: disabled is {installed[name]} in hotsos"
                       for name in sorted(set(listed) & set(installed)) if listed[name] != installed[name]]


def scenario_problems(data: dict[str, Any]) -> list[str] | None:
    """The drift against the installed hotsos; None when .venv-hotsos has none."""
    found = hotsos_installed()
    return None if found is None else scenario_drift(data, installed_scenarios(found[0]), found[1])


def check_scenarios(data: dict[str, Any]) -> int:
    drift = scenario_problems(data)
    if drift is None:
        print(f"skipped: no hotsos under {HOTSOS_SITE.relative_to(ROOT)} (make bench-compare installs it)")
        return 0
    print("\n".join(drift) or f"the {len(data['scenarios'])} scenarios match hotsos {data['hotsos_version']}")
    return 1 if drift else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("run", "render", "check", "scenarios"))
    action = parser.parse_args().action
    scenarios = load_scenarios()
    if action == "scenarios":
        return check_scenarios(scenarios)
    if action == "run":
        run_all()
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    text, problems = render(results, load_mapping(), scenarios)
    if action == "check":
        stale = not DOC.exists() or DOC.read_text(encoding="utf-8") != text
        problems += scenario_problems(scenarios) or []
        for line in problems + (["docs/comparison.md is stale: run bench/compare_hotsos.py render"] if stale else []):
            print(line)
        return 1 if problems or stale else 0
    DOC.write_text(text, encoding="utf-8")
    print("\n".join(problems) or f"wrote {DOC.relative_to(ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
