# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The knowledge base of Ceph releases and known issues (catalog ``ceph_releases.yml`` and
``known_issues.yml``, described in docs/knowledge-base.md), and the Ceph versions a snapshot shows running.

``observed_versions`` reads every place a version appears (``ceph versions``, the daemons' admin sockets and
the installed packages of each node) and maps each to its release; it never raises on malformed data.
The data files are validated when loaded: a defect there is a defect of the collection (unit tests).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from ansible.module_utils.common.yaml import yaml_load

from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import Facts, mapping, seq, text

CATALOG_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "catalog")
RELEASES_FILE = "ceph_releases.yml"
ISSUES_FILE = "known_issues.yml"
KINDS = ("cve", "bug")
# Issue ids: a CVE, a tracker.ceph.com issue, or a Launchpad bug (filed against Ubuntu's ceph packages); a bug id
# must link its own page (BUG_PAGES). A Launchpad bug's ranges are upstream x.y.z versions like any other entry's,
# never Ubuntu package versions: a package 17.2.5-0ubuntu2 is matched as 17.2.5.
ISSUE_ID = re.compile(r"CVE-\d{4}-\d{4,}|(?:tracker-|LP#)\d+")
BUG_PAGES = {"tracker-": "https://tracker.ceph.com/issues/", "LP#": "https://bugs.launchpad.net/bugs/"}
ISSUE_LEVELS = ("advisory", "routine")
LANGS = ("en", "zh")
CJK = re.compile(r"[\u4e00-\u9fff]")
# "ceph version 16.2.15 (…) pacific (stable)", "16.2.15", "16.2.15-0+deb12u2", "2:16.2.15+ds-0+deb12u2"
VERSION = re.compile(r"^(?:ceph version\s+)?(?:\d+:)?(\d+)\.(\d+)\.(\d+)(?![\d.])")
CODENAME = re.compile(r"\)\s+([a-z]+)\s+\(")
VERSIONS_SKIP = ("overall",)

Version = tuple[int, int, int]


class KnowledgeError(ValueError):
    """A knowledge-base file is inconsistent (a defect of the collection, caught by the unit tests)."""


def parse_version(value: Any) -> Version | None:
    """The upstream x.y.z of a version string (daemon banner, package version with epoch and revision)."""
    match = VERSION.match(value.strip()) if isinstance(value, str) else None
    return (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def show(version: Version) -> str:
    return ".".join(str(part) for part in version)


# --- releases ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Release:
    name: str
    number: int
    first_release: date
    eol: date
    eol_estimated: bool
    latest: str
    source: str


def _read(filename: str) -> Mapping[str, Any]:
    with open(os.path.join(CATALOG_DIR, filename), encoding="utf-8") as handle:
        data = yaml_load(handle)
    if not isinstance(data, Mapping) or not isinstance(data.get("schema_version"), int):
        raise KnowledgeError(f"{filename}: needs a mapping with an integer schema_version")
    return data


def _date(where: str, value: Any) -> date:
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError as exc:
        raise KnowledgeError(f"{where}: not an ISO date: {value!r}") from exc


@lru_cache(maxsize=1)
def releases() -> dict[str, Release]:
    """Release name -> Release, oldest first."""
    out: dict[str, Release] = {}
    for raw in seq(_read(RELEASES_FILE).get("releases")):
        raw = mapping(raw)
        where = f"{RELEASES_FILE}: {raw.get('name')}"
        release = Release(str(raw.get("name")), int(raw.get("number", 0)), _date(where, raw.get("first_release")),
                          _date(where, raw.get("eol")), bool(raw.get("eol_estimated")), str(raw.get("latest")),
                          str(raw.get("source")))
        if parse_version(release.latest) is None or parse_version(release.latest)[0] != release.number:
            raise KnowledgeError(f"{where}: latest {release.latest!r} is not a {release.number}.x.y version")
        if not release.source.startswith("https://") or release.eol <= release.first_release:
            raise KnowledgeError(f"{where}: needs an https source and an end of life after its first release")
        out[release.name] = release
    numbers = [r.number for r in out.values()]
    if not out or numbers != sorted(set(numbers)):
        raise KnowledgeError(f"{RELEASES_FILE}: releases must be listed oldest first, one per number")
    return out


def release_named(name: str | None) -> Release | None:
    return releases().get(name or "")


def release_of(value: Any) -> str | None:
    """The release name of a version string: by its major number, else the codename in a daemon banner."""
    version = parse_version(value)
    if version is not None:
        for release in releases().values():
            if release.number == version[0]:
                return release.name
    match = CODENAME.search(value) if isinstance(value, str) else None
    return match.group(1) if match else None


def release_order(name: str) -> int:
    release = release_named(name)
    return release.number if release else 1000


def supported_after(release: Release, today: date) -> list[str]:
    """Newer releases still supported on ``today`` (their end of life not yet reached)."""
    return [r.name for r in releases().values() if r.number > release.number and r.eol > today]


# --- what runs -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Observed:
    """One version seen somewhere: ``source`` is ceph_versions, daemon (admin socket) or package."""

    source: str
    raw: str
    version: Version
    release: str | None
    where: str


def observed_versions(facts: Facts) -> list[Observed]:
    """Every parseable Ceph version of the snapshot (computed once per run)."""
    cached = facts.memo.get("ceph_observed_versions")
    if cached is None:
        cached = facts.memo["ceph_observed_versions"] = [*_from_ceph_versions(facts), *_from_hosts(facts)]
    return list(cached)


def _observed(source: str, raw: Any, where: str) -> Iterator[Observed]:
    version = parse_version(raw)
    if version is not None:
        yield Observed(source, str(raw), version, release_of(raw), where)


def _from_ceph_versions(facts: Facts) -> Iterator[Observed]:
    for daemon_type, counts in mapping(facts.data("versions")).items():
        if daemon_type in VERSIONS_SKIP:
            continue
        for raw, count in mapping(counts).items():
            yield from _observed("ceph_versions", raw, f"{daemon_type} ×{count}")


def _from_hosts(facts: Facts) -> Iterator[Observed]:
    for name in sorted(h for h in facts.hosts if isinstance(h, str)):
        record = facts.hosts[name]
        if not isinstance(record, Mapping) or record.get("reachable") is False:
            continue
        for daemon in seq(record.get("ceph_daemons")):
            daemon = mapping(daemon)
            yield from _observed("daemon", daemon.get("version"), f"{name}:{text(daemon.get('name'), '?')}")
        for package, raw in sorted(mapping(record.get("ceph_packages")).items()):
            yield from _observed("package", raw, f"{name}:{package}")


def releases_running(observed: list[Observed]) -> dict[str, list[Observed]]:
    """Release name -> what was seen of it, oldest release first (versions of no known release left out)."""
    by_release: dict[str, list[Observed]] = {}
    for item in observed:
        if item.release:
            by_release.setdefault(item.release, []).append(item)
    return {name: by_release[name] for name in sorted(by_release, key=release_order)}


def versions_by_release(observed: list[Observed]) -> dict[str, list[str]]:
    """Release name -> the x.y.z versions seen of it, oldest release first."""
    return {name: sorted({show(item.version) for item in items}, key=parse_version)
            for name, items in releases_running(observed).items()}


# --- known issues --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Affects:
    release: str
    start: Version
    fixed_in: Version | None = None
    last: Version | None = None

    def covers(self, version: Version) -> bool:
        return (self.start <= version and (self.fixed_in is None or version < self.fixed_in)
                and (self.last is None or version <= self.last))

    def fix(self) -> str:
        return f"{self.release} {show(self.fixed_in)}" if self.fixed_in else ""


@dataclass(frozen=True)
class Issue:
    id: str
    kind: str
    component: str
    level: str
    impact: Mapping[str, str]
    condition: Mapping[str, str]
    reason: Mapping[str, str]
    affects: tuple[Affects, ...]
    sources: tuple[str, ...]

    def matching(self, item: Observed) -> Affects | None:
        return next((a for a in self.affects if a.release == item.release and a.covers(item.version)), None)

    def fixes(self) -> list[str]:
        return [a.fix() for a in self.affects if a.fixed_in]


@lru_cache(maxsize=1)
def known_issues() -> tuple[Issue, ...]:
    issues = tuple(_issue(mapping(raw)) for raw in seq(_read(ISSUES_FILE).get("issues")))
    ids = [issue.id for issue in issues]
    if not issues or len(ids) != len(set(ids)):
        raise KnowledgeError(f"{ISSUES_FILE}: needs issues with unique ids")
    return issues


def _issue(raw: Mapping[str, Any]) -> Issue:
    where = f"{ISSUES_FILE}: {raw.get('id')}"
    issue = Issue(id=text(raw.get("id")), kind=text(raw.get("kind")), component=text(raw.get("component")),
                  level=text(raw.get("level")), impact=_texts(where, "impact", raw.get("impact")),
                  condition=_texts(where, "condition", raw.get("condition"), optional=True),
                  reason=_texts(where, "reason", raw.get("reason"), optional=raw.get("level") != "routine"),
                  affects=tuple(_affects(where, mapping(row)) for row in seq(raw.get("affects"))),
                  sources=tuple(str(s) for s in seq(raw.get("sources"))))
    if not ISSUE_ID.fullmatch(issue.id) or issue.kind not in KINDS:
        raise KnowledgeError(f"{where}: id must be CVE-YYYY-N, tracker-N or LP#N, kind one of {KINDS}")
    if issue.kind != ("cve" if issue.id.startswith("CVE-") else "bug"):
        raise KnowledgeError(f"{where}: kind {issue.kind!r} does not fit the id")
    page = _own_page(issue.id)
    if page and page not in issue.sources:
        raise KnowledgeError(f"{where}: the sources must link the bug's own page {page}")
    if issue.level not in ISSUE_LEVELS or not issue.component or not issue.affects:
        raise KnowledgeError(f"{where}: needs a level in {ISSUE_LEVELS}, a component and affected releases")
    if not issue.sources or not all(s.startswith("https://") for s in issue.sources):
        raise KnowledgeError(f"{where}: needs https source links")
    return issue


def _own_page(issue_id: str) -> str | None:
    """The page a bug id names (its tracker issue or Launchpad bug); None for a CVE, whose advisory has no fixed
    address."""
    prefix = next((p for p in BUG_PAGES if issue_id.startswith(p)), None)
    return BUG_PAGES[prefix] + issue_id[len(prefix):] if prefix else None


def _affects(where: str, row: Mapping[str, Any]) -> Affects:
    release = release_named(text(row.get("release")))
    if release is None:
        raise KnowledgeError(f"{where}: release {row.get('release')!r} is not in {RELEASES_FILE}")
    bounds = {key: parse_version(str(row[key])) if key in row else None for key in ("from", "fixed_in", "to")}
    start = bounds["from"]
    if start is None or any(key in row and bounds[key] is None for key in bounds):
        raise KnowledgeError(f"{where}: {release.name}: from/fixed_in/to must be x.y.z versions")
    if any(v[0] != release.number for v in bounds.values() if v) or (bounds["fixed_in"] and bounds["to"]):
        raise KnowledgeError(f"{where}: {release.name}: versions must be {release.number}.x.y, fixed_in or to")
    if any(v < start for v in (bounds["fixed_in"], bounds["to"]) if v) or bounds["fixed_in"] == start:
        raise KnowledgeError(f"{where}: {release.name}: the range ends before it starts")
    return Affects(release.name, start, bounds["fixed_in"], bounds["to"])


def _texts(where: str, part: str, value: Any, optional: bool = False) -> Mapping[str, str]:
    if value is None and optional:
        return {lang: "" for lang in LANGS}
    texts = mapping(value)
    if set(texts) != set(LANGS) or not all(isinstance(texts[k], str) and texts[k].strip() for k in LANGS):
        raise KnowledgeError(f"{where}: {part} needs non-empty en and zh texts")
    if not CJK.search(texts["zh"]):
        raise KnowledgeError(f"{where}: {part}.zh is not written in Chinese")
    return {lang: texts[lang].strip() for lang in LANGS}
