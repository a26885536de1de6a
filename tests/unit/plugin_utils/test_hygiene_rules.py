"""Balance and configuration hygiene (catalog hygiene.yml) on the real lab captures and DERIVED variants of them:
each variant is a deep copy of the real healthy capture with one real-shaped field changed, recorded under
manifest["_derived"] (see assess_fixtures)."""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from assess_fixtures import LAB, add_check, by_id, data, derived, fixture, healthy, set_config, set_osd_utilization
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess, load_catalog

Snap = dict[str, Any]
LAB_FINDING = "PGS_PER_OSD_LOW:cluster:ceph"


def hygiene(snap: Snap) -> dict[str, dict[str, Any]]:
    """The findings of hygiene.yml rules, by id."""
    codes = {code for e in load_catalog().entries if e["file"] == "hygiene.yml" for code in e["member_codes"]}
    return {i: f for i, f in by_id(assess(snap)).items() if f["code"] in codes}


# --- derivations (each records what it changed) ------------------------------------------------------------

def set_field(snap: Snap, key: str, path: list[Any], value: Any) -> Snap:
    """One field of a command's data, by path (``["pools", 1, "size"]``)."""
    holder = data(snap, key)
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    derived(snap, f"{key}{path} = {value!r}")
    return snap


def update_rows(snap: Snap, rows: list[dict[str, Any]], name_key: str, name: str, label: str,
                fields: dict[str, Any]) -> Snap:
    """Fields of the rows of a command's data whose ``name_key`` is ``name`` (recorded as derived)."""
    for row in rows:
        if row[name_key] == name:
            row.update(fields)
    derived(snap, f"{label} {name}: {fields}")
    return snap


def set_pool(snap: Snap, name: str, **fields: Any) -> Snap:
    return update_rows(snap, data(snap, "osd_pool_ls_detail"), "pool_name", name, "pool", fields)


def set_osd_df(snap: Snap, name: str, **fields: Any) -> Snap:
    return update_rows(snap, data(snap, "osd_df")["nodes"], "name", name, "osd df", fields)


def tree_node(snap: Snap, name: str) -> dict[str, Any]:
    return next(n for n in data(snap, "osd_tree")["nodes"] if n["name"] == name)


def osd_to_root(snap: Snap) -> Snap:
    """osd.5 moved from host cephlab3 straight under the root (``ceph osd crush move osd.5 root=default``)."""
    tree_node(snap, "cephlab3")["children"].remove(5)
    tree_node(snap, "default")["children"].append(5)
    derived(snap, "osd.5 moved under root default")
    return snap


def mon_at(snap: Snap, name: str, ip: str) -> Snap:
    """A mon's address in ``mon dump`` and ``quorum_status``."""
    for mons in (data(snap, "mon_dump")["mons"], data(snap, "quorum_status")["monmap"]["mons"]):
        for mon in mons:
            if mon["name"] == name:
                mon["public_addrs"]["addrvec"][0]["addr"] = f"{ip}:3300"
                mon["addr"] = mon["public_addr"] = f"{ip}:3300/0"
    derived(snap, f"mon {name} at {ip}")
    return snap


def add_mon(snap: Snap, name: str, ip: str) -> Snap:
    for mons in (data(snap, "mon_dump")["mons"], data(snap, "quorum_status")["monmap"]["mons"]):
        mon = copy.deepcopy(mons[-1])
        mon.update(rank=len(mons), name=name)
        mons.append(mon)
    derived(snap, f"mon {name} added")
    return mon_at(snap, name, ip)


def drop_mon(snap: Snap, name: str) -> Snap:
    for holder in (data(snap, "mon_dump"), data(snap, "quorum_status")["monmap"]):
        holder["mons"] = [m for m in holder["mons"] if m["name"] != name]
    derived(snap, f"mon {name} removed from the monmap")
    return snap


def autoscale(snap: Snap, pool: str, **fields: Any) -> Snap:
    return update_rows(snap, data(snap, "osd_pool_autoscale_status"), "pool_name", pool, "autoscale-status", fields)


def all_autoscaled(snap: Snap) -> Snap:
    for pool in ("device_health_metrics", "assurance-lab"):
        set_pool(snap, pool, pg_autoscale_mode="on")
    return snap


def ec_pool(snap: Snap, min_size: int) -> Snap:
    """assurance-lab as an EC pool of the capture's own profile ``default`` (k=2, m=2, from osd dump)."""
    return set_pool(snap, "assurance-lab", type=3, erasure_code_profile="default", size=4, min_size=min_size)


def osd_rule(snap: Snap) -> Snap:
    return set_field(snap, "osd_crush_rule_dump", [0, "steps", 1, "type"], "osd")


# --- the real lab ------------------------------------------------------------------------------------------

def test_real_healthy_lab_has_few_pgs_per_osd_and_nothing_else() -> None:
    """The lab: 33 PGs × 3 copies on 6 OSDs (11 to 22 each), autoscaler off: a true finding, as hotsos says."""
    found = hygiene(healthy())
    assert set(found) == {LAB_FINDING}
    finding = found[LAB_FINDING]
    assert finding["severity"] == "advisory" and finding["category"] == "capacity"
    evidence = finding["evidence"]
    assert evidence["target_pg_per_osd"] == 100 and evidence["target_source"] == "Ceph default"
    assert evidence["low_limit"] == 35 and evidence["low_osds_total"] == 6
    assert evidence["min_pgs_per_osd"] == 11 and evidence["max_pgs_per_osd"] == 22
    assert "osd.2=11" in finding["detail"]["en"] and "个" in finding["detail"]["zh"]


def test_osd_down_capture_counts_only_the_osds_holding_data() -> None:
    found = hygiene(fixture(LAB / "osd_down_peering"))
    assert set(found) == {LAB_FINDING}
    assert found[LAB_FINDING]["evidence"]["osds_counted"] == 5  # osd.0 is down


def test_every_advisory_says_why_what_and_how_to_verify() -> None:
    for entry in load_catalog().entries:
        if entry["file"] != "hygiene.yml":
            continue
        assert entry["severity"] != "urgent" and set(entry["condition_levels"].values()) <= {"advisory", "routine"}
        assert set(entry["condition_levels"].values()) <= set(entry["levels"]), entry["code"]
        for lang, word in (("en", "Verify"), ("zh", "验证")):
            steps = entry["recommendation"][lang].splitlines()
            assert steps[0].startswith("1. ") and word in steps[-1], (entry["code"], lang)


# --- each rule: fires on its variant, stays quiet on the lab and on the near miss ---------------------------

Case = tuple[str, Callable[[], Snap], str, str]
CASES: list[Case] = [
    ("pgs high", lambda: set_osd_df(healthy(), "osd.3", pgs=300), "PGS_PER_OSD_HIGH:cluster:ceph", "advisory"),
    ("pgs near hard limit", lambda: set_osd_df(healthy(), "osd.3", pgs=520), "PGS_PER_OSD_HIGH:cluster:ceph",
     "routine"),
    ("usage spread", lambda: set_osd_utilization(healthy(), "osd.3", 25.0), "OSD_USAGE_SPREAD:cluster:ceph",
     "advisory"),
    ("balancer off", lambda: set_field(healthy(), "balancer_status", ["active"], False), "BALANCER_OFF:cluster:ceph",
     "advisory"),
    ("balancer overlapping roots", lambda: set_field(
        healthy(), "balancer_status", ["optimize_result"], "Some osds belong to multiple subtrees: {0: [-1, -2]}"),
     "BALANCER_INEFFECTIVE:cluster:ceph", "advisory"),
    ("balancer crush-compat", lambda: set_field(healthy(), "balancer_status", ["mode"], "crush-compat"),
     "BALANCER_INEFFECTIVE:cluster:ceph", "advisory"),
    ("autoscaler pending", lambda: autoscale(healthy(), "assurance-lab", would_adjust=True, pg_num_final=128,
                                             pg_autoscale_mode="warn"),
     "PG_AUTOSCALE_PENDING:pool:assurance-lab", "advisory"),
    ("size 1 pool", lambda: set_pool(healthy(), "assurance-lab", size=1, min_size=1),
     "POOL_SINGLE_COPY:pool:assurance-lab", "routine"),
    ("EC min_size k", lambda: ec_pool(healthy(), 2), "EC_POOL_NO_MARGIN:pool:assurance-lab", "routine"),
    ("failure domain osd", lambda: osd_rule(healthy()), "CRUSH_FAILURE_DOMAIN_OSD:pool:assurance-lab", "routine"),
    ("failure domain osd, 4 copies on 3 hosts", lambda: set_pool(osd_rule(healthy()), "assurance-lab", size=4),
     "CRUSH_FAILURE_DOMAIN_OSD:pool:assurance-lab", "advisory"),
    ("mixed bucket", lambda: osd_to_root(healthy()), "CRUSH_MIXED_BUCKET_TYPES:cluster:ceph", "advisory"),
    ("no device class", lambda: set_field(healthy(), "osd_tree", ["nodes", 5, "device_class"], ""),
     "OSD_NO_DEVICE_CLASS:cluster:ceph", "advisory"),
    ("rule over two classes", lambda: set_field(healthy(), "osd_tree", ["nodes", 5, "device_class"], "ssd"),
     "CRUSH_RULE_MIXED_CLASSES:cluster:replicated_rule", "advisory"),
    ("full ratio raised", lambda: set_field(healthy(), "osd_dump", ["full_ratio"], 0.97),
     "FULL_RATIOS_RAISED:cluster:ceph", "advisory"),
    ("default size 2", lambda: set_config(healthy(), "global", "osd_pool_default_size", "2"),
     "POOL_DEFAULTS_UNSAFE:cluster:ceph", "advisory"),
    ("default min_size 1", lambda: set_config(healthy(), "mon", "osd_pool_default_min_size", "1"),
     "POOL_DEFAULTS_UNSAFE:cluster:ceph", "advisory"),
    ("require_osd_release behind", lambda: set_field(healthy(), "osd_dump", ["require_osd_release"], "octopus"),
     "REQUIRE_OSD_RELEASE_BEHIND:cluster:ceph", "advisory"),
    ("osd v1 only", lambda: set_field(healthy(), "osd_dump", ["osds", 0, "public_addrs", "addrvec", 0, "type"], "v1"),
     "OSD_MSGR_V1_ONLY:cluster:ceph", "advisory"),
    ("cephx off", lambda: set_config(healthy(), "global", "auth_client_required", "none"),
     "AUTH_CEPHX_DISABLED:cluster:ceph", "routine"),
    ("insecure reclaim", lambda: set_config(healthy(), "mon", "auth_allow_insecure_global_id_reclaim", "true"),
     "AUTH_GLOBAL_ID_RECLAIM_INSECURE:cluster:ceph", "advisory"),
    ("spillover warning off", lambda: set_config(healthy(), "osd", "bluestore_warn_on_bluefs_spillover", "false"),
     "HEALTH_WARNINGS_DISABLED:cluster:ceph", "advisory"),
    ("two mons", lambda: drop_mon(healthy(), "cephlab3"), "MON_COUNT:cluster:ceph", "routine"),
    ("four mons", lambda: add_mon(healthy(), "cephlab4", "10.213.0.14"), "MON_COUNT:cluster:ceph", "advisory"),
    ("two of three mons on one host", lambda: mon_at(healthy(), "cephlab2", "10.213.0.11"),
     "MON_SHARED_HOST:cluster:ceph", "routine"),
    ("two of five mons on one host", lambda: add_mon(add_mon(healthy(), "cephlab4", "10.213.0.14"),
                                                     "cephlab5", "10.213.0.11"),
     "MON_SHARED_HOST:cluster:ceph", "advisory"),
]


@pytest.mark.parametrize("name, make, finding_id, level", CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_its_variant(name: str, make: Callable[[], Snap], finding_id: str, level: str) -> None:
    snap = make()
    assert snap["manifest"]["_derived"], name
    finding = hygiene(snap)[finding_id]
    assert finding["severity"] == level
    assert "?" not in finding["detail"]["en"], finding["detail"]["en"]
    assert finding_id not in hygiene(healthy())


# --- near misses and covered situations ---------------------------------------------------------------------

QUIET: list[Case] = [
    ("autoscaler manages every pool", lambda: all_autoscaled(healthy()), LAB_FINDING, ""),
    ("target from the config database", lambda: set_config(healthy(), "mgr", "mon_target_pg_per_osd", "30"),
     LAB_FINDING, ""),
    ("Ceph says TOO_FEW_PGS", lambda: add_check(healthy(), "TOO_FEW_PGS"), LAB_FINDING, ""),
    ("Ceph says TOO_MANY_PGS (advisory)", lambda: add_check(set_osd_df(healthy(), "osd.3", pgs=300), "TOO_MANY_PGS"),
     "PGS_PER_OSD_HIGH:cluster:ceph", ""),
    ("uneven but nearly empty",
     lambda: set_osd_utilization(set_osd_utilization(healthy(), "osd.3", 2.0), "osd.4", 0.5),
     "OSD_USAGE_SPREAD:cluster:ceph", ""),
    ("balancer waiting for recovery", lambda: set_field(
        healthy(), "balancer_status", ["optimize_result"],
        "Too many objects (0.1 > 0.05) are misplaced; try again later"),
     "BALANCER_INEFFECTIVE:cluster:ceph", ""),
    ("autoscaler on acts itself", lambda: autoscale(healthy(), "assurance-lab", would_adjust=True, pg_num_final=128,
                                                    pg_autoscale_mode="on"),
     "PG_AUTOSCALE_PENDING:pool:assurance-lab", ""),
    ("Ceph says POOL_TOO_FEW_PGS", lambda: add_check(autoscale(
        healthy(), "assurance-lab", would_adjust=True, pg_num_final=128, pg_autoscale_mode="warn"), "POOL_TOO_FEW_PGS"),
     "PG_AUTOSCALE_PENDING:pool:assurance-lab", ""),
    ("Ceph says POOL_NO_REDUNDANCY",
     lambda: add_check(set_pool(healthy(), "assurance-lab", size=1, min_size=1), "POOL_NO_REDUNDANCY"),
     "POOL_SINGLE_COPY:pool:assurance-lab", ""),
    ("EC min_size k+1", lambda: ec_pool(healthy(), 3), "EC_POOL_NO_MARGIN:pool:assurance-lab", ""),
    ("Ceph says OSD_UPGRADE_FINISHED", lambda: add_check(set_field(
        healthy(), "osd_dump", ["require_osd_release"], "octopus"), "OSD_UPGRADE_FINISHED"),
     "REQUIRE_OSD_RELEASE_BEHIND:cluster:ceph", ""),
    ("Ceph says AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED", lambda: add_check(set_config(
        healthy(), "mon", "auth_allow_insecure_global_id_reclaim", "true"), "AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED"),
     "AUTH_GLOBAL_ID_RECLAIM_INSECURE:cluster:ceph", ""),
    ("masked config entry", lambda: set_field(set_config(healthy(), "global", "osd_pool_default_size", "2"),
                                              "config_dump", [0, "mask"], "host:cephlab1"),
     "POOL_DEFAULTS_UNSAFE:cluster:ceph", ""),
]


@pytest.mark.parametrize("name, make, finding_id", [c[:3] for c in QUIET], ids=[c[0] for c in QUIET])
def test_rule_stays_quiet(name: str, make: Callable[[], Snap], finding_id: str) -> None:
    snap = make()
    assert snap["manifest"]["_derived"], name
    assert finding_id not in hygiene(snap)


def test_high_pg_count_stays_routine_when_ceph_only_warns() -> None:
    snap = add_check(set_osd_df(healthy(), "osd.3", pgs=520), "TOO_MANY_PGS")
    assert hygiene(snap)["PGS_PER_OSD_HIGH:cluster:ceph"]["severity"] == "routine"


def test_size_one_pool_is_one_finding() -> None:
    """POOL_REDUNDANCY (cluster.yml) leaves size 1 to POOL_SINGLE_COPY: one situation, one finding."""
    findings = by_id(assess(set_pool(healthy(), "assurance-lab", size=1, min_size=1)))
    assert "POOL_REDUNDANCY:pool:assurance-lab" not in findings
    assert findings["POOL_SINGLE_COPY:pool:assurance-lab"]["severity"] == "routine"


def test_config_target_is_used_and_shown() -> None:
    snap = set_config(healthy(), "global", "mon_target_pg_per_osd", "200")
    evidence = hygiene(snap)[LAB_FINDING]["evidence"]
    assert evidence["target_pg_per_osd"] == 200 and evidence["target_source"] == "config dump (global)"
    assert evidence["low_limit"] == 70


def test_thresholds_are_overridable() -> None:
    snap = set_osd_utilization(healthy(), "osd.3", 25.0)
    assert "OSD_USAGE_SPREAD:cluster:ceph" not in hygiene_with(snap, {"osd_usage_var_max": 2.0})
    assert LAB_FINDING not in hygiene_with(healthy(), {"pg_per_osd_low_ratio": 0.1})


def hygiene_with(snap: Snap, thresholds: dict[str, float]) -> set[str]:
    return {f["id"] for f in assess(snap, thresholds=thresholds)}


# --- bad input never raises and never alarms ----------------------------------------------------------------

KEYS = ("osd_df", "osd_dump", "osd_tree", "osd_pool_ls_detail", "osd_pool_autoscale_status", "balancer_status",
        "config_dump", "osd_crush_rule_dump", "mon_dump", "versions", "quorum_status")
GARBAGE: list[Any] = [None, "x", 7, [], {}, [1, "a", None], {"nodes": "x", "osds": [1], "mons": {"a": 1}},
                      {"nodes": [{"type": "osd", "kb": "x", "pgs": None, "children": "y"}]},
                      [{"pool_name": 5, "size": "three", "steps": 4, "name": None, "value": {"a": 1}}]]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("value", GARBAGE, ids=[type(v).__name__ + str(i) for i, v in enumerate(GARBAGE)])
def test_malformed_data_never_raises(key: str, value: Any) -> None:
    snap = healthy()
    snap["cluster"]["commands"][key]["data"] = copy.deepcopy(value)
    derived(snap, f"{key} replaced by {value!r}")
    findings = by_id(assess(snap))
    assert not [i for i in findings if i.startswith("ASSESS_RULE_ERROR")], findings.keys()
    assert not {i for i, f in findings.items() if f["severity"] in ("urgent", "major") and i in hygiene(snap)}


def test_missing_commands_give_no_hygiene_finding() -> None:
    snap = healthy()
    snap["cluster"]["commands"] = {}
    derived(snap, "no command results")
    assert hygiene(snap) == {}
