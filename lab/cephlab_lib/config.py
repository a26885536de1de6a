"""Lab topology, names, addresses and paths (state dir layout)."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = LAB_DIR.parent
BRIDGE = "cephlab0"
SUBNET = "10.213.0"
BRIDGE_CIDR = f"{SUBNET}.1/24"
MON_PORT = 3300
POOL = "assurance-lab"
UNFOUND_POOL = "cephlab-unfound"
CLUSTER = "ceph"
MAX_MONS = 3
MAX_MGRS = 2
# Where each node's private directories are bound inside its mount namespace.
NODE_BINDS = (("lib", "/var/lib/ceph"), ("etc", "/etc/ceph"), ("log", "/var/log/ceph"), ("run", "/run"))


@dataclass(frozen=True)
class Topology:
    nodes: int = 3
    osds_per_node: int = 2
    osd_size_gib: int = 2

    @classmethod
    def from_env(cls) -> "Topology":
        return cls(nodes=int(os.environ.get("CEPHLAB_NODES", cls.nodes)),
                   osds_per_node=int(os.environ.get("CEPHLAB_OSDS_PER_NODE", cls.osds_per_node)),
                   osd_size_gib=int(os.environ.get("CEPHLAB_OSD_SIZE_GIB", cls.osd_size_gib)))

    def validate(self) -> None:
        if not 3 <= self.nodes <= 9:
            raise ValueError("nodes must be between 3 and 9")
        if not 1 <= self.osds_per_node <= 4:
            raise ValueError("osds per node must be between 1 and 4")
        if not 1 <= self.osd_size_gib <= 8:
            raise ValueError("OSD size must be between 1 and 8 GiB")


@dataclass(frozen=True)
class Node:
    name: str
    ip: str
    mon: bool
    mgr: bool
    osds: tuple[int, ...]


class Lab:
    """Everything derived from the state dir and the topology."""

    def __init__(self, state: Path, topo: Topology) -> None:
        self.state = state
        self.topo = topo
        per = topo.osds_per_node
        self.nodes = [Node(name=f"cephlab{i + 1}", ip=f"{SUBNET}.{11 + i}", mon=i < MAX_MONS, mgr=i < MAX_MGRS,
                           osds=tuple(range(i * per, (i + 1) * per))) for i in range(topo.nodes)]

    # -- state files
    @property
    def meta_file(self) -> Path:
        return self.state / "lab.json"

    @property
    def conf(self) -> Path:
        return self.state / "ceph.conf"

    @property
    def ssh_dir(self) -> Path:
        return self.state / "ssh"

    @property
    def ssh_key(self) -> Path:
        return self.ssh_dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.ssh_dir / "known_hosts"

    @property
    def inventory_dir(self) -> Path:
        return REPO_DIR / "inventories" / "lab"

    def keyring(self, entity: str) -> Path:
        return self.state / f"{CLUSTER}.{entity}.keyring"

    def node_dir(self, node: str) -> Path:
        return self.state / node

    def node_path(self, node: str, sub: str) -> Path:
        return self.node_dir(node) / sub

    # -- topology
    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"no node {name!r} (nodes: {', '.join(n.name for n in self.nodes)})")

    @property
    def mons(self) -> list[Node]:
        return [n for n in self.nodes if n.mon]

    @property
    def mgrs(self) -> list[Node]:
        return [n for n in self.nodes if n.mgr]

    @property
    def osd_ids(self) -> list[int]:
        return [i for n in self.nodes for i in n.osds]

    def osd_node(self, osd_id: int) -> Node:
        return next(n for n in self.nodes if osd_id in n.osds)

    def mon_host(self) -> str:
        return ",".join(f"[v2:{n.ip}:{MON_PORT}]" for n in self.mons)

    # -- persisted metadata
    def read_meta(self) -> dict:
        try:
            return json.loads(self.meta_file.read_text())
        except (OSError, ValueError):
            return {}

    def write_meta(self, **fields) -> None:
        meta = {**self.read_meta(), **fields, "topology": asdict(self.topo)}
        self.state.mkdir(parents=True, exist_ok=True)
        tmp = self.meta_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta, indent=2) + "\n")
        tmp.replace(self.meta_file)

    @property
    def bootstrapped(self) -> bool:
        return bool(self.read_meta().get("bootstrapped"))


def state_dir() -> Path:
    return Path(os.environ.get("CEPHLAB_STATE", LAB_DIR / ".state")).resolve()


def load_lab(requested: Topology | None = None) -> Lab:
    """The lab with the topology it was bootstrapped with; else the requested one, else env/defaults."""
    state = state_dir()
    meta = Lab(state, Topology()).read_meta()
    saved = Topology(**meta["topology"]) if meta.get("bootstrapped") and meta.get("topology") else None
    if saved and requested and requested != saved:
        raise ValueError(f"the lab exists with {saved}; run `cephlab down --purge` to change it")
    topo = saved or requested or Topology.from_env()
    topo.validate()
    return Lab(state, topo)
