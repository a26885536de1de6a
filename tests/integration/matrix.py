"""The acceptance fault matrix (issue 10): for each lab state, what report.json must say.

Each expectation is (what, level): ``what`` is a Ceph health-check code (matched on the finding's
``ceph_code``) or one of our rule codes (matched on ``code``), or alternatives separated by ``|``; ``level`` is one level or a tuple of
acceptable levels. ``worst`` is the acceptable worst severities of the whole report. The levels follow the
seed's service levels (日常问题 routine, 紧急故障 urgent, 重大事故 major).
"""

from __future__ import annotations

from typing import Any, Iterable

ROUTINE_ONLY = ("ok", "advisory", "routine")
Expectation = tuple[str, Any]

MATRIX: dict[str, dict[str, Any]] = {
    "healthy": {"expect": [], "worst": ROUTINE_ONLY},
    "osd_down": {"expect": [("OSD_DOWN", "routine")], "worst": ROUTINE_ONLY},
    "osd_out": {"expect": [("OSD_STATES", "routine")], "worst": ROUTINE_ONLY},
    "nearfull": {"expect": [("OSD_NEARFULL", "routine")], "worst": ROUTINE_ONLY},
    "mon_down": {"expect": [("MON_DOWN", "routine")], "worst": ROUTINE_ONLY},
    "mgr_down": {"expect": [("MGR_DOWN", "routine")], "worst": ROUTINE_ONLY},
    "crash": {"expect": [("RECENT_CRASH", "routine")], "worst": ROUTINE_ONLY},
    "noout": {"expect": [("OSDMAP_FLAGS", ("advisory", "routine"))], "worst": ROUTINE_ONLY},
    "clock_skew": {"expect": [("MON_CLOCK_SKEW", ("routine", "urgent"))], "worst": ROUTINE_ONLY + ("urgent",)},
    "osds_down_many": {"expect": [("PG_AVAILABILITY|PG_STATES", "urgent")], "worst": ("urgent",)},
    "full": {"expect": [("OSD_FULL", "urgent")], "worst": ("urgent",)},
    "quorum_lost": {"expect": [("CLUSTER_UNREACHABLE", "urgent")], "worst": ("urgent",)},
    "host_down": {"expect": [("NODE_HOST_UNREACHABLE", "urgent")], "worst": ("urgent",)},
    "inconsistent": {"expect": [("OSD_SCRUB_ERRORS", "major"), ("PG_DAMAGED", "major")], "worst": ("major",)},
    "unfound": {"expect": [("OBJECT_UNFOUND", "major")], "worst": ("major",)},
}


def levels(level: Any) -> tuple[str, ...]:
    return level if isinstance(level, tuple) else (level,)


def matching(findings: Iterable[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    return [f for f in findings if set(what.split("|")) & {f.get("ceph_code"), f.get("code")}]


def problems(fault: str, report: dict[str, Any]) -> list[str]:
    """Every way report.json misses the matrix row, worded with the fault, the expected and the found level."""
    row = MATRIX[fault]
    findings = report.get("findings", [])
    found: list[str] = []
    for what, level in row["expect"]:
        hits = matching(findings, what)
        seen = sorted({str(f.get("severity")) for f in hits})
        if not hits:
            found.append(f"fault {fault}: expected {what} at {'/'.join(levels(level))}, found no such finding")
        elif not set(seen) & set(levels(level)):
            found.append(f"fault {fault}: expected {what} at {'/'.join(levels(level))}, found {'/'.join(seen)}")
    worst = report.get("summary", {}).get("worst_severity")
    if worst not in row["worst"]:
        culprits = [f"{f.get('id')}={f.get('severity')}" for f in findings if f.get("severity") == worst][:5]
        found.append(f"fault {fault}: expected worst level {'/'.join(row['worst'])}, found {worst} ({', '.join(culprits)})")
    return found
