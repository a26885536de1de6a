"""CRUSH layout, upmap placement, networks, RGW frontend and OSD map flapping checks of hygiene.yml, on the real
lab captures (healthy: 3 hosts with 2 equal 2 GiB OSDs each; the epoch-1540 capture with ``pg dump pgs_brief``)
and DERIVED variants of them: each a deep copy with the smallest real-shaped change, recorded under
manifest["_derived"]."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any, Callable

import pytest

from assess_fixtures import FIXTURES, LAB, by_id, collected_at, data, derived, fixture, healthy, read, set_osds_down
from test_hygiene_rules import hygiene, set_config, set_field
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess
from ansible_collections.onsite.assurance.plugins.plugin_utils.hygiene_rules import usable_weight

Snap = dict[str, Any]
NEW_CODES = ("CRUSH_DOMAINS_UNEVEN", "OSD_MIXED_SIZES", "CRUSH_UPMAP_SAME_DOMAIN", "CEPH_NETWORKS_OVERLAP",
             "RGW_CIVETWEB_FRONTEND", "OSD_FLAPPING_MAP")
RULE = "CRUSH_DOMAINS_UNEVEN:cluster:replicated_rule"
SIZES = "OSD_MIXED_SIZES:cluster:ceph"
UPMAP = "CRUSH_UPMAP_SAME_DOMAIN:cluster:ceph"
NETS = "CEPH_NETWORKS_OVERLAP:cluster:ceph"
RGW = "RGW_CIVETWEB_FRONTEND:cluster:ceph"
FLAP = "OSD_FLAPPING_MAP:cluster:ceph"
GIB_KB = 1 << 20


def new_findings(snap: Snap) -> dict[str, dict[str, Any]]:
    return {i: f for i, f in hygiene(snap).items() if f["code"] in NEW_CODES}


# --- real captures ---------------------------------------------------------------------------------------------

def epoch_1540() -> Snap:
    """The healthy capture with the OSD map, tree and ``pg dump pgs_brief`` (collector extra ``pg_dump``) captured
    together at epoch 1540 (tests/unit/fixtures/node/README.md)."""
    snap = healthy()
    commands = snap["cluster"]["commands"]
    for key, name in (("osd_dump", "osd_dump"), ("osd_tree", "osd_tree"), ("pg_dump", "pg_dump_pgs_brief")):
        commands[key] = {"cmd": {"prefix": key.replace("_", " ")}, "rc": 0,
                         "data": read(FIXTURES / "node" / f"cephlab_e1540_{name}.json")}
    return snap


@pytest.mark.parametrize("make", [healthy, epoch_1540], ids=["healthy", "epoch 1540 with pg dump"])
def test_real_lab_gives_none_of_these_findings(make: Callable[[], Snap]) -> None:
    """Equal hosts and OSDs, no config database entries, laggy_probability 0, and the balancer's upmaps keep
    their host (osd.4 -> osd.5, both on cephlab3)."""
    assert not new_findings(make())


def test_real_upmaps_are_checked_against_the_real_up_sets() -> None:
    snap = epoch_1540()
    assert {e["pgid"] for e in data(snap, "osd_dump")["pg_upmap_items"]} == {"2.15", "2.1a"}
    moved = add_upmap_item(snap, "2.15", 3, 4, [1, 5, 4])
    finding = new_findings(moved)[UPMAP]
    assert finding["severity"] == "routine" and finding["category"] == "availability"
    assert finding["evidence"]["checked"] == 2 and finding["evidence"]["up_sets_from"] == "pg dump"
    assert finding["evidence"]["pgs"] == ["2.15: host cephlab3 holds osd.5, osd.4"]


# --- derivations -----------------------------------------------------------------------------------------------

def tree_osd(snap: Snap, osd: int) -> dict[str, Any]:
    return next(n for n in data(snap, "osd_tree")["nodes"] if n["id"] == osd)


def scale_weight(snap: Snap, osds: list[int], factor: float) -> Snap:
    """``ceph osd crush reweight`` of OSDs to ``factor`` × their weight (osd tree and osd df)."""
    for osd in osds:
        for node in (tree_osd(snap, osd), next(n for n in data(snap, "osd_df")["nodes"] if n["id"] == osd)):
            node["crush_weight"] *= factor
    derived(snap, f"CRUSH weight of {osds} × {factor}")
    return snap


def move_osd(snap: Snap, osd: int, host: str) -> Snap:
    """``ceph osd crush move osd.<id> host=<host>``."""
    for node in data(snap, "osd_tree")["nodes"]:
        if osd in node.get("children", []):
            node["children"].remove(osd)
        if node["name"] == host:
            node["children"].append(osd)
    derived(snap, f"osd.{osd} moved to host {host}")
    return snap


def resize_osd(snap: Snap, osd: int, kb: int) -> Snap:
    node = next(n for n in data(snap, "osd_df")["nodes"] if n["id"] == osd)
    node["kb_avail"] += kb - node["kb"]
    node["kb"] = kb
    derived(snap, f"osd df osd.{osd} kb = {kb}")
    return snap


def class_rule(snap: Snap) -> Snap:
    """replicated_rule taking the hdd shadow root (``step take default class hdd``, id -2 as Pacific names it)."""
    data(snap, "osd_crush_rule_dump")[0]["steps"][0].update(item=-2, item_name="default~hdd")
    derived(snap, "replicated_rule takes default~hdd")
    return snap


def add_upmap_item(snap: Snap, pgid: str, src: int, dst: int, up: list[int] | None) -> Snap:
    """``ceph osd pg-upmap-items <pgid> <src> <dst>``, with the resulting up set in ``pg dump`` when given."""
    data(snap, "osd_dump")["pg_upmap_items"].append({"pgid": pgid, "mappings": [{"from": src, "to": dst}]})
    if up is not None:
        for row in data(snap, "pg_dump")["pg_stats"]:
            if row["pgid"] == pgid:
                row.update(up=up, acting=up, up_primary=up[0], acting_primary=up[0])
    derived(snap, f"pg_upmap_items {pgid} {src}->{dst}, up {up}")
    return snap


def add_upmap(snap: Snap, pgid: str, osds: list[int]) -> Snap:
    """``ceph osd pg-upmap <pgid> <osds>`` (osd dump pg_upmap carries the whole list)."""
    data(snap, "osd_dump")["pg_upmap"].append({"pgid": pgid, "osds": osds})
    derived(snap, f"pg_upmap {pgid} {osds}")
    return snap


def set_xinfo(snap: Snap, osd: int, laggy: float, down_hours_ago: float) -> Snap:
    """osd_xinfo of an OSD the mons marked down ``down_hours_ago`` before the snapshot and that came back laggy."""
    stamp = collected_at(snap) - timedelta(hours=down_hours_ago)
    info = next(x for x in data(snap, "osd_dump")["osd_xinfo"] if x["osd"] == osd)
    info.update(laggy_probability=laggy, laggy_interval=21,
                down_stamp=stamp.strftime("%Y-%m-%dT%H:%M:%S.000000+0000"))
    derived(snap, f"osd_xinfo osd.{osd}: laggy_probability {laggy}, down {down_hours_ago} h before")
    return snap


def networks(snap: Snap, public: str, cluster: str, section: str = "global") -> Snap:
    return set_config(set_config(snap, section, "public_network", public), section, "cluster_network", cluster)


# --- each check fires on its variant at its level ---------------------------------------------------------------

Case = tuple[str, Callable[[], Snap], str, str, list[str]]
CASES: list[Case] = [
    ("host at half weight", lambda: scale_weight(healthy(), [4, 5], 0.5), RULE, "advisory", ["capacity_stranded"]),
    ("osd counts 3/2/1 at equal host weights", lambda: scale_weight(scale_weight(move_osd(
        healthy(), 5, "cephlab1"), [0, 1, 5], 2 / 3), [4], 2), RULE, "advisory", ["osd_count"]),
    ("osd moved: counts and weights", lambda: move_osd(healthy(), 5, "cephlab1"), RULE, "advisory",
     ["capacity_stranded", "osd_count"]),
    ("class rule counts its class only", lambda: set_field(class_rule(healthy()), "osd_tree",
                                                           ["nodes", 8, "device_class"], "ssd"),
     RULE, "advisory", ["capacity_stranded"]),
    ("disk twice the size, weight unchanged", lambda: resize_osd(healthy(), 5, 4 * GIB_KB), SIZES, "advisory",
     ["mixed_sizes", "weight_not_size"]),
    ("disk twice the size, weight doubled", lambda: scale_weight(resize_osd(healthy(), 5, 4 * GIB_KB), [5], 2),
     SIZES, "advisory", ["mixed_sizes"]),
    ("weight halved by hand", lambda: scale_weight(healthy(), [2], 0.5), SIZES, "advisory", ["weight_not_size"]),
    ("pg_upmap with two OSDs of one host", lambda: add_upmap(healthy(), "2.0", [0, 1, 2]), UPMAP, "routine",
     ["same_domain"]),
    ("one network in both lists", lambda: networks(healthy(), "10.213.0.0/24, 192.168.10.0/24", "192.168.10.0/24"),
     NETS, "advisory", ["overlap"]),
    ("cluster network inside the public one", lambda: networks(healthy(), "10.213.0.0/16", "10.213.0.0/24", "osd"),
     NETS, "advisory", ["overlap"]),
    ("OSDs not on the cluster network", lambda: networks(healthy(), "10.213.0.0/24", "192.168.10.0/24"),
     NETS, "advisory", ["cluster_addr_outside"]),
    ("civetweb frontend", lambda: set_config(healthy(), "client.rgw.gw1", "rgw_frontends", "civetweb port=7480"),
     RGW, "advisory", ["civetweb"]),
    ("OSD flapping", lambda: set_xinfo(healthy(), 3, 0.51, 2), FLAP, "routine", ["flapping"]),
]


@pytest.mark.parametrize("name, make, finding_id, level, conditions", CASES, ids=[c[0] for c in CASES])
def test_check_fires_on_its_variant(name: str, make: Callable[[], Snap], finding_id: str, level: str,
                                    conditions: list[str]) -> None:
    snap = make()
    assert snap["manifest"]["_derived"], name
    finding = hygiene(snap)[finding_id]
    assert finding["severity"] == level
    assert finding["evidence"]["conditions"] == conditions
    assert "?" not in finding["detail"]["en"] and "{" not in finding["detail"]["zh"], finding["detail"]


# --- near misses and absent evidence ---------------------------------------------------------------------------

QUIET: list[tuple[str, Callable[[], Snap], str]] = [
    ("one disk 10 % lighter", lambda: scale_weight(healthy(), [5], 0.9), RULE),
    ("4 copies on 3 hosts: CRUSH cannot place them anyway",
     lambda: set_field(scale_weight(healthy(), [4, 5], 0.5), "osd_pool_ls_detail", [1, "size"], 4), RULE),
    ("rule with two choose steps", lambda: set_field(scale_weight(healthy(), [4, 5], 0.5), "osd_crush_rule_dump",
                                                     [0, "steps"], [
        {"op": "take", "item": -1, "item_name": "default"}, {"op": "choose_firstn", "num": 0, "type": "host"},
        {"op": "chooseleaf_firstn", "num": 1, "type": "osd"}, {"op": "emit"}]), RULE),
    ("disk 5 % larger", lambda: resize_osd(healthy(), 5, int(2.1 * GIB_KB)), SIZES),
    ("OSD drained to weight 0", lambda: scale_weight(healthy(), [2], 0.0), SIZES),
    ("pg_upmap_items without pg dump: no up set to judge", lambda: add_upmap_item(healthy(), "2.9", 3, 1, None),
     UPMAP),
    ("same single network in both", lambda: networks(healthy(), "10.213.0.0/24", "10.213.0.0/24"), NETS),
    ("separate networks, OSDs inside", lambda: networks(healthy(), "192.168.10.0/24", "10.213.0.0/24"), NETS),
    ("unreadable network value", lambda: networks(healthy(), "public", "10.213.0.0/33"), NETS),
    ("beast frontend", lambda: set_config(healthy(), "client.rgw.gw1", "rgw_frontends", "beast port=7480"), RGW),
    ("civetweb in an OSD section", lambda: set_config(healthy(), "osd", "rgw_frontends", "civetweb"), RGW),
    ("laggy but marked down 3 days ago", lambda: set_xinfo(healthy(), 3, 0.51, 72), FLAP),
    ("one flap then a restart (0.3 × 0.7)", lambda: set_xinfo(healthy(), 3, 0.21, 2), FLAP),
    ("laggy OSD down now (OSD_DOWN says it)", lambda: set_osds_down(set_xinfo(healthy(), 3, 0.51, 2), [3]), FLAP),
    ("mon_osd_laggy_weight 0.6", lambda: set_config(set_xinfo(healthy(), 3, 0.51, 2), "mon", "mon_osd_laggy_weight",
                                                    "0.6"), FLAP),
]


@pytest.mark.parametrize("name, make, finding_id", QUIET, ids=[c[0] for c in QUIET])
def test_check_stays_quiet(name: str, make: Callable[[], Snap], finding_id: str) -> None:
    snap = make()
    assert snap["manifest"]["_derived"], name
    assert finding_id not in hygiene(snap)


def test_stranded_capacity_is_measured() -> None:
    evidence = hygiene(scale_weight(healthy(), [4, 5], 0.5))[RULE]["evidence"]
    assert evidence["stranded_pct"] == 40 and evidence["copies"] == 3 and evidence["failure_domain"] == "host"
    assert evidence["pools"] == ["assurance-lab", "device_health_metrics"]


@pytest.mark.parametrize("weights, copies, usable", [
    ([10, 10, 10], 3, 30), ([10, 10, 7.5], 3, 22.5), ([30, 10, 10, 10], 3, 45), ([12, 10, 10, 10], 3, 42),
    ([5, 1], 2, 2)])
def test_usable_weight(weights: list[float], copies: int, usable: float) -> None:
    assert usable_weight(weights, copies) == pytest.approx(usable)


def test_flapping_evidence_names_the_osd_and_the_time() -> None:
    finding = hygiene(set_xinfo(healthy(), 3, 0.51, 2))[FLAP]
    assert finding["evidence"]["osds"] == ["osd.3 laggy_probability 0.51, laggy_interval 21 s, "
                                           "last marked down 2 h before the snapshot"]
    assert finding["evidence"]["laggy_weight"] == 0.3 and finding["evidence"]["laggy_weight_source"] == "Ceph default"


# --- bad input never raises and never alarms ---------------------------------------------------------------------

GARBAGE: list[Any] = [None, "x", 7, [], {}, [1, "a", None], {"pg_stats": "x"}, {"pg_stats": [{"pgid": 5, "up": 7}]},
                      {"pg_map": {"pg_stats": [None]}}, {"osd_xinfo": [{"osd": "a", "down_stamp": 5}],
                                                         "pg_upmap": [{"pgid": None, "osds": "x"}], "osds": [1]}]


@pytest.mark.parametrize("key", ["pg_dump", "osd_dump", "osd_tree", "osd_df", "osd_crush_rule_dump"])
@pytest.mark.parametrize("value", GARBAGE, ids=[type(v).__name__ + str(i) for i, v in enumerate(GARBAGE)])
def test_malformed_data_never_raises(key: str, value: Any) -> None:
    snap = add_upmap(epoch_1540(), "2.0", [0, 1, 2])
    snap["cluster"]["commands"][key]["data"] = copy.deepcopy(value)
    derived(snap, f"{key} replaced by {value!r}")
    findings = by_id(assess(snap))
    assert not [i for i in findings if i.startswith("ASSESS_RULE_ERROR")], findings.keys()
    assert not {i for i, f in new_findings(snap).items() if f["severity"] in ("urgent", "major")}


def test_osd_down_capture_adds_none_of_these() -> None:
    """The real osd_down_peering capture (osd.0 down, laggy_probability 0) is no flapping."""
    assert not new_findings(fixture(LAB / "osd_down_peering"))
