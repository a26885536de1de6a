"""`cephlab status`: nodes, daemons, quorum, OSDs and health, without ever hanging."""
from __future__ import annotations

from . import daemons, network, nodes
from .cephcli import mon_status_asok, try_json
from .config import Lab


def node_status(lab: Lab, running: dict[str, bool]) -> list[dict]:
    result = []
    for node in lab.nodes:
        up = nodes.init_pid(lab, node.name) is not None
        result.append({
            "name": node.name, "ip": node.ip, "namespace": network.netns_exists(node.name), "running": up,
            "ssh": up and nodes.ssh_port_open(node.ip),
            "daemons": {d.name: running.get(d.name, False) for d in daemons.node_daemons(lab, node.name)},
        })
    return result


def _asok_quorum(lab: Lab, running: dict[str, bool]) -> dict:
    """Without an answering cluster, ask each running mon's admin socket."""
    mons = {}
    for node in lab.mons:
        if running.get(f"mon.{node.name}"):
            status = mon_status_asok(lab, node.name) or {}
            mons[node.name] = {"state": status.get("state", "no answer"), "quorum": status.get("quorum")}
    return mons


def cluster_status(lab: Lab, running: dict[str, bool]) -> dict:
    status = try_json(lab, "status", timeout=15) if any(running.values()) else None
    if status is None:
        return {"reachable": False, "mons_by_admin_socket": _asok_quorum(lab, running)}
    health = status.get("health", {})
    osdmap = status.get("osdmap", {})
    pgmap = status.get("pgmap", {})
    return {
        "reachable": True,
        "fsid": status.get("fsid"),
        "health": health.get("status"),
        "checks": {code: c.get("summary", {}).get("message", "") for code, c in health.get("checks", {}).items()},
        "quorum": status.get("quorum_names", []),
        "osds": {"total": osdmap.get("num_osds"), "up": osdmap.get("num_up_osds"), "in": osdmap.get("num_in_osds")},
        "pgs": {s["state_name"]: s["count"] for s in pgmap.get("pgs_by_state", [])},
        "mgr": {"available": status.get("mgrmap", {}).get("available"),
                "standbys": status.get("mgrmap", {}).get("num_standbys")},
    }


def collect(lab: Lab) -> dict:
    running = daemons.running_map(lab)
    return {"state_dir": str(lab.state), "bootstrapped": lab.bootstrapped, "bridge": network.link_exists("cephlab0"),
            "nodes": node_status(lab, running), "cluster": cluster_status(lab, running)}


def render(data: dict) -> str:
    lines = [f"state dir {data['state_dir']} (bootstrapped: {data['bootstrapped']}, bridge: {data['bridge']})"]
    for node in data["nodes"]:
        ds = " ".join(f"{name}:{'up' if ok else 'DOWN'}" for name, ok in node["daemons"].items())
        lines.append(f"  {node['name']} {node['ip']} node:{'up' if node['running'] else 'DOWN'} "
                     f"ssh:{'ok' if node['ssh'] else 'unreachable'}  {ds}")
    cluster = data["cluster"]
    if not cluster["reachable"]:
        lines.append("cluster: not answering (no quorum or no mons); mons by admin socket:")
        lines += [f"  mon.{name}: {st}" for name, st in cluster["mons_by_admin_socket"].items()]
        return "\n".join(lines)
    osds = cluster["osds"]
    lines += [f"health: {cluster['health']}",
              *(f"  {code}: {msg}" for code, msg in cluster["checks"].items()),
              f"mons in quorum: {', '.join(cluster['quorum'])}",
              f"osds: {osds['up']} up, {osds['in']} in, of {osds['total']}",
              f"mgr: {'available' if cluster['mgr']['available'] else 'NONE ACTIVE'}, "
              f"{cluster['mgr']['standbys']} standby",
              "pgs: " + ", ".join(f"{n} {s}" for s, n in cluster["pgs"].items())]
    return "\n".join(lines)
