"""The lab and the acceptance fault matrix: a real 3-node Ceph cluster reached over SSH, every fault it injects
seen by Ceph, assessed by the health check at the level the seed's service levels call for, and healed.

Each fault test checks the cluster on its own (health detail, osd dump, the mon admin socket, SSH, a blocked
write) rather than trusting what `cephlab fault` printed; then runs `playbooks/health_check.yml` for real and
checks report.json against tests/integration/matrix.py, proves the run read-only (mon audit log, map epochs),
then heals and checks the baseline again.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from matrix import MATRIX, problems
from support import AuditLog, load_json, run_playbook

from ansible_collections.onsite.assurance.plugins.module_utils import ceph_allowlist

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = ROOT / ".venv" / "bin" / "ansible"
NODES = ("cephlab1", "cephlab2", "cephlab3")
ANSIBLE_LINE = re.compile(r"^(?P<host>\S+) \| (?P<result>\w+) \| rc=(?P<rc>\d+) >>$")


def node_ip(status: dict[str, Any], name: str) -> str:
    return next(n["ip"] for n in status["nodes"] if n["name"] == name)


def ssh_hostname(state: Path, ip: str) -> subprocess.CompletedProcess:
    ssh = state / "ssh"
    return subprocess.run(["ssh", "-i", str(ssh / "id_ed25519"), "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
                           "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={ssh / 'known_hosts'}",
                           f"root@{ip}", "hostname"], capture_output=True, text=True, timeout=30, check=False)


def wait(probe: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(1)


# -- the baseline and the ways in
def test_lab_is_up_at_baseline(lab, healthy_lab):
    cluster = healthy_lab["cluster"]
    assert cluster["health"] == "HEALTH_OK" and not cluster["checks"]
    assert sorted(cluster["quorum"]) == list(NODES)
    assert cluster["osds"] == {"total": 6, "up": 6, "in": 6}
    assert cluster["mgr"] == {"available": True, "standbys": 1}
    pool = {p["pool_name"]: p for p in lab.ceph_json("osd", "pool", "ls", "detail")}["assurance-lab"]
    assert (pool["size"], pool["min_size"], pool["pg_num"], pool["pg_autoscale_mode"]) == (3, 2, 32, "off")
    assert "rbd" in pool["application_metadata"]
    objects = {p["name"]: p["stats"]["objects"] for p in lab.ceph_json("df")["pools"]}
    assert objects["assurance-lab"] >= 200
    hosts = {n["name"]: n["children"] for n in lab.ceph_json("osd", "tree")["nodes"] if n["type"] == "host"}
    assert sorted(hosts) == list(NODES) and all(len(osds) == 2 for osds in hosts.values())


def test_ansible_reaches_three_distinct_nodes_over_ssh(healthy_lab):
    res = subprocess.run([str(ANSIBLE), "all", "-i", "inventories/lab", "-m", "ansible.builtin.command",
                          "-a", "hostname"], cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    answers = {m["host"]: lines[i + 1].strip() for i, line in enumerate(lines) if (m := ANSIBLE_LINE.match(line))}
    assert answers == {n: n for n in NODES}


def test_a_node_sees_only_its_own_daemons_and_dirs(lab, healthy_lab):
    out = lab("exec", "cephlab2", "--", "sh", "-c", "hostname; ls /var/lib/ceph/osd; ps -e -o comm=",
              timeout=60).stdout.split()
    assert out[:3] == ["cephlab2", "ceph-2", "ceph-3"]
    procs = out[3:]
    assert (procs.count("ceph-osd"), procs.count("ceph-mon"), procs.count("ceph-mgr")) == (2, 1, 1)


def test_assurance_identity_reads_cannot_write_and_is_audited(lab, healthy_lab):
    state = lab.state_dir
    base = ["ceph", "--conf", str(state / "ceph.conf"), "--name", "client.assurance", "--connect-timeout", "10"]
    read = subprocess.run([*base, "osd", "df", "--format", "json"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert read.returncode == 0 and json.loads(read.stdout)["nodes"], read.stderr
    write = subprocess.run([*base, "osd", "set", "noout"], capture_output=True, text=True, timeout=60, check=False)
    assert write.returncode != 0 and "noout" not in lab.ceph_json("osd", "dump")["flags"]
    assert all((state / n / "etc" / "ceph.client.assurance.keyring").is_file() for n in NODES)
    needle = "entity='client.assurance' cmd=[{\"prefix\": \"osd df\""

    def every_mon_node_logged() -> bool:
        return all(needle in (state / n / "log" / "ceph.audit.log").read_text(errors="replace") for n in NODES)

    wait(every_mon_node_logged, 30, "every mon node's audit log to record client.assurance's osd df")


# -- faults: how each is checked, independently of `cephlab fault`
def codes_include(*expected: str) -> Callable[[Any], None]:
    def check(lab) -> None:
        codes = lab.health_codes()
        assert set(expected) <= codes, codes
    return check


def osd_is_out(lab) -> None:
    osd = {o["osd"]: o for o in lab.ceph_json("osd", "dump")["osds"]}[5]
    assert (osd["in"], osd["up"]) == (0, 1)


def host_is_down(lab) -> None:
    codes = lab.health_codes()
    assert "MON_DOWN" in codes and codes & {"OSD_HOST_DOWN", "OSD_DOWN"}, codes
    status = lab.status()
    state = Path(status["state_dir"])
    assert ssh_hostname(state, node_ip(status, "cephlab3")).returncode == 255
    assert ssh_hostname(state, node_ip(status, "cephlab1")).stdout.strip() == "cephlab1"


def writes_blocked(lab) -> None:
    assert "OSD_FULL" in lab.health_codes()
    with pytest.raises(subprocess.TimeoutExpired):  # the client holds writes while the OSDs are full
        subprocess.run(["rados", "--conf", str(lab.state_dir / "ceph.conf"), "-p", "assurance-lab", "put",
                        "must-not-land", "/etc/hostname"], capture_output=True, timeout=10, check=False)


def quorum_is_lost(lab) -> None:
    mon_status = json.loads(lab("exec", "cephlab1", "--", "ceph", "--admin-daemon",
                                "/var/run/ceph/ceph-mon.cephlab1.asok", "mon_status", timeout=60).stdout)
    assert mon_status["quorum"] == [] and mon_status["state"] in ("probing", "electing")
    assert lab("ceph", "--timeout", "8", "--", "status", timeout=60, check=False).returncode == 124
    started = time.monotonic()
    cluster = lab.status()["cluster"]
    assert time.monotonic() - started < 60, "status must not hang without quorum"
    assert not cluster["reachable"] and cluster["mons_by_admin_socket"]["cephlab1"]["quorum"] == []


FAULTS: dict[str, Callable[[Any], None]] = {
    "osd_down": codes_include("OSD_DOWN"),
    "osd_out": osd_is_out,
    "host_down": host_is_down,
    "osds_down_many": codes_include("PG_AVAILABILITY"),
    "nearfull": codes_include("OSD_NEARFULL"),
    "full": writes_blocked,
    "mon_down": codes_include("MON_DOWN"),
    "quorum_lost": quorum_is_lost,
    "mgr_down": codes_include("MGR_DOWN"),
    "inconsistent": codes_include("OSD_SCRUB_ERRORS", "PG_DAMAGED"),
    "unfound": codes_include("OBJECT_UNFOUND"),
    "noout": codes_include("OSDMAP_FLAGS"),
    "crash": codes_include("RECENT_CRASH"),
    "clock_skew": codes_include("MON_CLOCK_SKEW"),
}


def test_every_fault_is_tested(lab):
    listed = [line.split()[0] for line in lab("faults", timeout=60).stdout.splitlines()]
    assert sorted(listed) == sorted(FAULTS)


def map_epochs(lab) -> dict[str, Any]:
    """osdmap and monmap epochs and the CRUSH map: a read-only run must leave all three as they were."""
    return {"osdmap": lab.ceph_json("osd", "dump")["epoch"], "monmap": lab.ceph_json("mon", "dump")["epoch"],
            "crush": lab.ceph_json("osd", "crush", "dump")}


def settled_epochs(lab, timeout: float = 90) -> dict[str, Any]:
    """The maps once they stop moving by themselves (a restarted OSD booting, PGs re-peering after a fault)."""
    deadline = time.monotonic() + timeout
    current, quiet = map_epochs(lab), 0
    while time.monotonic() < deadline and quiet < 3:  # unchanged for three looks, 3 s apart
        time.sleep(3)
        again = map_epochs(lab)
        quiet = quiet + 1 if again == current else 0
        current = again
    return current


def health_check(tmp_path: Path, fault: str, lab, epochs: bool = True) -> tuple[dict[str, Any], Any]:
    """Run the health check as a user would; assert it was read-only; return report.json and the run.

    The audit log is the proof that the run sent no write. The map epochs are a second proof; a cluster can
    move its own maps at any time (a young lab's mgr, an OSD booting), so when they moved during a run the
    run is repeated once on settled maps, and only a second move fails."""
    for attempt in (1, 2):
        before = settled_epochs(lab) if epochs else None
        audit = AuditLog()
        audit.mark()
        run = run_playbook("health_check.yml", timeout=300, assurance_report_dir=str(tmp_path / "report"),
                           assurance_snapshot_dir=str(tmp_path / f"snapshot{attempt}"),
                           assurance_event_name=f"fault matrix: {fault}")
        assert run.rc == 0, f"fault {fault}: health_check.yml exited {run.rc}\n{run.output[-3000:]}"
        seen = sorted({prefix for _entity, prefix in audit.commands(entity="client.assurance")})
        print(f"fault {fault}: health_check {run.duration_s} s; mon audit prefixes of client.assurance: {seen}")
        assert not [p for p in seen if p not in ceph_allowlist.READ_ONLY], f"fault {fault}: write command in the audit log"
        if before is None or map_epochs(lab) == before:
            return load_json(tmp_path / "report" / "report.json"), run
        print(f"fault {fault}: the maps moved during run {attempt} (not by client.assurance, per the audit log)")
    raise AssertionError(f"fault {fault}: osdmap, monmap or CRUSH map changed during the run, twice")


def test_healthy_baseline_report_and_offline_analysis(tmp_path, lab, healthy_lab):
    report, run = health_check(tmp_path, "healthy", lab)
    assert not problems("healthy", report), problems("healthy", report)
    assert {"report.html", "report.md", "report.json", "junit.xml"} <= {p.name for p in (tmp_path / "report").iterdir()}
    snapshot = max(tmp_path.glob("snapshot*"), key=lambda p: p.stat().st_mtime)
    offline = run_playbook("analyze.yml", assurance_snapshot_dir=str(snapshot),
                           assurance_report_dir=str(tmp_path / "offline"))
    assert offline.rc == 0, offline.output[-3000:]
    again = load_json(tmp_path / "offline" / "report.json")
    assert [(f["id"], f["severity"]) for f in again["findings"]] == [(f["id"], f["severity"]) for f in report["findings"]]


FAULT_REPORT_CHECKS: dict[str, Callable[[dict[str, Any], Any], None]] = {}


def quorum_named_from_admin_socket(report: dict[str, Any], run) -> None:
    assert run.duration_s < 120, f"quorum_lost: the health check took {run.duration_s} s (limit 120 s)"
    finding = next(f for f in report["findings"] if f["code"] == "CLUSTER_UNREACHABLE")
    text = json.dumps(finding, ensure_ascii=False)
    assert "cephlab1" in text and ("probing" in text or "electing" in text), text[:2000]


def unreachable_host_named(report: dict[str, Any], run) -> None:  # pylint: disable=unused-argument
    hosts = [f["entity"] for f in report["findings"] if f["code"] == "NODE_HOST_UNREACHABLE"]
    assert hosts == ["cephlab3"], hosts


FAULT_REPORT_CHECKS.update(quorum_lost=quorum_named_from_admin_socket, host_down=unreachable_host_named)


# Faults after which the cluster moves on its own for a few seconds before the state to rate is reached.
def all_pgs_active(lab) -> bool:
    states = [s["state_name"] for s in lab.ceph_json("status")["pgmap"].get("pgs_by_state", [])]
    return bool(states) and all("active" in s and "peering" not in s for s in states) \
        and "PG_AVAILABILITY" not in lab.health_codes()


def pgs_settled(lab) -> None:
    """Every PG active, three looks in a row (an OSD marked out re-peers its PGs for a few seconds)."""
    for _look in range(3):
        wait(lambda: all_pgs_active(lab), 180, "every PG active again")
        time.sleep(2)


SETTLE: dict[str, Callable[[Any], None]] = {"osd_out": pgs_settled}
# No epoch comparison where the mons cannot answer map dumps in time (no quorum; a mon under libfaketime).
NO_EPOCHS = ("quorum_lost", "clock_skew")


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_shows_is_rated_then_heals(name, lab, healthy_lab, tmp_path):
    try:
        lab("fault", name, timeout=300)
        FAULTS[name](lab)
        SETTLE.get(name, lambda _lab: None)(lab)
        report, run = health_check(tmp_path, name, lab, epochs=name not in NO_EPOCHS)
        found = problems(name, report)
        assert not found, "\n".join(found)
        FAULT_REPORT_CHECKS.get(name, lambda *_: None)(report, run)
    finally:
        lab("heal", timeout=400)
    wait(lambda: lab.at_baseline(lab.status()), 180, "the baseline after heal")


def test_matrix_covers_every_fault():
    assert sorted(MATRIX) == sorted([*FAULTS, "healthy"])


def test_down_leaves_nothing_and_up_restores(lab, healthy_lab):
    state = lab.state_dir
    lab("down", timeout=300)
    try:
        netns = Path("/run/netns")
        assert not (netns.is_dir() and list(netns.glob("cephlab*")))
        assert not Path("/sys/class/net/cephlab0").exists()
        leftovers = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True, check=True).stdout
        assert not re.search(r"^(\S*/)?(ceph-mon|ceph-mgr|ceph-osd|sshd -f \S*cephlab)", leftovers, re.M), leftovers
        assert not re.search(r"nsinit\.py", leftovers), leftovers
        assert str(state) not in Path("/proc/self/mountinfo").read_text()
    finally:
        lab("up", timeout=400)
    assert lab.at_baseline(lab.status())
