"""Both cluster transports on the real lab: same data, same allowlist, bounded when the mgr is gone."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from support import BIN, ENV, INVENTORY, ROOT, AuditLog, cephlab

pytestmark = pytest.mark.lab
VOLATILE = re.compile(
    r"(stamp|time|_at$|since|age$|epoch|used_raw_ratio|^up_from|^up_thru|^down_at|^lost_at|^last_|bytes|_kb|kb_|^kb$|utilization|^var$|"
    r"ops|_sec$|^num_|objects|^count$|^data$|^used|^avail|^stored|^percent|^max_avail|^dirty|^quota|^rd|^wr|"
    r"^pgs$|^recovery|degraded|misplaced|^progress|^events$|^score|^optimize_result|^sessions|^features|^read_|"
    r"^write_|^pg_ready|^reported|^log_size|^ondisk_log|^version$|^crush_version|^omap|^alloc|^compress|^std_dev|"
    r"^min_var|^max_var|^dev$|^target_ratio|^actual|^ratio|^effective|^would_adjust|^new_pg_num|^pg_num_target|^bias|^pg_autoscale)",
)


def module_output(transport: str) -> dict:
    res = subprocess.run([str(BIN / "ansible"), "cephlab1", "-i", str(INVENTORY), "-m",
                          "onsite.assurance.ceph_cluster_info", "-a", f"transport={transport}"],
                         cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return json.loads(res.stdout[res.stdout.index("{"):])


def stable(value, key: str = ""):
    """The value without fields that change by themselves (timestamps, counters, usage, epochs)."""
    if isinstance(value, dict):
        return {k: stable(v, k) for k, v in sorted(value.items()) if not VOLATILE.search(k)}
    if isinstance(value, list):
        return [stable(v, key) for v in value]
    return value


def test_librados_and_cli_return_the_same_data(healthy_lab):
    fast, slow = module_output("librados"), module_output("cli")
    assert (fast["transport"], slow["transport"]) == ("librados", "cli")
    assert fast["status"] == slow["status"] == "ok"
    print(f"librados {fast['duration_s']} s, cli {slow['duration_s']} s")
    for key, result in fast["commands"].items():
        other = slow["commands"][key]
        assert result["rc"] == other["rc"] == 0, key
        assert stable(result["data"]) == stable(other["data"]), f"{key} differs between transports"


@pytest.mark.parametrize("transport", ["librados", "cli"])
def test_allowlist_refuses_writes_on_the_live_cluster(transport, healthy_lab):
    """A write handed straight to a transport is refused before anything reaches the mons."""
    script = (
        "import json, sys; sys.path.insert(0, '/work/main/.collections');"
        "from ansible_collections.onsite.assurance.plugins.module_utils import ceph_transport as t;"
        "target = t.CephTarget(user='client.admin');"
        f"cls = t.{'LibradosTransport' if transport == 'librados' else 'CliTransport'};"
        "print(json.dumps(cls(target).run({'w': {'prefix': 'osd set', 'key': 'noout'},"
        " 'r': {'prefix': 'osd dump'}})[1]))"
    ).replace("/work/main", str(ROOT))
    audit = AuditLog()
    audit.mark()
    res = cephlab("exec", "cephlab1", "--", "/usr/bin/python3", "-c", script, timeout=120)
    assert res.returncode == 0, res.stderr
    results = json.loads(res.stdout.strip().splitlines()[-1])
    assert results["w"]["error"].startswith("refused:") and results["w"]["rc"] is None
    assert "noout" not in results["r"]["data"]["flags"]
    prefixes = [prefix for _entity, prefix in audit.commands(entity="client.admin")]
    assert "osd dump" in prefixes and "osd set" not in prefixes, prefixes
