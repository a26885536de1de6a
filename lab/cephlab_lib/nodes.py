"""Nodes: a PID/UTS/mount namespace init inside each network namespace, commands inside it, sshd."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Sequence

from . import network
from .config import NODE_BINDS, Lab, Node
from .procs import Proc, is_alive, kill_pids, ns_of, procs_in_ns, stop_pids
from .util import LabError, Result, log, run, wait_for

NSINIT = Path(__file__).resolve().parent / "nsinit.py"
SYSTEM_PYTHON = "/usr/bin/python3"
NODE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root", "LANG": "C.UTF-8"}
SSHD = "/usr/sbin/sshd"


# -- the node's init process
def _init_pid_file(lab: Lab, node: str) -> Path:
    return lab.node_dir(node) / "init.pid"


def init_pid(lab: Lab, node: str) -> int | None:
    """The root-namespace pid of the node's init, if it is alive and really that node's."""
    try:
        pid = int(_init_pid_file(lab, node).read_text())
    except (OSError, ValueError):
        return None
    net = network.netns_id(node)
    if not is_alive(pid) or net is None or ns_of(pid, "net") != net:
        return None
    if ns_of(pid, "pid") == ns_of("self", "pid"):
        return None
    return pid


def _child_of(pid: int) -> int | None:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def prepare_node_dirs(lab: Lab, node: str) -> None:
    for sub, _mountpoint in NODE_BINDS:
        lab.node_path(node, sub).mkdir(parents=True, exist_ok=True)
    for sub in ("lib/mon", "lib/mgr", "lib/osd", "lib/tmp", "lib/crash/posted", "ssh"):
        lab.node_path(node, sub).mkdir(parents=True, exist_ok=True)


def _reset_run_dir(lab: Lab, node: str) -> None:
    """Stale pid files and sockets of a dead node go; /run/ceph and /run/sshd are recreated."""
    run_dir = lab.node_path(node, "run")
    shutil.rmtree(run_dir, ignore_errors=True)
    (run_dir / "ceph").mkdir(parents=True)
    (run_dir / "sshd").mkdir(mode=0o755)


def binds_intact(lab: Lab, node: str, pid: int) -> bool:
    """True if the node's mount namespace still shows the state dir's directories at their places."""
    for sub, dst in NODE_BINDS:
        try:
            inside, source = os.stat(f"/proc/{pid}/root{dst}"), lab.node_path(node, sub).stat()
        except OSError:
            return False
        if (inside.st_dev, inside.st_ino) != (source.st_dev, source.st_ino):
            return False
    return True


def start_init(lab: Lab, node: str) -> int:
    pid = init_pid(lab, node)
    if pid and binds_intact(lab, node, pid):
        return pid
    if pid:
        log(f"node {node} lost its bind mounts: restarting it")
        kill_node(lab, node)
    prepare_node_dirs(lab, node)
    _reset_run_dir(lab, node)
    ready = lab.node_dir(node) / "init.ready"
    ready.unlink(missing_ok=True)
    spec = {"hostname": node, "ready": str(ready),
            "binds": [[str(lab.node_path(node, sub)), dst] for sub, dst in NODE_BINDS]}
    argv = ["ip", "netns", "exec", node, "unshare", "--uts", "--mount", "--pid", "--fork", "--mount-proc",
            SYSTEM_PYTHON, str(NSINIT), json.dumps(spec)]
    with open(lab.node_dir(node) / "init.log", "ab") as out:
        unshare = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True, close_fds=True, env=NODE_ENV)
    wait_for(f"node {node} to start", lambda: ready.exists() or unshare.poll() is not None, timeout=15,
             interval=0.1)
    child = _child_of(unshare.pid)
    if unshare.poll() is not None or not child:
        raise LabError(f"node {node} failed to start; see {lab.node_dir(node) / 'init.log'}")
    _init_pid_file(lab, node).write_text(f"{child}\n")
    log(f"node {node} started (init pid {child})")
    return child


def node_processes(lab: Lab, node: str) -> list[Proc]:
    """Live processes inside the node's PID namespace, its init excluded."""
    pid = init_pid(lab, node)
    if not pid:
        return []
    return procs_in_ns("pid", ns_of(pid, "pid"), exclude=[pid])


def kill_node(lab: Lab, node: str) -> None:
    """SIGKILL the node's init (ends its PID namespace) and anything left in its network namespace."""
    pid = init_pid(lab, node)
    if pid:
        kill_pids([pid])
    net = network.netns_id(node)
    if net:
        left = kill_pids([p.pid for p in procs_in_ns("net", net)])
        if left:
            raise LabError(f"processes {left} in node {node} survived SIGKILL")
    _init_pid_file(lab, node).unlink(missing_ok=True)


# -- commands inside a node
def node_argv(lab: Lab, node: str, argv: Sequence[str], wd: str = "/") -> list[str]:
    pid = init_pid(lab, node)
    if not pid:
        raise LabError(f"node {node} is not running (run `cephlab up`)")
    return ["nsenter", "-t", str(pid), "-n", "-u", "-m", "-p", f"--wd={wd}", "--", *argv]


def node_run(lab: Lab, node: str, argv: Sequence[str], *, timeout: float, check: bool = True,
             input: str | None = None, env: dict[str, str] | None = None, stdout=subprocess.PIPE) -> Result:
    return run(node_argv(lab, node, argv), timeout=timeout, check=check, input=input,
               env={**NODE_ENV, **(env or {})}, stdout=stdout)


def exec_in_node(lab: Lab, node: str, argv: Sequence[str]) -> None:
    """Replace this process by argv running inside the node (interactive use)."""
    wd = os.getcwd() if os.path.isdir(os.getcwd()) else "/"
    full = node_argv(lab, node, argv, wd=wd)
    os.execvpe(full[0], full, {**os.environ, **{k: v for k, v in NODE_ENV.items() if k == "PATH"}})


# -- sshd
def sshd_config_path(lab: Lab, node: str) -> Path:
    return lab.node_path(node, "ssh") / "sshd_config"


def write_sshd_config(lab: Lab, node: Node) -> None:
    ssh = lab.node_path(node.name, "ssh")
    host_key = ssh / "ssh_host_ed25519_key"
    if not host_key.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{node.name}", "-f", str(host_key)],
            timeout=30)
    sshd_config_path(lab, node.name).write_text("\n".join([
        f"ListenAddress {node.ip}", "Port 22", f"HostKey {host_key}", "PidFile /run/sshd.pid",
        "PermitRootLogin prohibit-password", "PubkeyAuthentication yes", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "UsePAM no", f"AuthorizedKeysFile {lab.ssh_dir / 'authorized_keys'}",
        "PrintMotd no", "AcceptEnv LANG LC_*", "Subsystem sftp /usr/lib/openssh/sftp-server",
        "MaxStartups 50:30:100", "MaxSessions 50",
        # The key lives in the lab's own state dir; a checkout under /tmp (world-writable) would otherwise
        # make sshd's ownership check refuse it.
        "StrictModes no", "",
    ]))


def sshd_procs(lab: Lab, node: str) -> list[Proc]:
    """The node's sshd listener and its session processes."""
    return [p for p in node_processes(lab, node) if p.exe == "sshd" or p.argv[0].startswith("sshd:")]


def _sshd_listener(lab: Lab, node: str) -> list[Proc]:
    conf = str(sshd_config_path(lab, node))
    return [p for p in sshd_procs(lab, node) if p.option("-f") == conf]


def ssh_port_open(ip: str, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((ip, 22), timeout=timeout):
            return True
    except OSError:
        return False


def start_sshd(lab: Lab, node: Node) -> None:
    if _sshd_listener(lab, node.name):
        return
    write_sshd_config(lab, node)
    node_run(lab, node.name, [SSHD, "-f", str(sshd_config_path(lab, node.name)),
                              "-E", str(lab.node_path(node.name, "ssh") / "sshd.log")], timeout=30)
    wait_for(f"sshd on {node.name}", lambda: ssh_port_open(node.ip), timeout=15, interval=0.2)


def stop_sshd(lab: Lab, node: str) -> None:
    """Stop the listener and every SSH session: the node is unreachable over SSH."""
    stop_pids([p.pid for p in sshd_procs(lab, node)], grace=5, what=f"sshd on {node}")
