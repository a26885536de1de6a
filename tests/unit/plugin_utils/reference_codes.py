"""Extract the Ceph health-check code names from /work/shared/reference/ceph-health-checks.md, sections 3.1-3.7:
the all-caps identifiers of the code columns (first table column) and of the prose of 3.4 and 3.6.

The reference abbreviates some names (``AUTH_X / …_ALLOWED``, ``OSD_SLOW_PING_TIME_BACK / _FRONT``,
``CEPHADM_CHECK_{A, B}``); ABBREVIATIONS spells each out. A new abbreviation in the reference leaves a
fragment behind, which :func:`extract` reports so that the test fails instead of missing a code.
"""

from __future__ import annotations

import re

ABBREVIATIONS = {
    "AUTH_INSECURE_GLOBAL_ID_RECLAIM / …_ALLOWED": "AUTH_INSECURE_GLOBAL_ID_RECLAIM, AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED",
    "AUTH_INSECURE_SERVICE_TICKETS / …_SERVICE_KEY_TYPE": "AUTH_INSECURE_SERVICE_TICKETS, AUTH_INSECURE_SERVICE_KEY_TYPE",
    "AUTH_INSECURE_ROTATING_SERVICE_KEY_TYPE / …_CLIENT_KEY_TYPE":
        "AUTH_INSECURE_ROTATING_SERVICE_KEY_TYPE, AUTH_INSECURE_CLIENT_KEY_TYPE",
    "BLOCK_/WAL_/DB_DEVICE_STALLED_READ_ALERT":
        "BLOCK_DEVICE_STALLED_READ_ALERT, WAL_DEVICE_STALLED_READ_ALERT, DB_DEVICE_STALLED_READ_ALERT",
    "OSD_SLOW_PING_TIME_BACK / _FRONT": "OSD_SLOW_PING_TIME_BACK, OSD_SLOW_PING_TIME_FRONT",
    "OSD_DOWN / OSD_<TYPE>_DOWN (HOST, RACK, ROOT…)": "OSD_DOWN, OSD_<TYPE>_DOWN, OSD_HOST_DOWN, OSD_RACK_DOWN, OSD_ROOT_DOWN",
    "CEPHADM_* (FAILED_DAEMON, PAUSED, STRAY_HOST/DAEMON, CERT_ERROR/WARNING…)":
        "CEPHADM_*, CEPHADM_FAILED_DAEMON, CEPHADM_PAUSED, CEPHADM_STRAY_HOST, CEPHADM_STRAY_DAEMON, "
        "CEPHADM_CERT_ERROR, CEPHADM_CERT_WARNING",
    "CEPHADM_CHECK_{KERNEL_LSM, SUBSCRIPTION, PUBLIC_MEMBERSHIP, MTU, LINKSPEED, NETWORK_MISSING, CEPH_RELEASE, KERNEL_VERSION}":
        ", ".join(f"CEPHADM_CHECK_{s}" for s in (
            "KERNEL_LSM", "SUBSCRIPTION", "PUBLIC_MEMBERSHIP", "MTU", "LINKSPEED", "NETWORK_MISSING", "CEPH_RELEASE",
            "KERNEL_VERSION")),
    "`*_DISCARD_QUEUE`": "*_DISCARD_QUEUE",
}
CODE = re.compile(r"(?<![A-Za-z0-9_*<])(?:\*_)?[A-Z][A-Z0-9]*(?:_(?:[A-Z0-9]+|\*|<TYPE>))*(?:_\*)?(?![a-z0-9])")
FRAGMENT = re.compile(r"…_[A-Z]|(?<![A-Z0-9*>])_[A-Z]|[A-Z]_/|\{[A-Z]")


def code_text(reference: str) -> str:
    """The code columns of sections 3.1-3.7 (first cells of table rows; the prose of 3.4 and 3.6)."""
    section = reference.split("## 3. Catalog", 1)[1].split("## 4.", 1)[0]
    parts = []
    for line in section.splitlines():
        if line.startswith("|"):
            cell = line.split("|")[1].strip()
            if cell and not set(cell) <= set("-: ") and cell not in ("Code", "Code(s)"):
                parts.append(cell)
        elif line.startswith(("DEVICE_", "* ", "sourced")) or re.match(r"^\s+[A-Z]", line):
            parts.append(re.sub(r"`[a-z_]+`|\([^)]*[a-z][^)]*\)", " ", line))  # drop option names and asides
    return "\n".join(parts)


def extract(reference: str) -> tuple[set[str], list[str]]:
    """Code names (patterns kept as ``MDS_*``, ``*_DISCARD_QUEUE``, ``OSD_<TYPE>_DOWN``) and leftover fragments."""
    text = code_text(reference)
    for short, full in ABBREVIATIONS.items():
        text = text.replace(short, full)
    text = text.replace("**", " ").replace("[new]", " ")
    codes = {m.group(0) for m in CODE.finditer(text)}
    codes = {c for c in codes if "_" in c or len(c) >= 6}  # drops severity letters (W, E) and short words
    return codes, FRAGMENT.findall(text)
