"""The report model: built from a snapshot and findings, consistent, deterministic, robust to missing data."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.onsite.assurance.plugins.filter.report import report_md_escape, report_model
from ansible_collections.onsite.assurance.plugins.plugin_utils import assess, report_env, report_i18n, severity
from ansible_collections.onsite.assurance.plugins.plugin_utils.report_model import (
    SCHEMA, ReportInputError, build, knowledge_notes, text_parts)

TEMPLATES = Path(__file__).resolve().parents[3] / "roles" / "report" / "templates"

AT = "2026-11-20T02:00:00Z"
COVER = {"customer": "ACME", "cluster_label": "", "event_name": "Auto show", "engineer": "Li", "duty_window": "3 d"}


def model_of(snapshot: Any, findings: Any, lang: str = "en", **kwargs: Any) -> dict[str, Any]:
    return build(snapshot, findings, lang=lang, cover=COVER, generated_at=AT, **kwargs)


def test_document_has_the_report_schema(case: dict[str, Any]) -> None:
    doc = model_of(case["snapshot"], case["findings"])["document"]
    assert doc["schema"] == SCHEMA and doc["schema_version"] == 1 and doc["generated_at"] == AT
    assert set(doc) >= {"lang", "cover", "environment", "summary", "findings", "changes", "collection"}
    assert doc["changes"] is None
    assert doc["summary"] == severity.summarize(case["findings"])
    assert doc["findings"] == [dict(f) for f in severity.sort_findings(case["findings"])]
    assert json.loads(model_of(case["snapshot"], case["findings"])["document_json"]) == doc


def test_environment_of_the_snapshot(case: dict[str, Any]) -> None:
    env = model_of(case["snapshot"], case["findings"])["document"]["environment"]
    cluster = case["snapshot"]["cluster"]
    assert env["fsid"] == cluster["fsid"]
    assert env["osds"]["collected"] and env["osds"]["total"] == len(env["osds"]["items"]) > 0
    assert env["mons"]["collected"] and set(env["mons"]["quorum"]) <= {m["name"] for m in env["mons"]["items"]}
    assert env["pools"]["items"] and all(p["name"] for p in env["pools"]["items"])
    assert env["pgs"]["total"] == sum(s["count"] for s in env["pgs"]["by_state"])
    assert 0 < env["capacity"]["used_ratio"] < 1
    assert {h["name"] for h in env["hosts"]["items"]} >= set(case["snapshot"]["hosts"])


def test_sample_environment_details(sample_snapshot: dict[str, Any], sample_findings: list[Any]) -> None:
    env = model_of(sample_snapshot, sample_findings)["document"]["environment"]
    osds = {o["name"]: o for o in env["osds"]["items"]}
    assert osds["osd.5"]["up"] is False and osds["osd.5"]["in"] is True and osds["osd.5"]["host"] == "node3"
    assert osds["osd.4"]["utilization"] == pytest.approx(87.22)
    assert (env["osds"]["up"], env["osds"]["in"], env["osds"]["total"]) == (5, 6, 6)
    assert env["osds"]["ratios"] == {"nearfull": 0.85, "backfillfull": 0.9, "full": 0.95}
    pools = {p["name"]: p for p in env["pools"]["items"]}
    assert pools["backup-ec"]["type"] == "erasure" and pools["rbd-bench"]["min_size"] == 3
    assert pools["rbd"]["used_ratio"] == pytest.approx(0.849)
    assert env["mons"]["quorum"] == ["a", "b", "c"] and env["mons"]["leader"] == "a"
    assert env["mgrs"]["active"] == "x" and env["mgrs"]["standbys"] == ["y"]
    hosts = {h["name"]: h for h in env["hosts"]["items"]}
    assert hosts["node1"]["roles"] == ["mon", "mgr", "osd"] and hosts["node4"]["roles"] == ["client"]
    assert hosts["node4"]["reachable"] is False and not hosts["node4"]["collected"]
    assert env["versions"]["items"][0]["short"] == "16.2.15 pacific (stable)"


def test_sections_partition_the_findings(case: dict[str, Any]) -> None:
    model = model_of(case["snapshot"], case["findings"])
    ids = [f["id"] for f in model["document"]["findings"]]
    grouped = [f["id"] for g in model["health_groups"] for f in g["findings"]]
    assert grouped == ids  # every finding once, worst first
    assert [g["level"] for g in model["health_groups"]] == sorted(
        {f["severity"] for f in case["findings"]}, key=severity.rank, reverse=True)
    assert all(f["severity"] == "advisory" for f in model["optimization"])
    faults = [f["id"] for f in model["document"]["findings"] if f["severity"] in ("routine", "urgent", "major")]
    assert [f["id"] for f in model["fixes"]] == faults
    assert all(not f["muted"] and f["severity"] != "ok" for f in model["summary"]["top"])
    assert len(model["summary"]["top"]) <= 5
    assert [lv["count"] for lv in model["summary"]["levels"]] == [
        model["document"]["summary"]["counts"][lv] for lv in reversed(severity.LEVELS)]


def test_sample_summary_and_paragraph(sample_snapshot: dict[str, Any], sample_findings: list[Any]) -> None:
    en = model_of(sample_snapshot, sample_findings)
    zh = model_of(sample_snapshot, sample_findings, lang="zh_CN")
    assert en["document"]["summary"]["verdict"] == "AT_RISK" and en["verdict"]["level"] == "urgent"
    assert en["verdict"]["label"] == "At risk (urgent faults)" and zh["verdict"]["label"] == "有风险（紧急故障）"
    assert "1 urgent fault(s), 5 routine issue(s), 4 optimization advisory item(s)" in en["summary"]["paragraph"]
    assert "16 placement groups are inactive" in en["summary"]["paragraph"]
    assert "1 host(s) did not answer" in en["summary"]["paragraph"]
    assert "紧急故障 1 项" in zh["summary"]["paragraph"] and "16 个 PG 处于不可用" in zh["summary"]["paragraph"]
    assert en["summary"]["top"][0]["id"] == "CEPH_PG_AVAILABILITY:cluster:ceph"
    assert "CEPH_RECENT_CRASH:cluster:ceph" not in [f["id"] for f in en["summary"]["top"]]  # muted


def test_language_picks_the_finding_texts(sample_snapshot: dict[str, Any], sample_findings: list[Any]) -> None:
    zh = model_of(sample_snapshot, sample_findings, lang="zh_CN")
    first = zh["fixes"][0]
    assert first["title"] == sample_findings[0]["title"]["zh"] and first["badge"]["label"] == "紧急故障"
    assert zh["labels"]["sec_optimization"] == "优化方案" and zh["labels"]["sec_fixes"] == "故障问题修复"
    assert zh["labels"]["sec_knowledge"] == "知识传授" and zh["html_lang"] == "zh-CN"
    one_sided = copy.deepcopy(sample_findings[:1])
    one_sided[0]["title"] = {"en": "only English"}
    assert model_of({}, one_sided, lang="zh_CN")["fixes"][0]["title"] == "only English"


def test_commands_in_recommendations_are_marked(sample_snapshot: dict[str, Any], sample_findings: list[Any]) -> None:
    fix = model_of(sample_snapshot, sample_findings)["fixes"][0]
    assert {"code": True, "text": "ceph osd pool set rbd-bench min_size 2", "short": True} in fix["recommendation_parts"]
    assert text_parts("run `a` then `b`.") == [
        {"code": False, "text": "run "}, {"code": True, "text": "a", "short": True}, {"code": False, "text": " then "},
        {"code": True, "text": "b", "short": True}, {"code": False, "text": "."}]
    assert text_parts("unbalanced ` tick") == [{"code": False, "text": "unbalanced ` tick"}]


def test_knowledge_notes_one_per_code(sample_snapshot: dict[str, Any], sample_findings: list[Any]) -> None:
    model = model_of(sample_snapshot, sample_findings)
    assert [k["code"] for k in model["knowledge"]] == sorted(
        {f["code"] for f in sample_findings if f.get("knowledge") and f["severity"] != "ok"})
    doubled = sample_findings + [dict(sample_findings[1], id="CEPH_OSD_DOWN:osd:osd.9", entity="osd.9")]
    notes = knowledge_notes(doubled)
    assert [n["findings"] for n in notes if n["code"] == "CEPH_OSD_DOWN"] == [
        ["CEPH_OSD_DOWN:osd:osd.5", "CEPH_OSD_DOWN:osd:osd.9"]]
    given = [{"code": "OSD_DOWN", "title": {"en": "OSD down", "zh": "OSD 宕机"},
              "knowledge": {"en": "Use `noout`.", "zh": "使用 `noout`。"}}]
    zh = model_of(sample_snapshot, sample_findings, lang="zh_CN", knowledge=given)
    assert [(k["title"], k["text"]) for k in zh["knowledge"]] == [("OSD 宕机", "使用 `noout`。")]
    assert model_of(sample_snapshot, [f for f in sample_findings if "knowledge" not in f])["knowledge"] == []


def test_junit_cases(case: dict[str, Any]) -> None:
    junit = model_of(case["snapshot"], case["findings"])["junit"]
    findings = case["findings"]
    assert junit["tests"] == len(findings) == len(junit["cases"])
    assert junit["failures"] == sum(1 for f in findings if f["severity"] in ("urgent", "major") and not f.get("muted"))
    assert junit["skipped"] == sum(1 for f in findings if f.get("muted"))
    assert {c["name"] for c in junit["cases"]} == {f["id"] for f in findings}


def test_deterministic_apart_from_generation_time(case: dict[str, Any]) -> None:
    first = model_of(case["snapshot"], case["findings"])
    assert first == model_of(copy.deepcopy(case["snapshot"]), list(reversed(case["findings"])))
    later = build(case["snapshot"], case["findings"], cover=COVER, generated_at="2027-01-01T00:00:00Z")
    diff = [(a, b) for a, b in zip(first["document_json"].splitlines(), later["document_json"].splitlines()) if a != b]
    assert diff == [('  "generated_at": "2026-11-20T02:00:00Z",', '  "generated_at": "2027-01-01T00:00:00Z",')]


def test_changes_since_a_previous_report(sample_snapshot: dict[str, Any], sample_findings: list[Any]) -> None:
    previous_findings = [f for f in sample_findings if f["code"] != "CEPH_PG_AVAILABILITY"]
    previous_findings = [dict(f, severity="advisory") if f["code"] == "CEPH_OSD_NEARFULL" else f
                         for f in previous_findings]
    previous_findings.append(dict(sample_findings[1], id="NODE_SWAP:host:node2", code="NODE_SWAP"))
    previous = build(sample_snapshot, previous_findings, generated_at="2026-11-19T02:00:00Z")["document"]
    model = model_of(sample_snapshot, sample_findings, previous=previous)
    changes = model["document"]["changes"]
    assert changes["previous_generated_at"] == "2026-11-19T02:00:00Z"
    assert [f["id"] for f in changes["new"]] == ["CEPH_PG_AVAILABILITY:cluster:ceph"]
    assert [f["id"] for f in changes["resolved"]] == ["NODE_SWAP:host:node2"]
    assert [(c["id"], c["from"], c["to"]) for c in changes["severity_changed"]] == [
        ("CEPH_OSD_NEARFULL:osd:osd.4", "advisory", "routine")]
    assert changes == {"previous_generated_at": "2026-11-19T02:00:00Z",
                       **severity.diff(previous["findings"], model["document"]["findings"])}
    assert model["changes"]["available"] and "changes" in model["numbers"]
    assert "changes" not in model_of(sample_snapshot, sample_findings)["numbers"]


@pytest.mark.parametrize("previous, reason", [
    ({"schema": "other"}, "schema is 'other'"),
    ({"schema": SCHEMA, "findings": "x"}, "no findings list"),
])
def test_unusable_previous_report_is_noted_not_fatal(sample_snapshot: dict[str, Any], previous: Any,
                                                     reason: str) -> None:
    model = model_of(sample_snapshot, [], previous=previous)
    assert model["document"]["changes"] is None and reason in model["changes"]["note"]
    assert any(e["source"] == "report" and reason in e["message"] for e in model["document"]["collection"]["errors"])


@pytest.mark.parametrize("args, message", [
    (("not a dict", []), "snapshot must be a dict"),
    (({}, {"a": 1}), "findings must be a list"),
])
def test_wrong_input_types_raise_a_clear_error(args: tuple[Any, Any], message: str) -> None:
    with pytest.raises(ReportInputError, match=message):
        build(*args)
    with pytest.raises(ReportInputError, match="lang must be one of en, zh_CN"):
        build({}, [], lang="fr")
    with pytest.raises(ReportInputError, match="knowledge must be a list"):
        build({}, [], knowledge="x")


def test_filter_wraps_errors_and_returns_the_model(sample_snapshot: dict[str, Any]) -> None:
    from ansible.errors import AnsibleFilterError
    with pytest.raises(AnsibleFilterError, match="report_model: the snapshot must be a dict"):
        report_model([], [])
    assert report_model(sample_snapshot, None, generated_at=AT)["document"]["summary"]["total"] == 0


def test_empty_snapshot_says_not_collected() -> None:
    model = model_of({}, [])
    env = model["environment"]
    assert env["note"] == "Not collected: no cluster data in the snapshot"
    for part in ("versions", "mons", "mgrs", "osds", "pools", "pgs", "capacity"):
        assert env[part]["note"].startswith("Not collected"), part
    assert model["collection"]["note"].startswith("No snapshot manifest")
    assert model["document"]["summary"]["verdict"] == "HEALTHY"
    assert model["summary"]["paragraph"] == ("The health check of — covered 0 host(s). It found no issue. "
                                             "Overall verdict: Healthy.")


def unreachable_snapshot(sample: dict[str, Any]) -> dict[str, Any]:
    snapshot = copy.deepcopy(sample)
    cluster = snapshot["cluster"]
    mon_status = {"name": "a", "rank": 0, "state": "probing", "quorum": [],
                  "monmap": {"mons": [{"rank": 0, "name": "a", "public_addr": "10.88.0.11:3300/0"},
                                      {"rank": 1, "name": "b", "public_addr": "10.88.0.12:3300/0"}]}}
    cluster.update(reachable=False, status="unreachable",
                   errors=[{"command": None, "message": "connect timed out after 10 s"}],
                   commands={key: {"cmd": value["cmd"], "rc": None, "error": "not run: cluster unreachable",
                                   "duration_s": 0.0} for key, value in cluster["commands"].items()},
                   admin_socket={"mon.a": {"mon_status": {"cmd": {"prefix": "mon_status"}, "rc": 0,
                                                          "data": mon_status, "error": None, "duration_s": 0.01}}})
    snapshot["hosts"]["node2"] = {"schema_version": 1, "host": "node2", "reachable": False, "error": "timed out"}
    return snapshot


def test_unreachable_cluster_renders_notes(sample_snapshot: dict[str, Any]) -> None:
    model = model_of(unreachable_snapshot(sample_snapshot), [], lang="zh_CN")
    env = model["environment"]
    assert env["osds"]["note"] == "未采集：集群不可达；connect timed out after 10 s"
    assert env["mons"]["note"] is None and [r["name"] for r in env["mons"]["rows"]] == ["a", "b"]
    assert all(r["quorum"] == "否" for r in env["mons"]["rows"])  # from the admin socket: no quorum
    assert env["osds"]["chart"] is None and env["pgs"]["chart"] is None
    assert "集群未响应采集请求" in model["summary"]["paragraph"]
    assert [u["host"] for u in model["collection"]["unreachable"]] == ["node2", "node4"]
    assert model["document"]["collection"]["cluster_status"] == "unreachable"


def test_one_failed_command_only_blanks_its_part(sample_snapshot: dict[str, Any]) -> None:
    snapshot = copy.deepcopy(sample_snapshot)
    for key in ("osd_df", "osd_pool_ls_detail", "osd_dump", "df_detail"):
        snapshot["cluster"]["commands"][key] = {"cmd": {}, "rc": None, "error": "timeout after 10 s", "duration_s": 10}
    del snapshot["cluster"]["commands"]["status"]
    env = model_of(snapshot, [])["document"]["environment"]
    assert env["pools"] == {"collected": False, "reason": "failed", "error": "osd_pool_ls_detail: timeout after 10 s",
                            "usage_collected": False, "items": []}
    assert env["osds"]["collected"] is True and env["osds"]["items"][0]["utilization"] is None  # from osd tree
    assert env["pgs"]["collected"] and env["pgs"]["total"] == 225  # from pg stat
    assert env["mons"]["collected"] and env["capacity"]["collected"] is False
    view = model_of(snapshot, [])["environment"]
    assert view["pools"]["note"] == "Not collected: osd_pool_ls_detail: timeout after 10 s"
    assert view["osds"]["ratios"].endswith("(Not collected)")


def test_malformed_snapshot_parts_do_not_fail(sample_snapshot: dict[str, Any]) -> None:
    snapshot = copy.deepcopy(sample_snapshot)
    snapshot["cluster"]["commands"]["osd_df"]["data"] = {"nodes": "garbage", "summary": None}
    snapshot["cluster"]["commands"]["versions"]["data"] = ["not", "a", "dict"]
    snapshot["cluster"]["commands"]["osd_dump"]["data"]["pools"] = [None, 3]
    snapshot["hosts"] = [{"host": "node1", "cpu": "x", "memory": None}, "junk"]
    snapshot["manifest"]["timings"] = None
    model = model_of(snapshot, [{"id": 1, "severity": "weird", "title": None}, "not a finding"])
    assert model["document"]["findings"][0]["severity"] == "weird"
    assert model["fixes"][0]["badge"]["level"] == "routine"  # unknown levels never look healthy


def test_host_records_may_be_a_list(sample_snapshot: dict[str, Any]) -> None:
    as_list = dict(sample_snapshot, hosts=list(sample_snapshot["hosts"].values()))
    assert report_env.environment(as_list)["hosts"] == report_env.environment(sample_snapshot)["hosts"]


def test_every_label_exists_in_both_languages() -> None:
    en, zh = report_i18n.labels("en"), report_i18n.labels("zh_CN")
    assert set(en) == set(zh) and all(v.strip() for v in list(en.values()) + list(zh.values()))
    used = set()
    for template in TEMPLATES.glob("*.j2"):
        used |= set(re.findall(r"\bL\.(\w+)", template.read_text(encoding="utf-8")))
    assert used and used <= set(en), sorted(used - set(en))
    for key in ("report_title", "sec_summary", "sec_health", "sec_optimization", "sec_fixes", "sec_knowledge",
                "legend_nearfull", "verdict_CRITICAL", "level_major"):
        assert re.search(r"[\u4e00-\u9fff]", zh[key]), key


def test_markdown_escape() -> None:
    assert report_md_escape("a|b *c* <x> `d`") == r"a\|b \*c\* \<x\> \`d\`"
    assert report_md_escape("one\ntwo") == "one<br>two"
    assert report_md_escape(None) == "" and report_md_escape(3) == "3"


HOSTILE = '<script>alert(1)</script> | *x* `rm -rf /` & "q" ]]> \x07'


def hostile_findings(sample_findings: list[Any]) -> list[Any]:
    findings = copy.deepcopy(sample_findings)
    findings[0]["title"] = {"en": HOSTILE, "zh": HOSTILE}
    findings[0]["entity"] = HOSTILE
    findings[0]["evidence"] = {"log": HOSTILE, "{{ 7 * 6 }}": "{% raw %}"}
    findings[0]["id"] = f"X:{HOSTILE}"
    return findings


def test_templates_escape_hostile_text(sample_snapshot: dict[str, Any], sample_findings: list[Any], render) -> None:
    import xml.etree.ElementTree as ET
    snapshot = copy.deepcopy(sample_snapshot)
    snapshot["cluster"]["commands"]["osd_pool_ls_detail"]["data"][0]["pool_name"] = HOSTILE
    model = model_of(snapshot, hostile_findings(sample_findings))
    html = render("report.html.j2", model)
    assert "<script" not in html and "\x07" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4
    junit = render("junit.xml.j2", model)
    cases = ET.fromstring(junit).findall(".//testcase")
    assert cases[0].get("name") == "X:<script>alert(1)</script> | *x* `rm -rf /` & \"q\" ]]> "
    markdown = render("report.md.j2", model)
    assert "<script>" not in markdown.split("<details>")[0] and r"\<script\>" in markdown
    assert json.loads(render("report.json.j2", model))["findings"][0]["title"]["en"] == HOSTILE


def test_assess_output_and_its_knowledge_notes(sample_snapshot: dict[str, Any]) -> None:
    """The contract with onsite.assurance.assess: its findings and knowledge notes render as they come."""
    findings = assess.assess(sample_snapshot)
    notes = assess.knowledge(findings)
    model = model_of(sample_snapshot, findings, lang="zh_CN", knowledge=notes)
    assert model["document"]["summary"] == severity.summarize(findings)
    assert [k["code"] for k in model["knowledge"]] == sorted(n["code"] for n in notes if n.get("knowledge"))
    assert all(re.search(r"[\u4e00-\u9fff]", k["text"]) for k in model["knowledge"])
    assert model["document"]["knowledge"] == json.loads(json.dumps(sorted(notes, key=lambda n: n["code"])))
