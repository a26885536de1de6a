"""The collectors on the real lab: complete snapshots, bounded under faults, read-only on the wire."""

from __future__ import annotations

import re
import stat

import pytest

from ansible_collections.onsite.assurance.plugins.module_utils import ceph_allowlist
from ansible_collections.onsite.assurance.plugins.modules import ceph_cluster_info
from support import STATE, AuditLog, load_json, run_playbook

pytestmark = pytest.mark.lab
NODES = ("cephlab1", "cephlab2", "cephlab3")
CEPHX_KEY = re.compile(r"AQ[A-Za-z0-9+/]{36,}={0,2}")


def lab_keys() -> set[str]:
    """Every cephx key the lab made (admin, assurance, mon., mgr and OSD keyrings)."""
    return {m.group(0) for path in STATE.rglob("*keyring*") if path.is_file()
            for m in CEPHX_KEY.finditer(path.read_text(errors="replace"))}


def collect(tmp_path, name: str, **extra):
    snap = tmp_path / name
    run = run_playbook("collect.yml", assurance_snapshot_dir=str(snap), **extra)
    assert run.rc == 0, run.output[-3000:]
    return snap, run


def test_healthy_snapshot_is_complete_private_and_read_only(tmp_path, healthy_lab):
    audit = AuditLog()
    audit.mark()
    snap, run = collect(tmp_path, "healthy", assurance_bundle=True)
    seen = audit.commands(entity="client.assurance")
    print("mon audit, client.assurance prefixes:", sorted({prefix for _entity, prefix in seen}))

    manifest = load_json(snap / "manifest.json")
    cluster = load_json(snap / "cluster.json")
    assert manifest["schema_version"] == 1 and manifest["cluster_name"] == "ceph"
    assert all(manifest["hosts"][n]["reachable"] for n in NODES)
    assert cluster["reachable"] and cluster["status"] == "ok", cluster["errors"]
    assert set(ceph_cluster_info.COMMANDS) <= set(cluster["commands"])
    assert all("data" in r for r in cluster["commands"].values())
    assert cluster["user"] == "client.assurance" and cluster["transport"] == "librados"
    for node in NODES:
        host = load_json(snap / "hosts" / f"{node}.json")
        assert host["hostname"] == node and host["reachable"]
        osds = [d for d in host["ceph_daemons"] if d["type"] == "osd" and d["running"]]
        assert len(osds) == 2, host["ceph_daemons"]  # two OSDs per lab node, read through their admin sockets
        assert all(d["version"] and d["osd_status"]["newest_map"] and d["bluefs"]["db_total_bytes"] for d in osds)
    # private: directory 0700, files 0600, no key material anywhere
    assert stat.S_IMODE(snap.stat().st_mode) == 0o700
    keys = lab_keys()
    for path in snap.rglob("*.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        text = path.read_text()
        assert not [k for k in keys if k in text], f"a cephx key leaked into {path}"
        assert not CEPHX_KEY.search(text), path
    assert (tmp_path / "healthy.tar.gz").is_file()
    # read-only on the wire: every command the mons logged for our user is on the read-only allowlist
    assert seen, "the audit log recorded no command from client.assurance"
    writes = [prefix for _entity, prefix in seen if prefix not in ceph_allowlist.READ_ONLY]
    assert not writes, writes
