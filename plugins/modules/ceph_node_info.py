#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ceph_node_info
short_description: Read-only collection of one Ceph node's state, bounded in time
version_added: 0.1.0
description:
  - Reads what the assessment needs to know about one node in a single round trip, without fact
    gathering, from C(/proc), C(/sys) and a few read-only commands, each with a timeout.
  - OS and kernel, uptime and load, CPU, memory and swap, use of the filesystems holding C(/),
    C(/var/lib/ceph) and C(/var/log), block devices with their I/O scheduler, the OSDs they back and
    their SMART health (C(smartctl -j -H -A)), bcache devices and cache sets (settings, backing and cache
    devices, the OSDs on them), NICs with their error and drop counters, time
    synchronisation (chrony, else ntpd, else systemd), the Ceph daemons of the node with their running
    version (for OSDs also their stored OSD-map range, BlueFS counters and BlueStore cache pools) read
    from their admin sockets, the installed Ceph packages, the Ceph systemd unit files and units
    with their states, error signals of the kernel log
    (I/O errors, OOM kills, hung tasks), selected sysctls, the settings of the sysctl.d files with the
    values in effect, transparent hugepages, open-file limits, NUMA nodes and whether irqbalance runs.
  - Whatever fails (a missing tool, a command that times out, an unreadable file) is recorded in RV(errors)
    with a clear message; the module itself does not fail because of the node's state.
  - Nothing is written on the node and nothing is changed in the cluster.
author:
  - onsite.assurance maintainers (@onsite-assurance)
extends_documentation_fragment:
  - onsite.assurance.info_module
attributes:
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
options:
  collect:
    description:
      - Sections to collect; C(all) collects every section. A section fills the return keys of the same
        name, except C(os) (RV(os) and RV(kernel)) and C(uptime) (RV(uptime_s), RV(load) and RV(threads)).
    type: list
    elements: str
    choices: [all, os, uptime, cpu, numa, memory, filesystems, block_devices, bcache, nics, time_sync, ceph_daemons,
              ceph_packages, systemd_units, kernel_log, sysctls, sysctl_config, transparent_hugepage, limits, irqbalance,
              ceph_logs]
    default: [all]
  command_timeout:
    description: Seconds each external command may take before it is killed and recorded as timed out.
    type: float
    default: 10
  total_timeout:
    description:
      - Seconds the whole collection may take. Commands are not started once it is spent (they are
        recorded as not run), and a running command gets at most the time left.
    type: float
    default: 60
  smart:
    description: Read the SMART health of physical disks with C(smartctl) when it is installed.
    type: bool
    default: true
requirements:
  - Linux with C(/proc) and C(/sys); Python 3.8 or later on the node.
  - Root (become) to read SMART data, other processes' admin sockets and a restricted kernel log; without
    it those items are recorded as errors.
  - Optional tools, used when present, C(lsblk), C(smartctl), C(chronyc), C(ntpq), C(timedatectl),
    C(ceph), C(dmesg), C(journalctl), C(systemctl), C(dpkg-query) or C(rpm).
notes:
  - Runs on every node of the cluster (no C(run_once)); the collect role writes its result to
    C(hosts/<inventory_hostname>.json) of the snapshot (C(docs/snapshot-schema.md)).
  - Commands run with C(LC_ALL=C), as argument lists, never through a shell; a timed-out command is killed
    with its whole process group.
seealso:
  - module: onsite.assurance.ceph_cluster_info
"""

EXAMPLES = r"""
- name: Collect every node's state
  onsite.assurance.ceph_node_info:
  become: true
  register: node_info

- name: Only what a pre-change check needs, with short timeouts
  onsite.assurance.ceph_node_info:
    collect: [ceph_daemons, ceph_packages, time_sync, filesystems]
    command_timeout: 5
    total_timeout: 30

- name: Skip SMART on nodes behind a RAID controller that hangs on it
  onsite.assurance.ceph_node_info:
    smart: false
"""

RETURN = r"""
schema_version:
  description: Version of the snapshot schema this output follows.
  returned: always
  type: int
  sample: 1
host:
  description: The node's hostname; the collect role replaces it with the inventory hostname.
  returned: always
  type: str
  sample: cephlab1
hostname:
  description: The node's own hostname.
  returned: always
  type: str
  sample: cephlab1
reachable:
  description: Always true here; the collect role writes false for hosts that did not answer.
  returned: always
  type: bool
  sample: true
error:
  description: Always null here; the collect role sets it for unreachable hosts.
  returned: always
  type: str
  sample: null
collected_at:
  description: When the collection started, ISO 8601 UTC.
  returned: always
  type: str
  sample: "2026-11-22T02:30:00Z"
collected:
  description: The sections that were asked for.
  returned: always
  type: list
  elements: str
  sample: [os, uptime, cpu]
os:
  description: From os-release.
  returned: when the os section is collected and os-release is readable
  type: dict
  contains:
    id:
      description: C(ID).
      type: str
      sample: debian
    version_id:
      description: C(VERSION_ID).
      type: str
      sample: "12"
    pretty_name:
      description: C(PRETTY_NAME).
      type: str
      sample: Debian GNU/Linux 12 (bookworm)
kernel:
  description: Running kernel release (C(uname -r)).
  returned: when the os section is collected
  type: str
  sample: 6.1.0-26-amd64
uptime_s:
  description: Seconds since boot.
  returned: when the uptime section is collected
  type: float
  sample: 86400.5
load:
  description: 1, 5 and 15 minute load averages.
  returned: when the uptime section is collected
  type: list
  elements: float
  sample: [0.15, 0.2, 0.18]
threads:
  description: Threads that exist on the node (the total of C(/proc/loadavg)'s running/total field), null when absent.
  returned: when the uptime section is collected
  type: int
  sample: 640
numa:
  description: NUMA nodes from C(/sys/devices/system/node); an empty list when the kernel has no NUMA support.
  returned: when the numa section is collected
  type: dict
  contains:
    nodes:
      description: One entry per node, C(id) (int) and C(cpus) (its CPU list, e.g. C(0-15,32-47); null when unreadable).
      type: list
      elements: dict
irqbalance:
  description: Whether an irqbalance process runs (by C(/proc/PID/comm)).
  returned: when the irqbalance section is collected
  type: dict
  contains:
    running:
      description: True when a process named irqbalance exists.
      type: bool
sysctl_config:
  description:
    - What C(sysctl --system) would set, from C(/etc/sysctl.d), C(/run/sysctl.d), C(/usr/local/lib/sysctl.d),
      C(/usr/lib/sysctl.d), C(/lib/sysctl.d) (by file name) and C(/etc/sysctl.conf); each key maps to the last
      value set, the file setting it, and the value in effect from C(/proc/sys) (null when the kernel has no such key).
    - At most 500 keys; glob patterns are left out.
  returned: when the sysctl_config section is collected
  type: dict
  sample: {"fs.aio-max-nr": {"value": "1048576", "file": "/etc/sysctl.d/30-ceph-osd.conf", "running": "65536"}}
cpu:
  description: Processors.
  returned: when the cpu section is collected
  type: dict
  contains:
    count:
      description: Online logical CPUs.
      type: int
      sample: 32
    model:
      description: CPU model, or null when /proc/cpuinfo names none.
      type: str
      sample: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
    governor:
      description: Frequency governor(s) in use (comma-separated when CPUs differ); null without cpufreq.
      type: str
      sample: performance
memory:
  description: From /proc/meminfo, in KiB.
  returned: when the memory section is collected
  type: dict
  contains:
    total_kb:
      description: C(MemTotal).
      type: int
    available_kb:
      description: C(MemAvailable) (null on kernels without it).
      type: int
    swap_total_kb:
      description: C(SwapTotal).
      type: int
    swap_free_kb:
      description: C(SwapFree).
      type: int
filesystems:
  description: Usage of the filesystems holding C(/), C(/var/lib/ceph) and C(/var/log), one entry per mount.
  returned: when the filesystems section is collected
  type: list
  elements: dict
  contains:
    mount:
      description: Mount point.
      type: str
      sample: /var/lib/ceph
    device:
      description: Mounted device.
      type: str
      sample: /dev/mapper/vg0-ceph
    fstype:
      description: Filesystem type.
      type: str
      sample: xfs
    paths:
      description: Which of the three paths live on this mount (paths that do not exist are left out).
      type: list
      elements: str
    size_kb:
      description: Size in KiB.
      type: int
    used_kb:
      description: Used KiB.
      type: int
    avail_kb:
      description: KiB available to unprivileged users.
      type: int
    used_pct:
      description: Use percentage as C(df) computes it, used / (used + available).
      type: float
      sample: 42.5
    inodes_used_pct:
      description: Inode use percentage (null on filesystems without inode counts).
      type: float
block_devices:
  description: Top-level block devices (C(lsblk -d), else C(/sys/block)); loop, ram and zram devices only when they back an OSD.
  returned: when the block_devices section is collected
  type: list
  elements: dict
  contains:
    name:
      description: Kernel name.
      type: str
      sample: sda
    size_bytes:
      description: Size in bytes.
      type: int
    rotational:
      description: True for spinning disks.
      type: bool
    model:
      description: Device model, or null.
      type: str
    type:
      description: lsblk device type (C(disk), C(rom), ...).
      type: str
    scheduler:
      description: Active I/O scheduler, or null.
      type: str
      sample: mq-deadline
    osds:
      description: OSDs whose block, DB or WAL device is on this disk (through partitions, LVM or dm).
      type: list
      elements: str
      sample: [osd.3]
    smart:
      description: SMART health.
      type: dict
      contains:
        available:
          description: True when the device reported a SMART health status, false when it cannot
            (virtual disk, no smartctl), null when not asked or when smartctl failed.
          type: bool
        passed:
          description: SMART overall health self-assessment, null when not available.
          type: bool
        data:
          description: smartctl's JSON (attribute flag bits and build details trimmed), null when not read.
          type: dict
        error:
          description: Why there is no health status, or null.
          type: str
          sample: "/dev/vda: Unable to detect device type"
bcache:
  description:
    - bcache devices (C(/sys/block/bcache*)) and cache sets (C(/sys/fs/bcache/<uuid>)), read from sysfs; empty
      lists on a node without bcache.
  returned: when the bcache section is collected
  type: dict
  contains:
    devices:
      description:
        - One entry per bcache device, C(name), C(backing_device) (C(name) and C(rotational) of the device its
          C(bcache) directory links to; a partition's rotational is its disk's; null for a flash-only volume),
          C(cache_set) (uuid, null when not attached) and C(osds) (OSDs whose block, DB or WAL is on it, through
          dm layers).
        - From C(/sys/block/bcacheN/bcache/), null when unreadable, C(cache_mode) (the selected mode),
          C(sequential_cutoff) (as the kernel prints it) and C(sequential_cutoff_bytes), C(writeback_percent),
          C(state) (C(no cache), C(clean), C(dirty), C(inconsistent)) and C(dirty_data) (as printed).
      type: list
      elements: dict
      sample: [{"name": "bcache1", "backing_device": {"name": "vdc", "rotational": true},
                "cache_set": "d7696818-1be9-4dea-9991-de95e24d7256", "cache_mode": "writeback",
                "sequential_cutoff": "4.0M", "sequential_cutoff_bytes": 4194304, "writeback_percent": 10,
                "state": "dirty", "dirty_data": "635.9M", "osds": ["osd.0"]}]
    cache_sets:
      description:
        - One entry per cache set, C(uuid), C(congested_read_threshold_us), C(congested_write_threshold_us),
          C(cache_available_percent) (the share of the cache holding no dirty data; integers, null when
          unreadable) and C(cache_devices) (C(name) and C(rotational) of each C(cacheN) link's device).
      type: list
      elements: dict
      sample: [{"uuid": "d7696818-1be9-4dea-9991-de95e24d7256", "congested_read_threshold_us": 2000,
                "congested_write_threshold_us": 20000, "cache_available_percent": 99,
                "cache_devices": [{"name": "vdb2", "rotational": true}]}]
nics:
  description: Network interfaces from /sys/class/net, without C(lo).
  returned: when the nics section is collected
  type: list
  elements: dict
  contains:
    name:
      description: Interface name.
      type: str
    mtu:
      description: MTU.
      type: int
    operstate:
      description: Operational state (C(up), C(down), ...).
      type: str
    speed_mbps:
      description: Link speed in Mb/s, null when the link reports none.
      type: int
    virtual:
      description: True for interfaces without a device (bridges, veth, bonds, VLANs...).
      type: bool
    rx_errors:
      description: Receive errors since boot.
      type: int
    tx_errors:
      description: Transmit errors since boot.
      type: int
    rx_dropped:
      description: Received packets dropped since boot.
      type: int
    tx_dropped:
      description: Transmitted packets dropped since boot.
      type: int
time_sync:
  description: Time synchronisation as reported by the first tool that answers.
  returned: when the time_sync section is collected
  type: dict
  contains:
    source:
      description: C(chrony) (C(chronyc -c tracking)), C(ntpd) (C(ntpq -pn)), C(timedatectl) or C(none).
      type: str
    synchronized:
      description: Whether the clock is synchronised; null when no source answered.
      type: bool
    offset_s:
      description: Local clock minus reference time in seconds (positive means ahead); null when unknown
        (never reported by timedatectl).
      type: float
    reference:
      description: Reference the clock follows (server address or reference id), or null.
      type: str
    stratum:
      description: Stratum of the local clock (chrony) or of the selected peer (ntpd), or null.
      type: int
    attempts:
      description: Tools that are installed but did not answer, with why.
      type: list
      elements: str
ceph_daemons:
  description: Ceph daemons of this node, from running processes and admin sockets.
  returned: when the ceph_daemons section is collected
  type: list
  elements: dict
  contains:
    name:
      description: Daemon name.
      type: str
      sample: osd.0
    type:
      description: C(mon), C(osd), C(mgr), C(mds), C(rgw), C(rbd-mirror), ... (C(client) for other sockets).
      type: str
    id:
      description: Daemon id.
      type: str
      sample: "0"
    cluster:
      description: Cluster name.
      type: str
    pid:
      description: Process id in the node's PID namespace, null when no process was found.
      type: int
    running:
      description: False for an admin socket without a process (stale socket).
      type: bool
    asok:
      description: Admin socket path, or null.
      type: str
      sample: /var/run/ceph/ceph-osd.0.asok
    version:
      description: Running version from C(ceph daemon <asok> version), null when not read.
      type: str
      sample: 16.2.15
    release:
      description: Release name from the same answer (Pacific and later), or null.
      type: str
      sample: pacific
    nofile_soft:
      description: The process's soft open-file limit, null when not readable or unlimited.
      type: int
    nofile_hard:
      description: The process's hard open-file limit, null when not readable or unlimited.
      type: int
    threads:
      description: The process's thread count (C(/proc/PID/status)), null when not readable.
      type: int
    cpus_allowed:
      description: The CPUs the process may run on (C(Cpus_allowed_list)), null when not readable.
      type: str
      sample: 0-15,32-47
    kv_backend:
      description:
        - Key/value store of a mon or OSD data directory (its C(kv_backend) file, package or cephadm layout).
        - Null for other daemons or when the file is absent.
      type: str
      sample: rocksdb
    tcmalloc:
      description:
        - For a running OSD, whether its process maps libtcmalloc (first 1 MiB of C(/proc/PID/maps)).
        - Null for other daemons or when not readable.
      type: bool
ceph_packages:
  description: Installed Ceph packages (ceph*, librados*, librbd*, python3-rados...) and their versions.
  returned: when the ceph_packages section is collected and dpkg-query or rpm answered
  type: dict
  sample: {"ceph-common": "16.2.15+ds-0+deb12u2", "librados2": "16.2.15+ds-0+deb12u2"}
systemd_units:
  description:
    - The Ceph units (C(ceph*), C(rados*), C(rbd*), C(snap.microceph.*)) from C(systemctl list-unit-files) and
      C(systemctl list-units --all), read-only.
  returned: when the systemd_units section is collected
  type: dict
  contains:
    available:
      description: False when systemd is not the init system (no C(/run/systemd/system)) or systemctl is missing.
      type: bool
    reason:
      description: Why it is not available, null when available.
      type: str
      sample: systemd is not the init system (no /run/systemd/system)
    unit_files:
      description:
        - C(unit) and C(state) (C(enabled), C(disabled), C(indirect), C(masked), C(generated), C(bad) ...) per unit file.
        - Null when not available or when systemctl failed (then RV(errors) says why).
      type: list
      elements: dict
      sample: [{"unit": "ceph-osd@.service", "state": "indirect"}]
    units:
      description:
        - C(unit), C(load) (C(loaded), C(not-found), C(bad-setting), C(error), C(masked)), C(active) (C(active),
          C(inactive), C(failed) ...) and C(sub) per unit systemd has loaded.
        - Null when not available or when systemctl failed (then RV(errors) says why).
      type: list
      elements: dict
      sample: [{"unit": "ceph-osd@0.service", "load": "loaded", "active": "active", "sub": "running"}]
kernel_log:
  description: Signals in the error and warning lines of the kernel log.
  returned: when the kernel_log section is collected
  type: dict
  contains:
    available:
      description: False when neither dmesg nor the journal could be read.
      type: bool
    source:
      description: C(dmesg) or C(journalctl), null when unavailable.
      type: str
    lines:
      description: Lines read (at most 10000, the latest).
      type: int
    io_errors:
      description: Lines reporting I/O errors (C(I/O error), C(blk_update_request), C(medium error)).
      type: int
    oom_kills:
      description: Processes killed by the OOM killer (C(Out of memory... Killed process) lines).
      type: int
    hung_tasks:
      description: Hung task reports (C(blocked for more than N seconds)).
      type: int
    samples:
      description: Up to 20 of the latest matching lines, secret-looking values masked.
      type: list
      elements: str
sysctls:
  description: Selected kernel settings from /proc/sys, name to value (whitespace normalised).
  returned: when the sysctls section is collected
  type: dict
  sample: {"vm.swappiness": "10", "net.ipv4.tcp_rmem": "4096 131072 6291456"}
transparent_hugepage:
  description: Transparent hugepage settings, null values when the kernel has none.
  returned: when the transparent_hugepage section is collected
  type: dict
  contains:
    enabled:
      description: Active C(enabled) choice.
      type: str
      sample: madvise
    defrag:
      description: Active C(defrag) choice.
      type: str
      sample: madvise
limits:
  description: Open-file limits of the collecting process (null means unlimited).
  returned: when the limits section is collected
  type: dict
  contains:
    nofile_soft:
      description: Soft limit.
      type: int
    nofile_hard:
      description: Hard limit.
      type: int
ceph_logs:
  description:
    - Signals in the Ceph daemon logs (/var/log/ceph/*.log and /var/log/ceph/<fsid>/*.log, not ceph.audit.log),
      from the last 8 MiB of each file and 64 MiB in all while the time budget lasts.
  returned: when the ceph_logs section is collected
  type: dict
  contains:
    files:
      description:
        - One record per log file; C(signals) maps a pattern (slow_operations, rocksdb_corruption,
          op_thread_timeouts, wrongly_marked_down, mon_elections, slow_heartbeats,
          laggy_pgs) found within its window to C(count), C(max_per_hour), C(last) (epoch s) and up to 3 of the
          newest lines (C(samples), secret-looking values masked).
      type: list
      elements: dict
      sample: [{"name": "ceph-mon.a.log", "size_bytes": 4110944, "mtime": 1795347626, "scanned_bytes": 4110944,
                "signals": {"mon_elections": {"count": 40, "max_per_hour": 22, "last": 1795345555, "samples": []}}}]
    scanned_bytes:
      description: Bytes read in all.
      type: int
    duration_s:
      description: Seconds the scan took.
      type: float
    tail_bytes:
      description: Bytes read at most from the end of each file.
      type: int
    budget_bytes:
      description: Bytes read at most in all.
      type: int
    windows_h:
      description: Per pattern, the hours before C(collected_at) whose lines are counted.
      type: dict
    collected_at:
      description: Epoch seconds the windows count back from.
      type: int
errors:
  description: What could not be collected.
  returned: always
  type: list
  elements: dict
  contains:
    item:
      description: Section, or section and object (C(smart:/dev/sda), C(ceph_daemons:osd.3)).
      type: str
    message:
      description: What went wrong.
      type: str
      sample: "lsblk not found; listed from /sys/block instead"
duration_s:
  description: Module wall time in seconds.
  returned: always
  type: float
  sample: 1.234
"""

import socket
import time
from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.onsite.assurance.plugins.module_utils.node_collect import SECTIONS, Context, collect

SCHEMA_VERSION = 1


def collect_node(params: dict) -> dict:
    """The snapshot's host record for this node."""
    started = time.monotonic()
    names = list(SECTIONS) if "all" in params["collect"] else [name for name in SECTIONS if name in params["collect"]]
    hostname = socket.gethostname()
    collected_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    ctx = Context(params["command_timeout"], params["total_timeout"], smart=params["smart"])
    data, errors = collect(ctx, names)
    return {
        "schema_version": SCHEMA_VERSION,
        "host": hostname,
        "hostname": hostname,
        "reachable": True,
        "error": None,
        "collected_at": collected_at,
        "collected": names,
        **data,
        "errors": errors,
        "duration_s": round(time.monotonic() - started, 3),
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "collect": {"type": "list", "elements": "str", "default": ["all"], "choices": ["all", *SECTIONS]},
            "command_timeout": {"type": "float", "default": 10},
            "total_timeout": {"type": "float", "default": 60},
            "smart": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    not_positive = [name for name in ("command_timeout", "total_timeout") if module.params[name] <= 0]
    if not_positive:
        module.fail_json(msg=f"these options must be greater than 0: {', '.join(not_positive)}")
    module.exit_json(changed=False, **collect_node(module.params))


if __name__ == "__main__":
    main()
