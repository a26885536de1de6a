"""The lab bridge and one network namespace per node (veth into the bridge, no route out)."""
from __future__ import annotations

import os

from .config import BRIDGE, BRIDGE_CIDR, Lab, Node
from .util import run

NETNS_DIR = "/run/netns"


def _ip(*args: str, check: bool = True) -> str:
    return run(["ip", *args], timeout=15, check=check).out


def link_exists(name: str) -> bool:
    return os.path.exists(f"/sys/class/net/{name}")


def netns_exists(name: str) -> bool:
    return os.path.exists(f"{NETNS_DIR}/{name}")


def netns_id(name: str) -> str | None:
    """The namespace id as /proc/PID/ns/net shows it, e.g. 'net:[4026532345]'."""
    try:
        return f"net:[{os.stat(f'{NETNS_DIR}/{name}').st_ino}]"
    except OSError:
        return None


def veth_name(node: str) -> str:
    return f"vl-{node}"[:15]


def ensure_bridge() -> None:
    if not link_exists(BRIDGE):
        _ip("link", "add", BRIDGE, "type", "bridge")
    if BRIDGE_CIDR.split("/", maxsplit=1)[0] not in _ip("-o", "addr", "show", "dev", BRIDGE):
        _ip("addr", "add", BRIDGE_CIDR, "dev", BRIDGE)
    _ip("link", "set", BRIDGE, "up")


def ensure_node_net(node: Node) -> None:
    if not netns_exists(node.name):
        _ip("netns", "add", node.name)
    veth = veth_name(node.name)
    if not link_exists(veth):
        _ip("-n", node.name, "link", "del", "eth0", check=False)
        _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", node.name)
    _ip("link", "set", veth, "master", BRIDGE, "up")
    _ip("-n", node.name, "addr", "replace", f"{node.ip}/24", "dev", "eth0")
    _ip("-n", node.name, "link", "set", "eth0", "up")
    _ip("-n", node.name, "link", "set", "lo", "up")


def ensure_network(lab: Lab) -> None:
    ensure_bridge()
    for node in lab.nodes:
        ensure_node_net(node)


def remove_node_net(node: str) -> None:
    if link_exists(veth_name(node)):
        _ip("link", "del", veth_name(node), check=False)
    if netns_exists(node):
        _ip("netns", "del", node, check=False)


def release_netns_dir() -> None:
    """`ip netns add` bind-mounts /run/netns onto itself; undo that once no namespace is left in it."""
    try:
        empty = not os.listdir(NETNS_DIR)
    except OSError:
        return
    mounted = any(line.split()[1] == NETNS_DIR for line in open("/proc/self/mounts"))
    if empty and mounted:
        run(["umount", NETNS_DIR], timeout=15, check=False)


def remove_bridge() -> None:
    if link_exists(BRIDGE):
        _ip("link", "del", BRIDGE, check=False)
