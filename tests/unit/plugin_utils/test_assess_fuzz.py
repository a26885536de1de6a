"""Property tests: assess, severity_summary and findings_diff never fail on malformed input.

assess gets arbitrary JSON, snapshot-shaped JSON, and the real lab capture and release fixtures with random
parts replaced, deleted or retyped. Every run must return schema-valid findings and no ASSESS_RULE_ERROR (a
rule that raised would be contained there, so the fuzzing checks the rules themselves, not only the safety net).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assess_fixtures import LAB, RELEASES, fixture, lab_states
from ansible_collections.onsite.assurance.plugins.plugin_utils import assess as assess_mod
from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import LEVELS, VERDICTS

VALIDATOR = jsonschema.Draft202012Validator(
    json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "findings.schema.json").read_text()))
SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COMMAND_KEYS = ["status", "health_detail", "mon_dump", "quorum_status", "osd_tree", "osd_df", "osd_dump",
                "osd_pool_ls_detail", "df_detail", "pg_stat", "pg_dump_stuck", "versions", "crash_ls_new"]
WORDS = st.sampled_from(["HEALTH_OK", "HEALTH_WARN", "HEALTH_ERR", "OSD_DOWN", "PG_DEGRADED", "active+clean",
                         "undersized+degraded+peered", "down", "osd.1", "mon.a", "leader", "probing", "up", "",
                         "2024-08-21T02:35:25.733187+0000", "2017-03-07 08:55:53.301911", "0.000000", "{x}", "%s"])
SCALARS = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | st.text(max_size=12) | WORDS
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) |
                    st.dictionaries(st.text(max_size=8) | WORDS, inner, max_size=4), max_leaves=25)
BASES = [fixture(LAB / s) for s in lab_states()] + [fixture(p) for p in sorted(RELEASES.iterdir()) if p.is_dir()]


def check(findings: Any) -> None:
    assert isinstance(findings, list)
    for finding in findings:
        VALIDATOR.validate(finding)
        assert finding["code"] != "ASSESS_RULE_ERROR", finding["evidence"]
    json.dumps(findings, allow_nan=True)


snapshot_like = st.fixed_dictionaries({
    "manifest": JSON | st.fixed_dictionaries({"inventory": st.fixed_dictionaries({
        "hosts": st.lists(WORDS | st.text(max_size=5), max_size=3),
        "groups": st.dictionaries(st.sampled_from(["mons", "osds", "mgrs"]), st.lists(st.text(max_size=5), max_size=3))}),
        "hosts": JSON, "created_at": JSON}),
    "cluster": JSON | st.fixed_dictionaries({
        "reachable": JSON, "collected_at": JSON, "admin_socket": JSON, "local_daemons": JSON,
        "commands": st.dictionaries(st.sampled_from(COMMAND_KEYS), st.fixed_dictionaries({"data": JSON}) | JSON)}),
    "hosts": st.dictionaries(st.text(max_size=6), JSON | st.fixed_dictionaries({
        "reachable": JSON, "time_sync": JSON, "filesystems": JSON, "nics": JSON, "memory": JSON,
        "kernel_log": JSON, "block_devices": JSON, "ceph_daemons": JSON, "ceph_packages": JSON}), max_size=3),
})


@SETTINGS
@given(JSON | snapshot_like)
def test_assess_on_arbitrary_json(snapshot: Any) -> None:
    check(assess_mod.assess(snapshot))


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node[:20]):
            found += paths(value, prefix + (index,))
    return found


PATHS = [paths(base) for base in BASES]
TEXTS = [json.dumps(base) for base in BASES]


@SETTINGS
@given(st.data())
def test_assess_on_mutated_real_snapshots(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(BASES) - 1))
    snap = json.loads(TEXTS[index])  # a fresh copy, faster than deepcopy
    candidates = PATHS[index]
    for _step in range(data.draw(st.integers(1, 6))):
        path = data.draw(st.sampled_from(candidates))
        if not path:
            continue
        parent = snap
        try:
            for step in path[:-1]:
                parent = parent[step]
            op = data.draw(st.sampled_from(["replace", "delete", "wrap", "empty"]))
            if op == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            elif op == "wrap":
                parent[path[-1]] = [parent[path[-1]]]
            elif op == "empty":
                parent[path[-1]] = type(parent[path[-1]])() if isinstance(parent[path[-1]], (dict, list, str)) else None
            else:
                parent[path[-1]] = data.draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped this path
    check(assess_mod.assess(snap))


finding_like = st.dictionaries(st.sampled_from(["id", "severity", "muted", "code", "title"]),
                               st.sampled_from(list(LEVELS) + ["bogus"]) | SCALARS | st.lists(SCALARS, max_size=2),
                               max_size=5)
finding_lists = st.lists(finding_like, max_size=12)


@SETTINGS
@given(finding_lists)
def test_severity_summary_on_arbitrary_findings(findings: list[dict[str, Any]]) -> None:
    summary = assess_mod.severity_summary(findings)
    assert summary["total"] == len(findings) == sum(summary["counts"].values())
    assert summary["worst_severity"] in LEVELS and summary["verdict"] in VERDICTS.values()
    assert 0 <= summary["muted"] <= len(findings)


@SETTINGS
@given(finding_lists, finding_lists)
def test_findings_diff_on_arbitrary_findings(current: list[dict[str, Any]], previous: list[dict[str, Any]]) -> None:
    changes = assess_mod.findings_diff(current, previous)
    ids = {key: {str(f.get("id")) for f in changes[key]} for key in ("new", "resolved", "persisting")}
    assert not ids["new"] & ids["resolved"] and not ids["new"] & ids["persisting"]
    now = {str(f.get("id")) for f in current if f.get("severity") != "ok"}
    assert ids["new"] | ids["persisting"] == now
    assert {c["id"] for c in changes["severity_changed"]} <= ids["persisting"]


@SETTINGS
@given(JSON)
def test_findings_helpers_fail_cleanly_on_non_lists(value: Any) -> None:
    for call in (assess_mod.severity_summary, lambda v: assess_mod.findings_diff(v, []), assess_mod.sort):
        try:
            call(value)
        except (TypeError, ValueError):
            pass
