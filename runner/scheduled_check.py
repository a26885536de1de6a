#!/usr/bin/env python
"""A scheduled health check through the ansible-runner Python API, with the monitoring exit-status contract.

    .venv/bin/python runner/scheduled_check.py [--rotate-artifacts N] [--inventory DIR] [-e KEY=VALUE ...]

Exit status (docs/scheduled-checks.md):
  0  the run completed and the worst finding is ok, advisory or routine
  2  the run completed and at least one urgent finding (紧急故障) is present, none major
  3  the run completed and at least one major finding (重大事故) is present
  1  the run itself failed (no report was written): look at the ansible-runner artifacts
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ansible_runner

HERE = Path(__file__).resolve().parent
EXIT = {"ok": 0, "advisory": 0, "routine": 0, "urgent": 2, "major": 3}
RUN_FAILED = 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--private-data-dir", default=str(HERE), help="ansible-runner private data dir (default: this one)")
    parser.add_argument("--inventory", default=str(HERE.parent / "inventories" / "lab"), help="inventory path (default: inventories/lab)")
    parser.add_argument("--rotate-artifacts", type=int, default=10, help="keep this many artifact dirs")
    parser.add_argument("--reports", default=str(HERE.parent / "reports"), help="where each run's report goes")
    parser.add_argument("--artifact-dir", help="ansible-runner artifacts (default: the private data dir's artifacts/)")
    parser.add_argument("-e", "--extra", action="append", default=[], help="extra variable KEY=VALUE")
    return parser.parse_args(argv)


def on_event(event: dict[str, Any]) -> bool:
    """Live progress: one line per task start and per failure; keep every event in the artifacts."""
    data = event.get("event_data", {})
    if event.get("event") == "playbook_on_task_start":
        print(f"… {data.get('task')}", flush=True)
    elif event.get("event") in ("runner_on_failed", "runner_on_unreachable") and not data.get("ignore_errors"):
        print(f"!! {data.get('host')}: {data.get('task')}", flush=True)
    return True


def on_status(status: dict[str, Any], runner_config: Any) -> None:  # pylint: disable=unused-argument
    print(f"ansible-runner status: {status.get('status')}", flush=True)


def use_own_bin_dir() -> None:
    """ansible-runner starts ``ansible-playbook`` from PATH: put this interpreter's bin directory (the project's
    .venv/bin when run as documented) first, so that an unactivated venv or a bare cron PATH still works."""
    own = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != own:
        os.environ["PATH"] = os.pathsep.join([own, path] if path else [own])


def run(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    use_own_bin_dir()
    ident = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    report_dir = Path(args.reports).resolve() / f"scheduled-{ident}"
    extravars = dict(item.split("=", 1) for item in args.extra)
    extravars.update(assurance_report_dir=str(report_dir))
    kwargs: dict[str, Any] = {}
    if args.inventory:
        kwargs["inventory"] = str(Path(args.inventory).resolve())
    if args.artifact_dir:
        kwargs["artifact_dir"] = str(Path(args.artifact_dir).resolve())
    result = ansible_runner.run(
        private_data_dir=args.private_data_dir, playbook="health_check.yml", ident=ident,
        rotate_artifacts=args.rotate_artifacts, extravars=extravars, event_handler=on_event,
        status_handler=on_status, quiet=True, **kwargs)
    report = report_dir / "report.json"
    outcome = {"ident": ident, "status": result.status, "rc": result.rc, "report": str(report)}
    if not report.is_file():
        return RUN_FAILED, outcome
    document = json.loads(report.read_text(encoding="utf-8"))
    summary, changes = document["summary"], document.get("changes") or {}
    outcome.update(verdict=summary["verdict"], worst=summary["worst_severity"],
                   changes={kind: len(changes.get(kind) or []) for kind in ("new", "resolved", "persisting", "severity_changed")})
    return EXIT.get(summary["worst_severity"], RUN_FAILED), outcome


def main() -> int:
    code, outcome = run(parse_args())
    print(json.dumps({**outcome, "exit": code}, ensure_ascii=False))
    return code


if __name__ == "__main__":
    sys.exit(main())
