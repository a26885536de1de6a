"""The read-only allowlist refuses anything that is not a listed read command with allowed arguments."""

from __future__ import annotations

import pytest

from ansible_collections.onsite.assurance.plugins.module_utils import ceph_allowlist, ceph_transport
from ansible_collections.onsite.assurance.plugins.modules import ceph_cluster_info

WRITES = [
    {"prefix": "osd set", "key": "noout"},
    {"prefix": "osd unset", "key": "noout"},
    {"prefix": "osd out", "ids": ["0"]},
    {"prefix": "osd pool delete", "pool": "rbd", "pool2": "rbd", "yes_i_really_really_mean_it": True},
    {"prefix": "config set", "who": "osd", "name": "debug_osd", "value": "20"},
    {"prefix": "crash archive-all"},
    {"prefix": "health mute", "code": "OSD_DOWN"},
    {"prefix": "auth get", "entity": "client.admin"},
    {"prefix": "auth ls"},
    {"prefix": "config-key dump"},
    {"prefix": "pg repair", "pgid": "1.0"},
    {"prefix": "device check-health"},
    {"prefix": "mgr module enable", "module": "telemetry"},
]


@pytest.mark.parametrize("cmd", WRITES, ids=lambda c: c["prefix"])
def test_write_and_secret_commands_are_refused(cmd):
    with pytest.raises(ceph_allowlist.CommandNotAllowed):
        ceph_allowlist.check(cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        {"prefix": "status", "detail": "detail"},  # argument not allowed for status
        {"prefix": "health", "detail": "everything"},  # value not allowed
        {"prefix": "osd df", "format": "plain; rm -rf /"},
        {"prefix": "osd ok-to-stop", "ids": ["0; reboot"]},
        {"prefix": "pg dump_stuck", "stuckops": ["inactive", "repair"]},
        {"prefix": "pg dump", "dumpcontents": ["all"]},  # only the brief subsets, never the full dump
        {"prefix": "pg dump"},
        "status",
        {"no": "prefix"},
    ],
    ids=str,
)
def test_bad_arguments_are_refused(cmd):
    with pytest.raises(ceph_allowlist.CommandNotAllowed):
        ceph_allowlist.check(cmd)


def test_every_collector_command_is_allowed_and_routed():
    for key, cmd in {**ceph_cluster_info.COMMANDS, **ceph_cluster_info.EXTRA}.items():
        assert ceph_allowlist.check({**cmd, "format": "json"}) in ("mon", "mgr"), key


def test_cli_words():
    assert ceph_allowlist.to_argv({"prefix": "health", "detail": "detail", "format": "json"}) == ["health", "detail"]
    assert ceph_allowlist.to_argv({"prefix": "pg dump_stuck", "stuckops": ["inactive", "stale"]}) == [
        "pg", "dump_stuck", "inactive", "stale"]
    with pytest.raises(ceph_allowlist.CommandNotAllowed):
        ceph_allowlist.to_argv({"prefix": "osd set", "key": "noout"})


def test_admin_socket_allowlist():
    ceph_allowlist.check_admin_socket("mon_status")
    ceph_allowlist.check_admin_socket("perf dump", {"logger": "bluefs"})
    ceph_allowlist.check_admin_socket("dump_mempools")
    for command in ("config set", "injectargs", "log dump", "quit", "perf reset"):
        with pytest.raises(ceph_allowlist.CommandNotAllowed):
            ceph_allowlist.check_admin_socket(command)
    for command, args in (("perf dump", {"logger": "osd"}), ("status", {"x": 1}), ("version", {"logger": "bluefs"}),
                          ("dump_mempools", {"pool": "x"})):
        with pytest.raises(ceph_allowlist.CommandNotAllowed, match="argument"):
            ceph_allowlist.check_admin_socket(command, args)


@pytest.mark.parametrize("transport_class", [ceph_transport.CliTransport, ceph_transport.LibradosTransport])
def test_each_transport_refuses_before_sending(transport_class, tmp_path):
    """A write reaches neither path: the result says refused and no process or connection is made."""
    target = ceph_transport.CephTarget(conf=str(tmp_path / "missing.conf"), connect_timeout=1, command_timeout=1,
                                       wrapper=("/nonexistent/should-not-run",))
    results = transport_class(target).run({"bad": {"prefix": "osd set", "key": "noout"}})[1]
    assert results["bad"]["error"].startswith("refused:")
    assert results["bad"]["rc"] is None


def test_config_dump_secrets_masked():
    entries = [
        {"section": "client.rgw", "name": "rgw_keystone_admin_password", "value": "hunter2"},
        {"section": "global", "name": "mon_osd_down_out_interval", "value": "600"},
        {"section": "client.rgw", "name": "rgw_crypt_s3_kms_encryption_keys", "value": "k1=abc"},
    ]
    masked = ceph_allowlist.mask_config(entries)
    assert [e["value"] for e in masked] == ["***", "600", "***"]
    assert entries[0]["value"] == "hunter2"  # input untouched
