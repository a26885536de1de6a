# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The environment and collection sections of the assurance report, read from a snapshot.

Everything here is language-neutral and JSON-ready (it is the ``environment`` and ``collection`` of
``report.json``). Every key of the snapshot is optional: a part whose data is missing says so with
``collected: false`` and a ``reason`` (``no_cluster``, ``unreachable``, ``missing``, ``failed``) plus the
collector's ``error`` text, instead of failing.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

ROLE_ORDER: tuple[str, ...] = ("mon", "mgr", "osd", "mds", "rgw", "client", "xsky")
_GROUP_ROLES: dict[str, str] = {"mons": "mon", "mgrs": "mgr", "osds": "osd", "clients": "client", "xsky": "xsky"}
_VERSION_RE = re.compile(r"ceph version (\S+)(?: \([0-9a-f]+\))?(?: (\w+))?(?: \((\w+)\))?")
_DEFAULT_RATIOS: dict[str, float] = {"nearfull": 0.85, "backfillfull": 0.90, "full": 0.95}


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _num(value: Any) -> float | None:
    """A number, or None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _int(value: Any) -> int | None:
    number = _num(value)
    return int(number) if number is not None else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


class Source:
    """Access to the command results of ``cluster.json`` with the reason why one is missing."""

    def __init__(self, cluster: Mapping[str, Any]) -> None:
        self.cluster = _dict(cluster)
        self.commands = _dict(self.cluster.get("commands"))

    def status(self, key: str) -> dict[str, Any]:
        """``{"collected": True}`` when ``key`` has data, else why not."""
        if not self.cluster:
            return {"collected": False, "reason": "no_cluster", "error": None}
        result = _dict(self.commands.get(key))
        if "data" in result:
            return {"collected": True, "reason": None, "error": None}
        if self.cluster.get("reachable") is False:
            return {"collected": False, "reason": "unreachable", "error": self._cluster_error()}
        if not result:
            return {"collected": False, "reason": "missing", "error": None}
        error = _str(result.get("error")) or (f"rc={result.get('rc')}" if result.get("rc") is not None else None)
        return {"collected": False, "reason": "failed", "error": f"{key}: {error}" if error else key}

    def data(self, key: str) -> Any:
        """The parsed output of command ``key`` (None when absent)."""
        return _dict(self.commands.get(key)).get("data")

    def first(self, *keys: str) -> dict[str, Any]:
        """The status of the first of ``keys`` that has data, else of the first key."""
        for key in keys:
            status = self.status(key)
            if status["collected"]:
                return status
        return self.status(keys[0])

    def _cluster_error(self) -> str | None:
        for error in _list(self.cluster.get("errors")):
            message = _str(_dict(error).get("message"))
            if message:
                return message
        return None


def host_records(snapshot: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Host records by inventory name; the snapshot may hold them as a dict or as a list."""
    hosts = snapshot.get("hosts")
    if isinstance(hosts, Mapping):
        return {str(name): _dict(record) for name, record in hosts.items()}
    records = (_dict(item) for item in _list(hosts))
    return {str(record.get("host")): record for record in records if record.get("host")}


def host_names(snapshot: Mapping[str, Any]) -> list[str]:
    """Every host the snapshot knows of (inventory hosts and groups, manifest and host files), sorted."""
    manifest = _dict(snapshot.get("manifest"))
    inventory = _dict(manifest.get("inventory"))
    names = set(host_records(snapshot))
    names.update(str(name) for name in _list(inventory.get("hosts")))
    names.update(str(name) for members in _dict(inventory.get("groups")).values() for name in _list(members))
    names.update(str(name) for name in _dict(manifest.get("hosts")))
    return sorted(names)


def short_version(text: str) -> str:
    """``ceph version 16.2.15 (sha) pacific (stable)`` -> ``16.2.15 pacific (stable)``."""
    match = _VERSION_RE.match(text)
    if not match:
        return text
    number, release, kind = match.groups()
    return " ".join(part for part in (number, release, f"({kind})" if kind else None) if part)


def _versions(src: Source) -> dict[str, Any]:
    status = src.status("versions")
    rows = []
    for daemon, versions in sorted(_dict(src.data("versions")).items()):
        if daemon == "overall":
            continue
        for version, count in sorted(_dict(versions).items()):
            rows.append({"type": daemon, "version": version, "short": short_version(version), "count": _int(count)})
    overall = sorted(_dict(_dict(src.data("versions")).get("overall")))
    reported = _str(src.cluster.get("ceph_version"))
    return {**status, "items": rows, "distinct": len(overall) or len({row["version"] for row in rows}),
            "collector_version": reported, "collector_short": short_version(reported) if reported else None}


def _mon_addr(mon: Mapping[str, Any]) -> str | None:
    for addr in _list(_dict(mon.get("public_addrs")).get("addrvec")):
        if _dict(addr).get("type") == "v2" and _str(addr.get("addr")):
            return str(addr["addr"])
    text = _str(mon.get("public_addr")) or _str(mon.get("addr"))
    return text.split("/")[0] if text else None


def _asok_mon_status(src: Source) -> dict[str, Any]:
    """The first ``mon_status`` answered by a local admin socket (works without quorum)."""
    for daemon in sorted(_dict(src.cluster.get("admin_socket"))):
        data = _dict(_dict(_dict(src.cluster["admin_socket"][daemon]).get("mon_status")).get("data"))
        if data:
            return data
    return {}


def _mons(src: Source) -> dict[str, Any]:
    status = src.first("mon_dump", "quorum_status", "status")
    quorum_status = _dict(src.data("quorum_status"))
    cluster_status = _dict(src.data("status"))
    monmap = _dict(src.data("mon_dump")) or _dict(quorum_status.get("monmap"))
    source = "cluster"
    if not monmap and not cluster_status:
        asok = _asok_mon_status(src)
        if _dict(asok.get("monmap")):
            monmap, quorum_status, source = _dict(asok["monmap"]), {"quorum": asok.get("quorum")}, "admin_socket"
            status = {"collected": True, "reason": None, "error": None}
    mons = [_dict(m) for m in _list(monmap.get("mons")) if _str(_dict(m).get("name"))]
    ranks = {_int(m.get("rank")): str(m["name"]) for m in mons}
    quorum_names = (_list(quorum_status.get("quorum_names")) or _list(cluster_status.get("quorum_names"))
                    or [ranks.get(rank) for rank in _list(quorum_status.get("quorum") or monmap.get("quorum"))])
    quorum = sorted(str(name) for name in quorum_names if name)
    items = [{"name": str(m["name"]), "rank": _int(m.get("rank")), "addr": _mon_addr(m),
              "in_quorum": str(m["name"]) in quorum} for m in mons]
    total = len(items) or _int(_dict(cluster_status.get("monmap")).get("num_mons"))
    return {**status, "source": source, "items": items, "total": total, "quorum": quorum,
            "leader": _str(quorum_status.get("quorum_leader_name"))}


def _mgrs(src: Source) -> dict[str, Any]:
    status = src.first("mgr_dump", "status")
    dump = _dict(src.data("mgr_dump"))
    brief = _dict(_dict(src.data("status")).get("mgrmap"))
    standbys = sorted(str(_dict(s).get("name")) for s in _list(dump.get("standbys")) if _dict(s).get("name"))
    available = dump.get("available", brief.get("available"))
    return {**status, "active": _str(dump.get("active_name")), "standbys": standbys,
            "num_standbys": len(standbys) if dump else _int(brief.get("num_standbys")),
            "available": available if isinstance(available, bool) else None}


def _osd_hosts(tree: Mapping[str, Any]) -> dict[int, str]:
    """OSD id -> CRUSH host bucket name, from ``osd tree``."""
    mapping: dict[int, str] = {}
    for node in _list(tree.get("nodes")):
        node = _dict(node)
        if node.get("type") == "host" and _str(node.get("name")):
            for child in _list(node.get("children")):
                if _int(child) is not None and child >= 0:
                    mapping[int(child)] = str(node["name"])
    return mapping


def _kb_bytes(value: Any) -> int | None:
    kb = _int(value)
    return kb * 1024 if kb is not None else None


def _osd_up(dump: Mapping[str, Any], df: Mapping[str, Any], tree: Mapping[str, Any]) -> bool | None:
    if "up" in dump:
        return bool(dump["up"])
    state = df.get("status") or tree.get("status")
    return state == "up" if state else None


def _osd_in(dump: Mapping[str, Any], df: Mapping[str, Any], tree: Mapping[str, Any]) -> bool | None:
    if "in" in dump:
        return bool(dump["in"])
    reweight = _num(df.get("reweight", tree.get("reweight")))
    return reweight > 0 if reweight is not None else None


def _osd_row(osd_id: int, dump: Mapping[str, Any], df: Mapping[str, Any], tree: Mapping[str, Any],
             host: str | None) -> dict[str, Any]:
    return {
        "id": osd_id,
        "name": f"osd.{osd_id}",
        "host": host,
        "device_class": _str(df.get("device_class")) or _str(tree.get("device_class")),
        "up": _osd_up(dump, df, tree),
        "in": _osd_in(dump, df, tree),
        "crush_weight": _num(df.get("crush_weight", tree.get("crush_weight"))),
        "reweight": _num(df.get("reweight", tree.get("reweight", dump.get("weight")))),
        "size_bytes": _kb_bytes(df.get("kb")),
        "used_bytes": _kb_bytes(df.get("kb_used")),
        "utilization": _num(df.get("utilization")),
        "var": _num(df.get("var")),
        "pgs": _int(df.get("pgs")),
    }


def _osds(src: Source) -> dict[str, Any]:
    status = src.first("osd_df", "osd_dump", "osd_tree")
    dump = {_int(_dict(o).get("osd")): _dict(o) for o in _list(_dict(src.data("osd_dump")).get("osds"))}
    df = {_int(_dict(n).get("id")): _dict(n) for n in _list(_dict(src.data("osd_df")).get("nodes"))
          if _dict(n).get("type", "osd") == "osd"}
    tree_data = _dict(src.data("osd_tree"))
    tree = {_int(_dict(n).get("id")): _dict(n) for n in _list(tree_data.get("nodes")) if _dict(n).get("type") == "osd"}
    hosts = _osd_hosts(tree_data)
    ids = sorted(i for i in set(dump) | set(df) | set(tree) if i is not None and i >= 0)
    items = [_osd_row(i, dump.get(i, {}), df.get(i, {}), tree.get(i, {}), hosts.get(i)) for i in ids]
    osdmap = _dict(_dict(src.data("status")).get("osdmap"))
    osd_dump = _dict(src.data("osd_dump"))
    ratios = {name: _num(osd_dump.get(f"{name}_ratio")) for name in _DEFAULT_RATIOS}
    return {
        **status,
        "items": items,
        "total": _int(osdmap.get("num_osds")) if osdmap else len(items),
        "up": _int(osdmap.get("num_up_osds")) if osdmap else sum(1 for o in items if o["up"]),
        "in": _int(osdmap.get("num_in_osds")) if osdmap else sum(1 for o in items if o["in"]),
        "ratios": ratios,
        "ratios_default": not osd_dump,
        "flags": sorted(str(f) for f in _list(osd_dump.get("flags_set")))
        or sorted(f for f in str(osd_dump.get("flags") or "").split(",") if f),
    }


def ratios_or_default(osds: Mapping[str, Any]) -> dict[str, float]:
    """The full ratios of ``osds`` with Ceph's defaults where they were not collected."""
    ratios = _dict(osds.get("ratios"))
    return {name: _num(ratios.get(name)) or default for name, default in _DEFAULT_RATIOS.items()}


def _pool_usage(df_detail: Mapping[str, Any]) -> dict[Any, dict[str, Any]]:
    usage: dict[Any, dict[str, Any]] = {}
    for pool in _list(df_detail.get("pools")):
        stats = _dict(_dict(pool).get("stats"))
        percent = _num(stats.get("percent_used"))
        entry = {
            "stored_bytes": _int(stats.get("stored", stats.get("bytes_used"))),
            "used_bytes": _int(stats.get("bytes_used")),
            # percent_used is a ratio (0-1) since Nautilus; older releases printed a percentage
            "used_ratio": (percent if percent <= 1 else percent / 100) if percent is not None else None,
            "max_avail_bytes": _int(stats.get("max_avail")),
            "objects": _int(stats.get("objects")),
            "quota_bytes": _int(stats.get("quota_bytes")),
        }
        usage[_int(_dict(pool).get("id"))] = entry
        usage[_str(_dict(pool).get("name"))] = entry
    return usage


def _pool_type(value: Any) -> str | None:
    if value in (1, "replicated"):
        return "replicated"
    if value in (3, "erasure"):
        return "erasure"
    return _str(value)


def _pools(src: Source) -> dict[str, Any]:
    status = src.first("osd_pool_ls_detail", "osd_dump", "df_detail")
    listing = _list(src.data("osd_pool_ls_detail")) or _list(_dict(src.data("osd_dump")).get("pools"))
    usage = _pool_usage(_dict(src.data("df_detail")))
    if not listing:
        listing = [{"pool_id": _int(_dict(p).get("id")), "pool_name": _dict(p).get("name")}
                   for p in _list(_dict(src.data("df_detail")).get("pools"))]
    items = []
    for pool in (_dict(p) for p in listing):
        pool_id = _int(pool.get("pool_id", pool.get("pool")))
        name = _str(pool.get("pool_name")) or str(pool_id)
        items.append({
            "id": pool_id, "name": name, "type": _pool_type(pool.get("type")),
            "size": _int(pool.get("size")), "min_size": _int(pool.get("min_size")),
            "pg_num": _int(pool.get("pg_num")), "crush_rule": _int(pool.get("crush_rule")),
            "autoscale_mode": _str(pool.get("pg_autoscale_mode")),
            "applications": sorted(_dict(pool.get("application_metadata"))),
            "erasure_code_profile": _str(pool.get("erasure_code_profile")),
            **(usage.get(pool_id) or usage.get(name) or {}),
        })
    items.sort(key=lambda p: (p["id"] if p["id"] is not None else 1 << 30, p["name"]))
    return {**status, "usage_collected": src.status("df_detail")["collected"], "items": items}


def _pgs(src: Source) -> dict[str, Any]:
    status = src.first("status", "pg_stat")
    pgmap = _dict(_dict(src.data("status")).get("pgmap"))
    if pgmap.get("pgs_by_state") is not None:
        states = [(_dict(s).get("state_name"), _dict(s).get("count")) for s in _list(pgmap.get("pgs_by_state"))]
        total = _int(pgmap.get("num_pgs"))
    else:
        summary = _dict(_dict(src.data("pg_stat")).get("pg_summary"))
        states = [(_dict(s).get("name"), _dict(s).get("num")) for s in _list(summary.get("num_pg_by_state"))]
        total = _int(summary.get("num_pgs"))
        status = src.status("pg_stat") if summary else status
    by_state = sorted(({"state": str(name), "count": _int(count) or 0} for name, count in states if name),
                      key=lambda s: (-s["count"], s["state"]))
    return {**status, "total": total if total is not None else sum(s["count"] for s in by_state),
            "by_state": by_state}


def _capacity(src: Source) -> dict[str, Any]:
    status = src.first("df_detail", "status", "osd_df")
    stats = _dict(_dict(src.data("df_detail")).get("stats"))
    pgmap = _dict(_dict(src.data("status")).get("pgmap"))
    summary = _dict(_dict(src.data("osd_df")).get("summary"))
    if stats:
        keys = ("total_bytes", "total_used_raw_bytes", "total_avail_bytes")
        total, used, avail = (_int(stats.get(k)) for k in keys)
    elif pgmap.get("bytes_total") is not None:
        total, used, avail = (_int(pgmap.get(k)) for k in ("bytes_total", "bytes_used", "bytes_avail"))
    else:
        total, used, avail = (_kb_bytes(summary.get(k)) for k in ("total_kb", "total_kb_used", "total_kb_avail"))
    ratio = used / total if total and used is not None else None
    return {**status, "total_bytes": total, "used_bytes": used, "avail_bytes": avail, "used_ratio": ratio}


def _roles(name: str, record: Mapping[str, Any], groups: Mapping[str, Any]) -> list[str]:
    roles = {role for group, role in _GROUP_ROLES.items() if name in _list(groups.get(group))}
    roles.update(str(_dict(d).get("type")) for d in _list(record.get("ceph_daemons")) if _dict(d).get("type"))
    return sorted(roles, key=lambda r: (ROLE_ORDER.index(r) if r in ROLE_ORDER else len(ROLE_ORDER), r))


def _hosts(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    manifest = _dict(snapshot.get("manifest"))
    groups = _dict(_dict(manifest.get("inventory")).get("groups"))
    entries = _dict(manifest.get("hosts"))
    records = host_records(snapshot)
    items = []
    for name in host_names(snapshot):
        record, entry = records.get(name, {}), _dict(entries.get(name))
        reachable = record.get("reachable", entry.get("reachable"))
        cpu, memory, sync = _dict(record.get("cpu")), _dict(record.get("memory")), _dict(record.get("time_sync"))
        items.append({
            "name": name,
            "hostname": _str(record.get("hostname")),
            "reachable": reachable if isinstance(reachable, bool) else None,
            "collected": bool(record) and reachable is not False,
            "error": _str(record.get("error")) or _str(entry.get("error")),
            "roles": _roles(name, record, groups),
            "os": _str(_dict(record.get("os")).get("pretty_name")),
            "kernel": _str(record.get("kernel")),
            "cpu_count": _int(cpu.get("count")),
            "cpu_model": _str(cpu.get("model")),
            "memory_total_kb": _int(memory.get("total_kb")),
            "memory_available_kb": _int(memory.get("available_kb")),
            "uptime_s": _num(record.get("uptime_s")),
            "time_sync": {"source": _str(sync.get("source")), "synchronized": sync.get("synchronized"),
                          "offset_s": _num(sync.get("offset_s"))} if sync else None,
            "daemons": sorted(str(_dict(d).get("name")) for d in _list(record.get("ceph_daemons"))
                              if _dict(d).get("name")),
        })
    return {"items": items}


def environment(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The ``environment`` section of report.json."""
    cluster = _dict(snapshot.get("cluster"))
    src = Source(cluster)
    health = _dict(_dict(src.data("status")).get("health")) or _dict(src.data("health_detail"))
    return {
        "cluster_name": _str(cluster.get("cluster")) or _str(_dict(snapshot.get("manifest")).get("cluster_name")),
        "fsid": _str(cluster.get("fsid")) or _str(_dict(src.data("status")).get("fsid")),
        "health_status": _str(health.get("status")) or _str(health.get("overall_status")),
        "cluster_collected": bool(cluster),
        "reachable": cluster.get("reachable") if isinstance(cluster.get("reachable"), bool) else None,
        "versions": _versions(src),
        "mons": _mons(src),
        "mgrs": _mgrs(src),
        "osds": _osds(src),
        "pools": _pools(src),
        "pgs": _pgs(src),
        "capacity": _capacity(src),
        "hosts": _hosts(snapshot),
    }


def _errors(snapshot: Mapping[str, Any]) -> list[dict[str, str]]:
    """Collection errors of the manifest, the cluster collector and the hosts, without duplicates."""
    manifest, cluster = _dict(snapshot.get("manifest")), _dict(snapshot.get("cluster"))
    found: list[tuple[str, str]] = []
    for error in _list(manifest.get("errors")):
        found.append((str(_dict(error).get("source") or "collector"), str(_dict(error).get("message") or "")))
    for error in _list(cluster.get("errors")):
        command = _dict(error).get("command")
        found.append(("cluster", f"{command}: {_dict(error).get('message')}" if command
                      else str(_dict(error).get("message") or "")))
    for name, record in sorted(host_records(snapshot).items()):
        for error in _list(record.get("errors")):
            found.append((name, f"{_dict(error).get('item')}: {_dict(error).get('message')}"))
    unique = sorted(set((source, message) for source, message in found if message))
    return [{"source": source, "message": message} for source, message in unique]


def _failed_commands(cluster: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, result in sorted(_dict(cluster.get("commands")).items()):
        result = _dict(result)
        if "data" not in result:
            rows.append({"command": key, "rc": _int(result.get("rc")), "error": _str(result.get("error")),
                         "duration_s": _num(result.get("duration_s"))})
    return rows


def collection(snapshot: Mapping[str, Any], extra_errors: Iterable[Mapping[str, str]] = ()) -> dict[str, Any]:
    """The ``collection`` section of report.json: timings, transport, errors, unreachable hosts."""
    manifest, cluster = _dict(snapshot.get("manifest")), _dict(snapshot.get("cluster"))
    timings = _dict(manifest.get("timings"))
    hosts = _hosts(snapshot)["items"]
    return {
        "manifest_found": bool(manifest),
        "collection_version": _str(manifest.get("collection_version")),
        "created_at": _str(manifest.get("created_at")),
        "collector_host": _str(cluster.get("collector_host")),
        "transport": _str(cluster.get("transport")),
        "deployment": _str(cluster.get("deployment")),
        "user": _str(cluster.get("user")),
        "cluster_status": _str(cluster.get("status")) or ("unreachable" if cluster.get("reachable") is False
                                                          else None),
        "timings": {key: _num(timings.get(key)) for key in ("cluster_s", "nodes_s", "total_s")},
        "errors": _errors(snapshot) + [dict(e) for e in extra_errors],
        "failed_commands": _failed_commands(cluster),
        "unreachable_hosts": [{"host": h["name"], "error": h["error"]} for h in hosts if h["reachable"] is False],
    }
