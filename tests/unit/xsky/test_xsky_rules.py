"""XSKY rules (plugins/plugin_utils/xsky_rules.py, catalog xsky.yml) through the assessment's entry point,
on minimal snapshots and on the module's real output against the stub XMS server."""

from __future__ import annotations

import copy
from typing import Any, Iterator

import pytest

import xms_fixtures

from ansible_collections.onsite.assurance.plugins.module_utils import xms_collect
from ansible_collections.onsite.assurance.plugins.plugin_utils import assess as assess_mod
from ansible_collections.onsite.assurance.plugins.plugin_utils import rule_catalog, xsky_rules

XSKY_THRESHOLD = "xsky_pool_used_advisory_pct"


@pytest.fixture(autouse=True)
def xsky_wired(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The assessment with the XSKY stage and catalog, whether or not the lead has wired them yet: adds
    xsky.yml to the catalog files, its thresholds to the loaded ones, and the stage before ``collector``,
    each only when missing."""
    if "xsky.yml" not in rule_catalog.RULE_FILES:
        monkeypatch.setattr(rule_catalog, "RULE_FILES", rule_catalog.RULE_FILES + ("xsky.yml",))
    rule_catalog.load.cache_clear()
    try:
        rule_catalog.load()
    except rule_catalog.CatalogError as exc:
        if XSKY_THRESHOLD not in str(exc):
            raise
        read = rule_catalog._read  # pylint: disable=protected-access

        def with_xsky_thresholds(filename: str) -> dict[str, Any]:
            data = read(filename)
            if filename == rule_catalog.THRESHOLD_FILE:
                data = {**data, "thresholds": {**data.get("thresholds", {}), **read("xsky.yml")["thresholds"]}}
            return data

        monkeypatch.setattr(rule_catalog, "_read", with_xsky_thresholds)
        rule_catalog.load.cache_clear()
    if "xsky" not in dict(assess_mod.STAGES):
        stages = list(assess_mod.STAGES)
        stages.insert([stage[0] for stage in stages].index("collector"), ("xsky", xsky_rules.run))
        monkeypatch.setattr(assess_mod, "STAGES", tuple(stages))
    yield
    rule_catalog.load.cache_clear()


def xsky_findings(xsky: Any, manifest: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, dict[str, Any]]:
    """Findings about XSKY (codes XSKY_* and collector findings on xsky data), by id."""
    findings = assess_mod.assess({"manifest": manifest or {}, "xsky": xsky} if xsky is not None else
                                 {"manifest": manifest or {}}, **kwargs)
    return {f["id"]: f for f in findings if f["code"].startswith("XSKY_") or "xsky" in f["entity"]}


def levels(xsky: Any, **kwargs: Any) -> dict[str, str]:
    return {key: f["severity"] for key, f in xsky_findings(xsky, **kwargs).items()}


def one(key: str, record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"schema_version": 1, "reachable": True, "errors": [], key: [record], **extra}


def host(**fields: Any) -> dict[str, Any]:
    return {"id": 1, "name": "node1", "admin_ip": "10.0.0.11", "status": "active", "up": True, "clock_diff": 0, **fields}


def osd(**fields: Any) -> dict[str, Any]:
    return {"id": 100, "osd_id": 0, "name": "osd.0", "status": "active", "up": True, "in": True,
            "host": {"name": "node1", "admin_ip": "10.0.0.11"}, "samples": [{"used_percent": 40.0}], **fields}


def pool(**fields: Any) -> dict[str, Any]:
    return {"id": 1, "pool_name": "rbd", "status": "active", "samples": [{"used_percent": 40.0}], **fields}


def disk(**fields: Any) -> dict[str, Any]:
    return {"id": 1, "device": "sdb", "status": "active", "disk_type": "HDD", "rotational": True, "is_cache": False,
            "host": {"name": "node1", "admin_ip": "10.0.0.11"}, "smart_attrs": [], "model": "m", "serial": "s", **fields}


# -- status tables -------------------------------------------------------------------------------------
STATUS_TABLE = [
    # (code, list key, record builder, status, expected level; None = ok, no finding)
    ("XSKY_HOST_STATUS", "hosts", host, "active", None),
    ("XSKY_HOST_STATUS", "hosts", host, "warning", "routine"),
    ("XSKY_HOST_STATUS", "hosts", host, "error", "urgent"),
    ("XSKY_HOST_STATUS", "hosts", host, "offline", "urgent"),
    ("XSKY_HOST_STATUS", "hosts", host, "maintaining", "routine"),
    ("XSKY_OSD_STATUS", "osds", osd, "active", None),
    ("XSKY_OSD_STATUS", "osds", osd, "warning", "routine"),
    ("XSKY_OSD_STATUS", "osds", osd, "stopped", "routine"),
    ("XSKY_OSD_STATUS", "osds", osd, "offline", "routine"),
    ("XSKY_OSD_STATUS", "osds", osd, "error", "routine"),
    ("XSKY_OSD_STATUS", "osds", osd, "creating", "routine"),
    ("XSKY_POOL_STATUS", "pools", pool, "active", None),
    ("XSKY_POOL_STATUS", "pools", pool, "recovering", "routine"),
    ("XSKY_POOL_STATUS", "pools", pool, "degraded", "routine"),
    ("XSKY_POOL_STATUS", "pools", pool, "warning", "routine"),
    ("XSKY_POOL_STATUS", "pools", pool, "error", "urgent"),
    ("XSKY_POOL_STATUS", "pools", pool, "full", "urgent"),
    ("XSKY_POOL_STATUS", "pools", pool, "deleting", "routine"),
    ("XSKY_CACHE_DISK_STATUS", "disks", lambda **f: disk(is_cache=True, **f), "active", None),
    ("XSKY_CACHE_DISK_STATUS", "disks", lambda **f: disk(is_cache=True, **f), "error", "urgent"),
    ("XSKY_CACHE_DISK_STATUS", "disks", lambda **f: disk(is_cache=True, **f), "rebuilding", "routine"),
    ("XSKY_DISK_STATUS", "disks", disk, "active", None),
    ("XSKY_DISK_STATUS", "disks", disk, "error", "routine"),
]
ENTITY = {"hosts": "host:node1", "osds": "osd:osd.0", "pools": "pool:rbd", "disks": "device:node1:sdb"}


@pytest.mark.parametrize("code, key, build, status, expected", STATUS_TABLE,
                         ids=[f"{row[0]}-{row[3]}" for row in STATUS_TABLE])
def test_status_maps_to_level(code, key, build, status, expected):
    found = levels(one(key, build(status=status)))
    assert found.get(f"{code}:{ENTITY[key]}") == expected
    if expected is None:
        assert found == {"XSKY_CHECKS:cluster:xsky": "ok"}


@pytest.mark.parametrize("status, expected", [
    ("active", None), ("healthy", None), ("warning", "routine"), ("error", "urgent"), ("unknown_state", "routine")])
def test_cluster_status(status, expected):
    found = levels({"cluster": {"name": "prod", "status": status, "samples": [{"healthy_percent": 99.5}]}})
    assert found.get("XSKY_CLUSTER_STATUS:cluster:xsky") == expected


@pytest.mark.parametrize("status, up, expected", [
    ("active", True, None), ("active", False, "routine"), (None, False, "routine"), ("stopped", False, "routine"),
    ("error", True, "routine"), ("starting", True, "routine")])
def test_service_status_and_up(status, up, expected):
    record = {"id": 1, "name": "mon.node3", "type": "mon", "status": status, "up": up,
              "host": {"name": "node3", "admin_ip": "10.0.0.13"}}
    found = xsky_findings(one("services", record))
    finding = found.get("XSKY_SERVICE_STATUS:host:node3:mon.node3")
    assert (finding and finding["severity"]) == expected
    if finding and status == "active":
        assert finding["evidence"]["status"] == "down" and finding["evidence"]["xms_status"] == "active"


@pytest.mark.parametrize("operstate, expected", [
    ("up", None), ("unknown", None), ("UP", None), ("down", "routine"), ("lowerlayerdown", "routine"),
    ("weird", "routine"), (None, "routine")])
def test_nic_operstate(operstate, expected):
    record = {"id": 1, "name": "eth1", "operstate": operstate, "host": {"name": "node2", "admin_ip": "10.0.0.12"}}
    assert levels(one("network_interfaces", record)).get("XSKY_NIC_DOWN:nic:node2:eth1") == expected


def test_unknown_status_is_for_review_never_healthy():
    finding = xsky_findings(one("hosts", host(status="Rebalancing")))["XSKY_HOST_STATUS:host:node1"]
    assert finding["severity"] == "routine" and finding["evidence"]["status_known"] is False
    assert "does not know" in finding["detail"]["en"] and "未收录" in finding["detail"]["zh"]
    assert levels(one("hosts", host(status=None)))["XSKY_HOST_STATUS:host:node1"] == "routine"
    assert "XSKY_HOST_STATUS:host:node1" not in levels(one("hosts", host(status=" ACTIVE ")))


# -- thresholds ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("used, expected", [
    (79.9, None), (80.0, "advisory"), (84.9, "advisory"), (85.0, "routine"), (89.9, "routine"), (90.0, "urgent"),
    (99.0, "urgent")])
def test_pool_capacity_thresholds(used, expected):
    assert levels(one("pools", pool(samples=[{"used_percent": used}]))).get("XSKY_POOL_USED:pool:rbd") == expected


@pytest.mark.parametrize("used, expected", [
    (79.9, None), (80.0, "advisory"), (85.0, "routine"), (94.9, "routine"), (95.0, "urgent")])
def test_osd_capacity_thresholds(used, expected):
    assert levels(one("osds", osd(samples=[{"used_percent": used}]))).get("XSKY_OSD_USED:osd:osd.0") == expected


def test_capacity_from_kbytes_and_overridden_thresholds():
    record = pool(samples=[{"total_kbyte": 1000, "used_kbyte": 820}])
    finding = xsky_findings(one("pools", record))["XSKY_POOL_USED:pool:rbd"]
    assert finding["severity"] == "advisory" and finding["evidence"]["used_pct"] == 82.0
    assert finding["evidence"]["thresholds"] == {"advisory": 80.0, "routine": 85.0, "urgent": 90.0}
    assert levels(one("pools", record), thresholds={"xsky_pool_used_routine_pct": 82})["XSKY_POOL_USED:pool:rbd"] == "routine"


@pytest.mark.parametrize("diff, expected", [(0, None), (49, None), (-50, "routine"), (499, "routine"), (500, "urgent"),
                                            (-1500, "urgent")])
def test_clock_diff(diff, expected):
    assert levels(one("hosts", host(clock_diff=diff))).get("XSKY_CLOCK_DIFF:host:node1") == expected


@pytest.mark.parametrize("fields, expected", [
    ({"disk_type": "SSD", "rotational": False, "ssd_life_left": 25}, None),
    ({"disk_type": "SSD", "rotational": False, "ssd_life_left": 20}, "advisory"),
    ({"disk_type": "SSD", "rotational": False, "ssd_life_left": 10}, "routine"),
    ({"disk_type": "NVMe", "rotational": True, "ssd_life_left": 3}, "routine"),
    ({"disk_type": "HDD", "rotational": True, "ssd_life_left": 0}, None),  # Go's zero value on an HDD
])
def test_ssd_life(fields, expected):
    assert levels(one("disks", disk(**fields))).get("XSKY_SSD_LIFE:device:node1:sdb") == expected


@pytest.mark.parametrize("attrs, expected", [
    ([{"name": "Reallocated_Sector_Ct", "when_failed": "-", "status": "ok"}], None),
    ([{"name": "Reallocated_Sector_Ct", "when_failed": ""}], None),
    ([{"name": "Reallocated_Sector_Ct", "when_failed": "FAILING_NOW", "value": "5", "thresh": "10"}], "routine"),
    ([{"name": "Reported_Uncorrect", "when_failed": "In_the_past"}], "advisory"),
    ([{"name": "Media_Wearout", "when_failed": "", "status": "Failed"}], "routine"),
    ([{"name": "A", "when_failed": "In_the_past"}, {"name": "B", "when_failed": "FAILING_NOW"}], "routine"),
])
def test_smart_attributes(attrs, expected):
    found = xsky_findings(one("disks", disk(smart_attrs=attrs)))
    finding = found.get("XSKY_DISK_SMART:device:node1:sdb")
    assert (finding and finding["severity"]) == expected
    if finding:
        assert attrs[-1]["name"] in finding["detail"]["en"] or attrs[0]["name"] in finding["detail"]["en"]


# -- alerts --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("level, expected", [
    ("critical", "urgent"), ("error", "urgent"), ("warning", "routine"), ("info", "advisory"), ("fatal", "routine"),
    ("CRITICAL", "urgent")])
def test_alert_levels(level, expected):
    alert = {"id": 1, "level": level, "type": "osd_down", "resource_type": "osd", "resource_name": "osd.4",
             "resolved": False}
    finding = xsky_findings(one("alerts", alert))[f"XSKY_ALERTS:cluster:{level.lower()}"]
    assert finding["severity"] == expected and finding["evidence"]["count"] == 1
    assert finding["detail"]["en"].startswith(f"1 unresolved XMS alert(s) of level `{level.lower()}`: osd_down on osd osd.4.")
    assert finding["evidence"].get("status_known", True) is (level.lower() in ("critical", "error", "warning", "info"))


def test_alert_counts_use_the_stats_when_the_list_is_short_or_missing():
    alerts = [{"id": n, "level": "warning", "resolved": False} for n in range(3)]
    found = xsky_findings({"alerts": alerts, "alert_stats": {"critical_num": 2, "error_num": 0, "warning_num": 5,
                                                             "info_num": 0}})
    assert found["XSKY_ALERTS:cluster:warning"]["evidence"]["count"] == 5
    assert found["XSKY_ALERTS:cluster:critical"]["severity"] == "urgent"
    assert found["XSKY_ALERTS:cluster:critical"]["evidence"]["listed"] == 0
    assert "XSKY_ALERTS:cluster:error" not in found
    resolved = [{"id": 1, "level": "critical", "resolved": True}]
    assert levels({"alerts": resolved}) == {"XSKY_CHECKS:cluster:xsky": "ok"}


# -- collection problems -------------------------------------------------------------------------------
def test_no_xsky_data_is_nothing_unless_the_inventory_has_xsky_hosts():
    assert not xsky_findings(None)
    manifest = {"inventory": {"hosts": ["x1"], "groups": {"xsky": ["x1", "x2"]}}}
    finding = xsky_findings(None, manifest)["XSKY_DATA_MISSING:cluster:xsky"]
    assert finding["severity"] == "routine" and finding["evidence"]["hosts"] == ["x1", "x2"]


def test_unreachable_api_is_one_finding():
    xsky = {"reachable": False, "api_url": "https://10.0.0.1:8051/v1", "hosts": None,
            "errors": [{"endpoint": "version", "message": "connection refused by 10.0.0.1:8051"}]}
    found = xsky_findings(xsky)
    assert list(found) == ["XSKY_API_UNREACHABLE:cluster:xms"]
    assert "connection refused" in found["XSKY_API_UNREACHABLE:cluster:xms"]["detail"]["en"]


def test_endpoint_errors_are_collector_findings():
    xsky = {"reachable": True, "hosts": [host()], "osds": None,
            "endpoints": {"osds": {"path": "/osds/", "error": "no answer within 10 s"}},
            "errors": [{"endpoint": "osds", "message": "no answer within 10 s"}]}
    found = xsky_findings(xsky)
    assert set(found) == {"XSKY_ENDPOINT_FAILED:cluster:osds"}
    finding = found["XSKY_ENDPOINT_FAILED:cluster:osds"]
    assert finding["source"] == "collector" and finding["severity"] == "routine"
    assert finding["detail"]["en"] == "XMS endpoint osds (/osds/) gave no or incomplete data: no answer within 10 s."


def test_malformed_xsky_data_is_reported_not_raised():
    assert levels([1, 2]) == {"COLLECTOR_DATA_INVALID:cluster:xsky": "routine"}
    found = xsky_findings({"hosts": {"node1": {}}, "osds": [osd(), "junk"]})
    assert found["COLLECTOR_DATA_INVALID:cluster:xsky.hosts"]["severity"] == "routine"
    assert "list was expected" in found["COLLECTOR_DATA_INVALID:cluster:xsky.hosts"]["detail"]["en"]
    assert "COLLECTOR_DATA_INVALID:cluster:xsky.osds" in found
    assert not [f for f in assess_mod.assess({"xsky": {"hosts": [host()]}}) if f["code"] == "ASSESS_RULE_ERROR"]


def test_many_entities_become_one_cluster_finding():
    osds = [osd(id=n, osd_id=n, name=f"osd.{n}", status="stopped") for n in range(25)]
    found = xsky_findings({"osds": osds})
    assert list(found) == ["XSKY_OSD_STATUS:cluster:xsky"]
    finding = found["XSKY_OSD_STATUS:cluster:xsky"]
    assert finding["severity"] == "routine" and finding["evidence"]["count"] == 25
    assert finding["detail"]["en"].startswith("XMS rates osd.0, osd.1, osd.2, osd.3, osd.4 … (25) on host node1 `stopped`")
    assert len(xsky_findings({"osds": osds[:20]})) == 20


# -- end to end: module output from the stub -----------------------------------------------------------
def stub_snapshot(stub) -> dict[str, Any]:
    return xms_collect.collect(xms_collect.Settings(api_url=stub.url(), access_token=next(iter(stub.tokens)),
                                                    page_limit=4))


def test_healthy_stub_cluster_is_ok(make_stub):
    found = levels(stub_snapshot(make_stub(scenario="healthy")))
    assert found == {"XSKY_CHECKS:cluster:xsky": "ok"}
    finding = xsky_findings(stub_snapshot(make_stub(scenario="healthy")))["XSKY_CHECKS:cluster:xsky"]
    assert "hosts (5), osds (12)" in finding["detail"]["en"]


MIXED_EXPECTED = {
    "XSKY_CLUSTER_STATUS:cluster:xsky": "routine",
    "XSKY_HOST_STATUS:host:node3": "routine",
    "XSKY_HOST_STATUS:host:node5": "urgent",
    "XSKY_CLOCK_DIFF:host:node3": "urgent",
    "XSKY_OSD_STATUS:osd:osd.4": "routine",
    "XSKY_OSD_STATUS:osd:osd.9": "routine",
    "XSKY_OSD_USED:osd:osd.7": "routine",
    "XSKY_OSD_USED:osd:osd.9": "advisory",
    "XSKY_POOL_STATUS:pool:s3-index": "routine",
    "XSKY_POOL_USED:pool:s3-index": "advisory",
    "XSKY_POOL_USED:pool:archive": "urgent",
    "XSKY_SERVICE_STATUS:host:node3:mon.node3": "routine",
    "XSKY_DISK_SMART:device:node2:sdb": "routine",
    "XSKY_SSD_LIFE:device:node4:nvme0n1": "routine",
    "XSKY_CACHE_DISK_STATUS:device:node4:nvme1n1": "urgent",
    "XSKY_NIC_DOWN:nic:node2:eth1": "routine",
    "XSKY_ALERTS:cluster:critical": "urgent",
    "XSKY_ALERTS:cluster:error": "urgent",
    "XSKY_ALERTS:cluster:warning": "routine",
    "XSKY_ALERTS:cluster:info": "advisory",
}


def test_mixed_stub_cluster_gives_one_finding_per_problem(stub):
    found = xsky_findings(stub_snapshot(stub))
    assert {key: f["severity"] for key, f in found.items()} == MIXED_EXPECTED
    for finding in found.values():
        for part in ("title", "detail", "recommendation", "rationale"):
            assert finding[part]["en"] and finding[part]["zh"] and finding[part]["en"] != finding[part]["zh"]
        assert "?" not in finding["detail"]["en"], f"a placeholder without evidence: {finding['detail']['en']}"
        assert finding["runbook"] == f"docs/checks.md#{finding['code'].lower()}"
    assert found["XSKY_ALERTS:cluster:warning"]["evidence"]["count"] == 3


def test_every_xsky_rule_is_in_the_catalog_with_both_languages():
    catalog = rule_catalog.load()
    codes = {code for code, rule in catalog.rules.items() if rule.get("file") == "xsky.yml"}
    assert codes == set(MIXED_EXPECTED_CODES)
    for code in codes:
        rule = catalog.rules[code]
        assert rule.get("escalation") in ("xsky_status", "value_bands", "fixed")
        for status, level in rule.get("status_levels", {}).items():
            assert status == status.lower() and (level == "ok" or level in rule.get("levels")), (code, status)


MIXED_EXPECTED_CODES = {key.split(":")[0] for key in MIXED_EXPECTED} | {
    "XSKY_CHECKS", "XSKY_API_UNREACHABLE", "XSKY_ENDPOINT_FAILED", "XSKY_DATA_MISSING", "XSKY_DISK_STATUS"}


def test_the_stage_does_not_change_its_input(stub):
    snapshot = {"xsky": stub_snapshot(stub)}
    before = copy.deepcopy(snapshot)
    assess_mod.assess(snapshot)
    assert snapshot == before
    assert set(xms_fixtures.SCENARIOS) == {"healthy", "mixed"}
