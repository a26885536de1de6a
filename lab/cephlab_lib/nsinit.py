"""PID 1 of a cephlab node (run by `unshare --uts --mount --pid --fork --mount-proc`).

Sets the node's hostname, makes every mount private, binds the node's own directories over
/var/lib/ceph, /etc/ceph, /var/log/ceph and /run, writes the ready file, then reaps orphans
forever so that stopped daemons never linger as zombies. As a PID-namespace init it ignores
SIGTERM from outside: the lab ends it with SIGKILL, which ends everything in the node.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time


def setup(spec: dict) -> None:
    socket.sethostname(spec["hostname"])
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    for src, dst in spec["binds"]:
        subprocess.run(["mount", "--bind", src, dst], check=True)


def reap_forever() -> None:
    while True:
        try:
            os.wait()
        except ChildProcessError:
            time.sleep(1)


def main() -> None:
    spec = json.loads(sys.argv[1])
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    setup(spec)
    with open(spec["ready"], "w") as fh:
        fh.write("ready\n")
    reap_forever()


if __name__ == "__main__":
    main()
