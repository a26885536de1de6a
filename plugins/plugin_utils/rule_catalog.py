# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule catalog: YAML data under ``catalog/`` (one entry per rule), loaded once, validated, and the
text rendering shared by every finding. docs/checks.md is generated from the same data.

Catalog files hold ``defaults`` (merged into each entry of the file), ``presets`` (YAML anchors only) and
``rules``; a rule file may also declare ``thresholds`` used only by its own rules. An entry names its Ceph
code(s) (``ceph_codes``, a ``ceph_pattern`` for families) or its own ``code``, and carries: source, category,
scope, default ``severity``, ``escalation`` (the name of a Python evaluator in :mod:`escalation`), the
``thresholds`` it reads, ``levels`` (per level: when and why, en+zh), and the texts ``title``, ``detail``,
``recommendation``, ``knowledge`` (en+zh).
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ansible.module_utils.common.yaml import yaml_load

from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import LEVELS

CATALOG_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "catalog")
RULE_FILES = ("cluster.yml", "ceph_health.yml", "node.yml", "lifecycle.yml", "tuning.yml", "hygiene.yml", "bluestore.yml",
              "cephfs.yml", "logs.yml", "xsky.yml", "collector.yml")
THRESHOLD_FILE = "thresholds.yml"
LANGS = ("en", "zh")
TEXTS = ("title", "detail", "recommendation", "knowledge")
SOURCES = ("ceph", "node", "xsky", "collector")
CATEGORIES = ("health", "capacity", "availability", "data", "configuration", "node", "lifecycle", "collection")
SCOPES = ("cluster", "host", "mon", "mgr", "osd", "pool", "pg", "device", "nic", "filesystem")
CJK = re.compile(r"[\u4e00-\u9fff]")


class CatalogError(ValueError):
    """The shipped catalog is inconsistent (a defect of the collection, caught by the unit tests)."""


@dataclass(frozen=True)
class Threshold:
    name: str
    default: float
    unit: str
    doc: Mapping[str, str]


@dataclass(frozen=True)
class Rule:
    """One rule; entries listing several Ceph codes expand to one rule per code sharing the entry."""

    code: str
    anchor: str
    entry: Mapping[str, Any]
    ceph_code: str | None = None
    ceph_pattern: re.Pattern[str] | None = None
    split: re.Pattern[str] | None = None

    def get(self, key: str, default: Any = None) -> Any:
        """A field of the catalog entry (source, category, scope, severity, escalation, levels, texts …)."""
        return self.entry.get(key, default)

    @property
    def runbook(self) -> str:
        return f"docs/checks.md#{self.anchor}"


@dataclass
class Catalog:
    thresholds: dict[str, Threshold] = field(default_factory=dict)
    entries: list[dict[str, Any]] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    by_ceph_code: dict[str, Rule] = field(default_factory=dict)
    patterns: list[Rule] = field(default_factory=list)

    def ceph_rule(self, code: str) -> tuple[Rule, str]:
        """The rule for a Ceph health-check code and how it matched: ``exact``, ``pattern`` or ``unknown``."""
        rule = self.by_ceph_code.get(code)
        if rule is not None:
            return rule, "exact"
        for candidate in self.patterns:
            if candidate.ceph_pattern is not None and candidate.ceph_pattern.search(code):
                return candidate, "pattern"
        return self.rules["CEPH_UNKNOWN_CHECK"], "unknown"

    def resolve_thresholds(self, overrides: Mapping[str, Any] | None) -> dict[str, float]:
        """Documented defaults with the caller's overrides; unknown names or non-numbers are an error."""
        values = {name: t.default for name, t in self.thresholds.items()}
        for name, value in (overrides or {}).items():
            if name not in values:
                raise ValueError(f"unknown threshold {name!r} (known: {', '.join(sorted(values))})")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"threshold {name!r} must be a number, got {value!r}")
            values[name] = float(value)
        return values


@lru_cache(maxsize=1)
def load() -> Catalog:
    """Read and validate every catalog file (once per process)."""
    catalog = Catalog()
    files = {name: _read(name) for name in (THRESHOLD_FILE, *RULE_FILES)}
    for data in files.values():  # shared thresholds, and those a rule file declares for its own rules
        for name, spec in data.get("thresholds", {}).items():
            if name in catalog.thresholds:
                raise CatalogError(f"threshold {name!r} is declared twice")
            catalog.thresholds[name] = Threshold(name, float(spec["default"]), str(spec.get("unit", "")), spec["doc"])
            _check_langs(f"threshold {name}", "doc", spec["doc"])
    for filename in RULE_FILES:
        data = files[filename]
        defaults = data.get("defaults", {})
        for raw in data.get("rules", []):
            entry = {**defaults, **raw, "file": filename}
            _validate(entry, catalog)
            catalog.entries.append(entry)
            _expand(entry, catalog)
    if "CEPH_UNKNOWN_CHECK" not in catalog.rules:
        raise CatalogError("the catalog needs a CEPH_UNKNOWN_CHECK entry")
    return catalog


def _read(filename: str) -> dict[str, Any]:
    with open(os.path.join(CATALOG_DIR, filename), encoding="utf-8") as handle:
        data = yaml_load(handle)
    if not isinstance(data, dict):
        raise CatalogError(f"{filename}: not a mapping")
    return data


def entry_code(entry: Mapping[str, Any]) -> str:
    return str(entry.get("code") or f"CEPH_{entry['ceph_codes'][0]}")


def _expand(entry: dict[str, Any], catalog: Catalog) -> None:
    split = re.compile(entry["split"]) if entry.get("split") else None
    codes = list(entry.get("ceph_codes", []))
    members = [Rule(code=f"CEPH_{c}", anchor=f"ceph_{c}".lower(), entry=entry, ceph_code=c, split=split) for c in codes]
    if entry.get("ceph_pattern") or not codes:
        code = entry_code(entry)
        members.append(Rule(code=code, anchor=code.lower(), entry=entry, split=split,
                            ceph_pattern=re.compile(entry["ceph_pattern"]) if entry.get("ceph_pattern") else None))
    entry["member_codes"] = [m.code for m in members]
    for rule in members:
        if rule.code in catalog.rules:
            raise CatalogError(f"{rule.code}: defined twice")
        catalog.rules[rule.code] = rule
        if rule.ceph_code:
            catalog.by_ceph_code[rule.ceph_code] = rule
        if rule.ceph_pattern is not None:
            catalog.patterns.append(rule)


def _validate(entry: Mapping[str, Any], catalog: Catalog) -> None:
    where = f"{entry['file']}: {entry.get('code') or entry.get('ceph_codes')}"
    for key, allowed in (("source", SOURCES), ("category", CATEGORIES), ("scope", SCOPES), ("severity", LEVELS)):
        if entry.get(key) not in allowed:
            raise CatalogError(f"{where}: {key} {entry.get(key)!r} not one of {allowed}")
    if not entry.get("code") and not entry.get("ceph_codes"):
        raise CatalogError(f"{where}: needs a code or ceph_codes")
    if not isinstance(entry.get("escalation"), str):
        raise CatalogError(f"{where}: escalation must name an evaluator")
    for name in entry.get("thresholds", []):
        if name not in catalog.thresholds:
            raise CatalogError(f"{where}: threshold {name!r} is not declared in {THRESHOLD_FILE}")
    levels = entry.get("levels")
    if not isinstance(levels, Mapping) or entry["severity"] not in levels:
        raise CatalogError(f"{where}: levels must describe the default severity {entry['severity']!r}")
    for level, spec in levels.items():
        if level not in LEVELS:
            raise CatalogError(f"{where}: unknown level {level!r}")
        for part in ("when", "rationale"):
            _check_langs(where, f"levels.{level}.{part}", mapping_or_empty(spec).get(part))
    for part in TEXTS:
        _check_langs(where, part, entry.get(part))
    for key in ("split", "ceph_pattern"):
        if entry.get(key):
            try:
                re.compile(entry[key])
            except re.error as exc:
                raise CatalogError(f"{where}: {key} is not a regular expression: {exc}") from exc


def mapping_or_empty(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _check_langs(where: str, part: str, texts: Any) -> None:
    if not isinstance(texts, Mapping) or set(texts) != set(LANGS) or any(
            not isinstance(texts[lang], str) or not texts[lang].strip() for lang in LANGS):
        raise CatalogError(f"{where}: {part} needs exactly non-empty 'en' and 'zh' texts, got {texts!r}")
    if not CJK.search(texts["zh"]):
        raise CatalogError(f"{where}: {part}.zh is not written in Chinese")


# --- text rendering ----------------------------------------------------------------------------------------

class _Missing:
    def __format__(self, spec: str) -> str:
        return "?"


class _Values(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> Any:
        return _Missing()


class _Formatter(string.Formatter):
    """``{name}`` and ``{name:.1f}`` only; a value that does not fit its format is shown as is."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        return self.get_value(re.split(r"[.\[]", field_name, maxsplit=1)[0], args, kwargs), field_name

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            return format(value, format_spec)
        except (TypeError, ValueError):
            return str(value)


_FORMATTER = _Formatter()


def render(texts: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, str]:
    """Fill ``{placeholders}`` of an en/zh text pair; missing values show as ``?``, never an error."""
    filled = _Values(values)
    out = {}
    for lang in LANGS:
        template = str(texts.get(lang, ""))
        try:
            out[lang] = _FORMATTER.vformat(template, (), filled).strip()
        except (ValueError, IndexError, KeyError):
            out[lang] = template.strip()
    return out
