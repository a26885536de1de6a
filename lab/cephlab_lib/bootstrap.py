"""Create the cluster: configuration, keys, monmap, mons, mgrs, OSDs on sparse files, the pool and its data."""
from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from . import daemons
from .cephcli import ceph, ceph_json, rados, try_json
from .config import CLUSTER, POOL, SUBNET, Lab
from .nodes import node_processes, node_run, prepare_node_dirs
from .procs import kill_pids
from .util import log, parallel, run, wait_for

POOL_PG_NUM = 32
NAMED_OBJECTS = 16
BENCH_OBJECTS = 256
ADMIN_CAPS = {"mon": "allow *", "osd": "allow *", "mds": "allow *", "mgr": "allow *"}
ASSURANCE_CAPS = {"mon": "allow r", "mgr": "allow r", "osd": "allow r"}
MGR_CAPS = {"mon": "allow profile mgr", "osd": "allow *", "mds": "allow *"}

# Settings shared by the nodes and the root namespace; lab/README.md explains each one.
GLOBAL_SETTINGS = {
    "public network": f"{SUBNET}.0/24",
    "ms bind msgr1": "false",
    "ms bind msgr2": "true",
    "auth cluster required": "cephx",
    "auth service required": "cephx",
    "auth client required": "cephx",
    "auth allow insecure global id reclaim": "false",
    "osd pool default size": "3",
    "osd pool default min size": "2",
    "osd pool default pg autoscale mode": "off",
    "osd crush chooseleaf type": "1",
    "mon allow pool delete": "true",
    "mon data avail warn": "10",
    "mon osd down out interval": "900",
    "mon osd min down reporters": "1",
    "mon mgr beacon grace": "10",
    "mon timecheck interval": "30",
    "mon pg stuck threshold": "10",
    "mon warn on slow ping time": "2000",
    "mon cluster log to file": "true",
    "mon cluster log file": "default=/var/log/ceph/$cluster.$channel.log cluster=/var/log/ceph/$cluster.log",
    "mon cluster log file level": "debug",
    "mgr initial modules": "iostat",
    "osd heartbeat interval": "2",
    "osd heartbeat grace": "10",
    "osd objectstore": "bluestore",
    "osd memory target": str(896 << 20),
    "bluestore cache autotune": "false",
    "bluestore cache size": str(64 << 20),
    "osd scrub load threshold": "20",
}
DAEMON_SETTINGS = {
    "pid file": "/var/run/ceph/$cluster-$name.pid",
    "admin socket": "/var/run/ceph/$cluster-$name.asok",
    "log file": "/var/log/ceph/$cluster-$name.log",
}


def _section(name: str, settings: dict[str, str]) -> str:
    return f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items())


def conf_text(lab: Lab, fsid: str, root_ns: bool) -> str:
    head = {"fsid": fsid, "mon initial members": ",".join(n.name for n in lab.mons), "mon host": lab.mon_host()}
    if root_ns:
        # The root namespace only runs clients: keyrings from the state dir, no log file, no admin socket.
        return _section("global", {**head, **GLOBAL_SETTINGS, "keyring": str(lab.state / f"{CLUSTER}.$name.keyring"),
                                   "log file": "", "admin socket": ""})
    osd = {**DAEMON_SETTINGS, "bluestore block create": "true",
           "bluestore block size": str(lab.topo.osd_size_gib << 30)}
    return "\n".join([_section("global", {**head, **GLOBAL_SETTINGS}), _section("mon", DAEMON_SETTINGS),
                      _section("mgr", DAEMON_SETTINGS), _section("osd", osd)])


# -- keys
def _caps_args(caps: dict[str, str]) -> list[str]:
    return [arg for kind, cap in caps.items() for arg in ("--cap", kind, cap)]


def create_keyring(path: Path, entity: str, caps: dict[str, str]) -> None:
    run(["ceph-authtool", "--create-keyring", str(path), "--gen-key", "-n", entity, *_caps_args(caps)], timeout=30)
    path.chmod(0o600)


def ensure_ssh_key(lab: Lab) -> None:
    lab.ssh_dir.mkdir(parents=True, exist_ok=True)
    lab.ssh_dir.chmod(0o700)
    if not lab.ssh_key.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cephlab", "-f", str(lab.ssh_key)], timeout=30)
    auth = lab.ssh_dir / "authorized_keys"
    auth.write_text(lab.ssh_key.with_suffix(".pub").read_text())
    auth.chmod(0o600)
    lab.known_hosts.touch()


def create_keys(lab: Lab) -> None:
    mon_keyring = lab.keyring("mon")
    create_keyring(mon_keyring, "mon.", {"mon": "allow *"})
    create_keyring(lab.keyring("client.admin"), "client.admin", ADMIN_CAPS)
    create_keyring(lab.keyring("client.assurance"), "client.assurance", ASSURANCE_CAPS)
    for node in lab.mgrs:
        create_keyring(lab.keyring(f"mgr.{node.name}"), f"mgr.{node.name}", MGR_CAPS)
    others = ["client.admin", "client.assurance"] + [f"mgr.{n.name}" for n in lab.mgrs]
    for entity in others:
        run(["ceph-authtool", str(mon_keyring), "--import-keyring", str(lab.keyring(entity))], timeout=30)


def write_confs(lab: Lab, fsid: str) -> None:
    lab.conf.write_text(conf_text(lab, fsid, root_ns=True))
    node_conf = conf_text(lab, fsid, root_ns=False)
    for node in lab.nodes:
        etc = lab.node_path(node.name, "etc")
        (etc / "ceph.conf").write_text(node_conf)
        for entity in ("client.admin", "client.assurance"):
            dest = etc / f"{CLUSTER}.{entity}.keyring"
            shutil.copyfile(lab.keyring(entity), dest)
            dest.chmod(0o600)


# -- daemons
def create_mons(lab: Lab, fsid: str) -> None:
    monmap = lab.state / "monmap"
    addvs = [arg for n in lab.mons for arg in ("--addv", n.name, f"[v2:{n.ip}:3300]")]
    run(["monmaptool", "--create", "--clobber", "--fsid", fsid, "--enable-all-features",
         "--set-min-mon-release", "pacific", *addvs, str(monmap)], timeout=30)
    parallel(lambda n: node_run(lab, n.name, ["ceph-mon", "--mkfs", "-i", n.name, "--monmap", str(monmap),
                                              "--keyring", str(lab.keyring("mon"))], timeout=60), lab.mons)


def create_mgrs(lab: Lab) -> None:
    for node in lab.mgrs:
        data = lab.node_path(node.name, f"lib/mgr/{CLUSTER}-{node.name}")
        data.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lab.keyring(f"mgr.{node.name}"), data / "keyring")


def wait_quorum(lab: Lab, timeout: float = 90) -> None:
    want = {n.name for n in lab.mons}

    def probe() -> bool:
        quorum = try_json(lab, "quorum_status", timeout=15)
        return bool(quorum) and set(quorum.get("quorum_names", [])) == want

    wait_for(f"mons {sorted(want)} in quorum", probe, timeout=timeout, interval=1)


def create_osd(lab: Lab, osd_id: int) -> None:
    node = lab.osd_node(osd_id)
    osd_uuid = str(uuid.uuid4())
    secret = run(["ceph-authtool", "--gen-print-key"], timeout=30).out.strip()
    ceph(lab, "osd", "new", osd_uuid, str(osd_id), "-i", "-", input=json.dumps({"cephx_secret": secret}), timeout=60)
    data = lab.node_path(node.name, f"lib/osd/{CLUSTER}-{osd_id}")
    data.mkdir(parents=True, exist_ok=True)
    keyring = data / "keyring"
    keyring.write_text(f"[osd.{osd_id}]\n\tkey = {secret}\n")
    keyring.chmod(0o600)
    node_run(lab, node.name, ["ceph-osd", "-i", str(osd_id), "--mkfs", "--osd-uuid", osd_uuid], timeout=300)
    daemons.start(lab, daemons.osd(lab, osd_id))


def wait_osds_up(lab: Lab, timeout: float = 120) -> None:
    total = len(lab.osd_ids)

    def probe() -> bool:
        stat = ceph_json(lab, "osd", "stat")
        return stat.get("num_up_osds") == total and stat.get("num_in_osds") == total

    wait_for(f"{total} OSDs up and in", probe, timeout=timeout, interval=2)


def create_pool(lab: Lab) -> None:
    ceph(lab, "osd", "pool", "create", POOL, str(POOL_PG_NUM), str(POOL_PG_NUM), "replicated",
         "--autoscale-mode=off")
    ceph(lab, "osd", "pool", "set", POOL, "size", "3")
    ceph(lab, "osd", "pool", "set", POOL, "min_size", "2")
    ceph(lab, "osd", "pool", "application", "enable", POOL, "rbd")


def write_data(lab: Lab) -> None:
    """A few named objects (faults pick them) and a bounded rados bench run."""
    blob = lab.state / "object.bin"
    blob.write_bytes(os.urandom(64 << 10))
    for i in range(NAMED_OBJECTS):
        rados(lab, "-p", POOL, "put", f"lab-obj-{i:02d}", str(blob))
    rados(lab, "-p", POOL, "bench", "30", "write", "-b", "16384", "-O", "16384", "-t", "4", "--max-objects",
          str(BENCH_OBJECTS), "--no-cleanup", "--run-name", "cephlab-bench", "--no-hints", timeout=120)


def _empty_dir(path: Path) -> None:
    """Remove what a directory holds but keep the directory: it is a node's bind-mount source."""
    for child in path.iterdir() if path.is_dir() else ():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def wipe_cluster(lab: Lab) -> None:
    """Forget a half-made cluster: kill its daemons, remove daemon data, keys and logs (ssh keys stay)."""
    for node in lab.nodes:
        kill_pids([p.pid for p in node_processes(lab, node.name) if p.exe.startswith("ceph-")])
        for sub in ("lib", "etc", "log"):
            _empty_dir(lab.node_path(node.name, sub))
        prepare_node_dirs(lab, node.name)
    for path in lab.state.glob(f"{CLUSTER}.*keyring"):
        path.unlink()
    for name in ("monmap", "ceph.conf", "object.bin"):
        (lab.state / name).unlink(missing_ok=True)


def bootstrap(lab: Lab) -> None:
    fsid = str(uuid.uuid4())
    lab.write_meta(fsid=fsid, bootstrapped=False)
    log(f"bootstrapping cluster {fsid}")
    create_keys(lab)
    write_confs(lab, fsid)
    create_mons(lab, fsid)
    create_mgrs(lab)
    daemons.start_many(lab, [d for d in daemons.all_daemons(lab) if d.kind in ("mon", "mgr")])
    wait_quorum(lab)
    log("mons in quorum; creating OSDs")
    parallel(lambda i: create_osd(lab, i), lab.osd_ids, workers=len(lab.osd_ids))
    wait_osds_up(lab)
    create_pool(lab)
    log(f"pool {POOL} created; writing data")
    write_data(lab)
    lab.write_meta(bootstrapped=True)
