"""Data served by the stub XMS server, built from the spec's ``example:`` objects (``Spec.example``) with the
fields that matter for health replaced by realistic values.

Status strings are those of XSKY's Zabbix template (``xsky-storage/xsky-zabbix``), the only public source of
them. Values no public source documents (alert ``type``, service ``type``, SMART ``when_failed`` wording) are
plausible inventions, used only as test data. Every body built from this data is validated against the spec
when the stub serves it, so a field the spec does not define, or of the wrong type, fails the test.

A scenario is a dict keyed like the module's result: ``version``, ``cluster``, ``hosts``, ``osds``, ``pools``,
``services``, ``disks``, ``network_interfaces``, ``alerts`` (resolved ones included: the stub filters them).
``cluster_stats`` and ``alert_stats`` are counted from the lists, as XMS does.
"""

from __future__ import annotations

import copy
from typing import Any

from xms_spec import Spec

SPEC = Spec()
VERSION = "SDS_4.2.000.0.200302"
NOW = "2026-11-22T10:30:00.000+08:00"
GIB_KB = 1024 * 1024


def record(definition: str, **fields: Any) -> dict[str, Any]:
    """An instance of ``definition``: its spec example, ``fields`` replacing keys (nested dicts merged)."""
    return merge(SPEC.example(definition), fields)


def merge(base: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def nest(item: dict[str, Any]) -> dict[str, Any]:
    """The ``Host_Nestview`` of a host record."""
    return {"id": item["id"], "name": item["name"], "admin_ip": item["admin_ip"]}


def host(number: int, status: str = "active", clock_diff: int = 0, mem: float = 41.5) -> dict[str, Any]:
    return record("HostRecord", id=number, name=f"node{number}", admin_ip=f"10.0.0.{10 + number}",
                  public_ips=f"10.1.0.{10 + number}", private_ip=f"10.2.0.{10 + number}", gateway_ips="",
                  roles="admin,monitor,storage_server" if number <= 3 else "storage_server",
                  status=status, up=status != "offline", type="storage_server", os="CentOS 7.6",
                  model="R740", vendor="Dell", cpu_model="Intel(R) Xeon(R) Silver 4214", cores=24,
                  memory_kbyte=256 * GIB_KB, disk_num=4, clock_diff=clock_diff, is_master_db=number == 1,
                  protection_domain={"id": 1, "name": "default"}, create=NOW, update=NOW,
                  samples=[record("HostStat", cpu_util=12.5, mem_usage_percent=mem, load1min=2.1,
                                  load5min=1.9, load15min=1.7, create=NOW)])


def osd(number: int, on: dict[str, Any], status: str = "active", used: float = 52.0) -> dict[str, Any]:
    total = 8 * 1024 * GIB_KB
    return record("OsdRecord", id=100 + number, osd_id=number, name=f"osd.{number}", uuid=f"uuid-osd-{number}",
                  status=status, up=status not in ("stopped", "offline", "error"), role="data", type="HDD",
                  host=nest(on), disk={"id": 200 + number, "device": f"sd{chr(98 + number % 3)}",
                                       "disk_type": "HDD"},
                  pool={"id": 1, "name": "rbd-data"}, create=NOW, update=NOW, last_scrub_time=NOW,
                  samples=[record("OsdStat", total_kbyte=total, used_kbyte=int(total * used / 100),
                                  used_percent=used, io_util=18.0, create=NOW)])


def pool(number: int, name: str, status: str = "active", used: float = 40.0) -> dict[str, Any]:
    total = 40 * 1024 * GIB_KB
    return record("PoolRecord", id=number, pool_id=number, name=name, pool_name=name, status=status,
                  pool_type="replicated", pool_role="data", replicate_size=3, osd_num=12,
                  failure_domain_type="host", create=NOW, update=NOW,
                  samples=[record("PoolStat", total_kbyte=total, used_kbyte=int(total * used / 100),
                                  used_percent=used, healthy_percent=100.0 if status == "active" else 97.5,
                                  degraded_percent=0.0 if status == "active" else 2.5, create=NOW)])


def service(number: int, kind: str, on: dict[str, Any], status: str = "active") -> dict[str, Any]:
    return record("Service", id=number, name=f"{kind}.{on['name']}", type=kind, status=status,
                  up=status == "active", enabled=True, primary=number == 1, host=nest(on),
                  heartbeat=NOW, started_time=NOW, create=NOW, update=NOW)


def smart(name: str, value: str, thresh: str, when_failed: str = "", status: str = "ok") -> dict[str, Any]:
    return record("SmartAttr", name=name, value=value, worst=value, thresh=thresh, raw_value="0",
                  when_failed=when_failed, status=status, type="Pre-fail", flag="0x0033", create=NOW)


HEALTHY_SMART = [smart("Reallocated_Sector_Ct", "100", "10"), smart("Current_Pending_Sector", "100", "0")]


def disk(number: int, on: dict[str, Any], device: str, ssd_life: int | None = None,
         attrs: list[dict[str, Any]] | None = None, status: str = "active", cache: bool = False) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": number, "device": device, "status": status, "disk_type": "SSD" if ssd_life is not None else "HDD",
        "rotational": ssd_life is None, "is_cache": cache, "is_root": False, "used": True,
        "model": "ST8000NM0055" if ssd_life is None else "INTEL SSDPE2KE016T8",
        "serial": f"ZA1{number:05d}", "wwid": f"0x5000c500{number:08x}", "bytes": 8 * 1024 ** 4,
        "host": nest(on), "smart_attrs": HEALTHY_SMART if attrs is None else attrs, "partitions": [],
        "partition_num": 0, "create": NOW, "update": NOW, "samples": [],
    }
    if ssd_life is not None:
        fields["ssd_life_left"] = ssd_life
    return record("DiskRecord", **fields)


def nic(number: int, on: dict[str, Any], name: str, operstate: str = "up") -> dict[str, Any]:
    return record("NetworkInterfaceRecord", id=number, name=name, operstate=operstate, type="ethernet",
                  link_detected=operstate == "up", megabits=25000, mac_address=f"52:54:00:00:{number:02x}:01",
                  host=nest(on), create=NOW, update=NOW,
                  samples=[record("NetworkInterfaceStat", rx_pps=1500.0, tx_pps=1400.0, create=NOW)])


def alert(number: int, level: str, kind: str, resource: str, on: dict[str, Any],
          resolved: bool = False) -> dict[str, Any]:
    resource_type, resource_name = resource.split(":", 1)
    return record("AlertRecord", id=number, alarm_id=f"alarm-{number}", level=level, type=kind,
                  group=resource_type, status="resolved" if resolved else "firing", acked=False,
                  resolved=resolved, resource_type=resource_type, resource_id=number, resource_name=resource_name,
                  host=nest(on), alert_value="1", trigger_value="1", trigger_mode="gte", trigger_period=60,
                  create=NOW, ack_time=NOW, resolve_time=NOW, resolve_type="auto" if resolved else "",
                  data={}, related_resources=[], extra_data="", error_records=[])


def cluster(status: str = "active") -> dict[str, Any]:
    return record("ClusterRecord", id=1, name="xsky-prod", status=status, version="4.2.000.0",
                  fs_id="6f1c3e0a-8d1b-4c8e-9a3e-2b7f5d9c1a42", maintained=False, down_out_interval=600,
                  elasticsearch_enabled=True, snmp_enabled=False, create=NOW, update=NOW,
                  access_token={"id": 1, "name": "zabbix", "roles": ["observer"], "used": True,
                                "description": "monitoring", "user": {"id": 1, "name": "admin"},
                                "create": NOW, "update": NOW},
                  samples=[record("ClusterStat", total_kbyte=480 * 1024 * GIB_KB, used_kbyte=190 * 1024 * GIB_KB,
                                  healthy_percent=100.0 if status == "active" else 99.2,
                                  degraded_percent=0.0 if status == "active" else 0.8, create=NOW)])


def healthy() -> dict[str, Any]:
    """Five hosts, twelve OSDs, two pools, every status active, no alert."""
    hosts = [host(n, clock_diff=n - 3) for n in range(1, 6)]
    return {
        "version": VERSION,
        "cluster": cluster(),
        "hosts": hosts,
        "osds": [osd(n, hosts[n % 4]) for n in range(12)],
        "pools": [pool(1, "rbd-data"), pool(2, "s3-index", used=12.0)],
        "services": [service(n + 1, kind, hosts[n % 3]) for n, kind in enumerate(["mon", "mon", "mon", "xms", "xdc"])],
        "disks": [disk(n + 1, hosts[n % 5], "sdb") for n in range(5)]
        + [disk(9, hosts[0], "nvme0n1", ssd_life=96, cache=True)],
        "network_interfaces": [nic(n + 1, hosts[n // 2], f"eth{n % 2}") for n in range(10)],
        "alerts": [alert(99, "warning", "host_clock_skew", "host:node2", hosts[1], resolved=True)],
    }


def mixed() -> dict[str, Any]:
    """The healthy cluster with one problem of each kind the rules rate."""
    data = healthy()
    hosts = data["hosts"]
    data["cluster"] = cluster("warning")
    hosts[2] = merge(hosts[2], {"status": "warning", "clock_diff": 1500})
    hosts[4] = merge(hosts[4], {"status": "offline", "up": False})
    data["osds"][4] = osd(4, hosts[0], status="stopped")
    data["osds"][7] = osd(7, hosts[3], used=87.0)
    data["osds"][9] = osd(9, hosts[1], status="warning", used=81.0)
    data["pools"] = [pool(1, "rbd-data"), pool(2, "s3-index", status="degraded", used=82.0),
                     pool(3, "archive", used=91.0)]
    data["services"][2] = service(3, "mon", hosts[2], status="stopped")
    data["disks"][1] = disk(2, hosts[1], "sdb", attrs=[
        smart("Reallocated_Sector_Ct", "5", "10", when_failed="FAILING_NOW", status="failed"),
        smart("Current_Pending_Sector", "100", "0")])
    data["disks"].append(disk(10, hosts[3], "nvme0n1", ssd_life=7, cache=True))
    data["disks"].append(disk(11, hosts[3], "nvme1n1", ssd_life=88, cache=True, status="error"))
    data["network_interfaces"][3] = nic(4, hosts[1], "eth1", operstate="down")
    on = hosts[0]
    data["alerts"] += [
        alert(1, "critical", "pool_status_error", "pool:s3-index", on),
        alert(2, "error", "osd_status_error", "osd:osd.4", on),
        alert(3, "error", "host_status_offline", "host:node5", hosts[4]),
        alert(4, "warning", "pool_usage", "pool:archive", on),
        alert(5, "warning", "osd_usage", "osd:osd.7", hosts[3]),
        alert(6, "warning", "host_clock_skew", "host:node3", hosts[2]),
        alert(7, "info", "disk_ssd_life", "disk:nvme0n1", hosts[3]),
    ]
    return data


SCENARIOS = {"healthy": healthy, "mixed": mixed}
STATUS_COUNTERS = {
    "host": ("hosts", "status", ("active", "error", "offline", "warning")),
    "osd": ("osds", "status", ("active", "error", "offline", "warning")),
    "pool": ("pools", "status", ("active", "degraded", "error", "full", "recovering")),
}


def cluster_stats(data: dict[str, Any]) -> dict[str, Any]:
    """``ClusterOverview`` counted from the lists (every other counter 0)."""
    stats = {name: 0 for name in SPEC.raw["ClusterOverview"]["properties"]}
    for prefix, (key, field, states) in STATUS_COUNTERS.items():
        items = data.get(key) or []
        stats[f"{prefix}_num"] = len(items)
        for state in states:
            stats[f"{prefix}_{state}_num"] = sum(1 for item in items if item.get(field) == state)
    for kind in ("mon", "xdc", "xms"):
        items = [s for s in data.get("services") or [] if s.get("type") == kind]
        stats[f"service_{kind}_num"] = len(items)
        for state in ("active", "error", "stopped"):
            stats[f"service_{kind}_{state}_num"] = sum(1 for s in items if s.get("status") == state)
    stats["pd_num"] = stats["pd_active_num"] = 1
    return stats


def alert_stats(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    return {f"{level}_num": sum(1 for a in alerts if a.get("level") == level)
            for level in ("critical", "error", "warning", "info")}
