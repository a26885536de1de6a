# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report model: snapshot + findings + cover variables -> one plain dict that the templates render.

``build`` computes everything once: the ``document`` (what report.json holds, language-neutral) and, for
one language, every label, formatted value, chart (SVG text), section and JUnit case that report.html,
report.md and junit.xml need. Templates only loop and branch over it. Output is deterministic: the
same inputs give the same model, so the rendered files differ only by ``generated_at``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping, Sequence

from ansible_collections.onsite.assurance.plugins.plugin_utils import report_env, report_envview, severity
from ansible_collections.onsite.assurance.plugins.plugin_utils.report_i18n import (
    CATEGORIES, LANGS, SCOPES, SOURCES, fmt_pct, fmt_bytes, fmt_seconds, labels, pick, term)
from ansible_collections.onsite.assurance.plugins.plugin_utils.report_svg import Bar, clean_text, hbar_chart

SCHEMA = "onsite.assurance/report"
SCHEMA_VERSION = 1
COVER_KEYS: tuple[str, ...] = ("customer", "cluster_label", "event_name", "engineer", "duty_window")
FIX_LEVELS: tuple[str, ...] = ("major", "urgent", "routine")
FAILING_LEVELS: tuple[str, ...] = ("urgent", "major")
TOP_FINDINGS = 5
# severity -> (badge colour, text colour on the badge, colour of text on white)
SEVERITY_STYLE: dict[str, tuple[str, str, str]] = {
    "ok": ("#2b8a3e", "#ffffff", "#2b8a3e"),
    "advisory": ("#1c6cb0", "#ffffff", "#1c6cb0"),
    "routine": ("#f0b429", "#2d2100", "#9a6700"),
    "urgent": ("#e8590c", "#ffffff", "#c2410c"),
    "major": ("#b42318", "#ffffff", "#b42318"),
}
SHORT_CODE = 40
_BACKTICKS = re.compile(r"`([^`\n]+)`")
_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


class ReportInputError(ValueError):
    """The inputs cannot make a report (wrong types); the message says which input and why."""


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _severity(finding: Mapping[str, Any]) -> str:
    level = str(finding.get("severity", "ok"))
    return level if level in severity.RANK else "routine"


def text_parts(text: str) -> list[dict[str, Any]]:
    """Split ``text`` at backtick-quoted commands: ``[{"code": bool, "text": str}]`` (commands as text)."""
    parts: list[dict[str, Any]] = []
    position = 0
    for match in _BACKTICKS.finditer(text):
        if match.start() > position:
            parts.append({"code": False, "text": text[position:match.start()]})
        parts.append({"code": True, "text": match.group(1), "short": len(match.group(1)) <= SHORT_CODE})
        position = match.end()
    if position < len(text):
        parts.append({"code": False, "text": text[position:]})
    return parts


def _fence(text: str) -> str:
    """A Markdown code fence longer than any backtick run in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _badge(level: str, table: Mapping[str, str]) -> dict[str, str]:
    return {"level": level, "label": table[f"level_{level}"], "color": SEVERITY_STYLE[level][0]}


class _View:
    """Builds the language-specific parts of the model."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.labels = labels(lang)

    def text(self, value: Any) -> str:
        return clean_text(pick(value, self.lang)).strip()

    def finding(self, index: int, finding: Mapping[str, Any]) -> dict[str, Any]:
        level = _severity(finding)
        fid = clean_text(str(finding.get("id") or f"finding-{index}"))
        recommendation = self.text(finding.get("recommendation"))
        title = self.text(finding.get("title")) or fid
        evidence = finding.get("evidence")
        evidence_json = clean_text(json.dumps(evidence, indent=2, sort_keys=True, ensure_ascii=False, default=str))
        return {
            "id": fid,
            "anchor": f"f{index}-{_SLUG.sub('-', fid).strip('-').lower()}",
            "code": clean_text(str(finding.get("code") or "")),
            "severity": level,
            "badge": _badge(level, self.labels),
            "muted": bool(finding.get("muted")),
            "source": term(SOURCES, str(finding.get("source") or ""), self.lang),
            "scope": term(SCOPES, str(finding.get("scope") or ""), self.lang),
            "category": term(CATEGORIES, str(finding.get("category") or ""), self.lang),
            "entity": clean_text(str(finding.get("entity") or "")),
            "title": title,
            "title_parts": text_parts(title),
            "detail": self.text(finding.get("detail")),
            "detail_parts": text_parts(self.text(finding.get("detail"))),
            "rationale": self.text(finding.get("rationale")),
            "recommendation": recommendation,
            "recommendation_parts": text_parts(recommendation),
            "runbook": clean_text(str(finding.get("runbook") or "")),
            "ceph_code": clean_text(str(finding.get("ceph_code") or "")),
            "ceph_severity": clean_text(str(finding.get("ceph_severity") or "")),
            "has_evidence": bool(evidence),
            "evidence_json": evidence_json,
            "evidence_fence": _fence(evidence_json),
        }

    def knowledge(self, notes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        views = []
        for note in notes:
            title = self.text(note.get("title")) or clean_text(str(note.get("code") or ""))
            text = self.text(note.get("knowledge"))
            views.append({"code": clean_text(str(note.get("code") or "")), "title": title,
                          "title_parts": text_parts(title), "text": text, "parts": text_parts(text),
                          "runbook": clean_text(str(note.get("runbook") or ""))})
        return [v for v in views if v["text"]]

    def levels(self, summary: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [{**_badge(level, self.labels), "count": summary["counts"].get(level, 0),
                 "description": self.labels[f"level_desc_{level}"]}
                for level in reversed(severity.LEVELS)]

    def findings_chart(self, summary: Mapping[str, Any]) -> str:
        counts = summary["counts"]
        bars = [Bar(self.labels[f"level_{level}"], counts.get(level, 0), SEVERITY_STYLE[level][0],
                    str(counts.get(level, 0))) for level in reversed(severity.LEVELS)]
        top = max(counts.values(), default=0)
        return hbar_chart(bars, title=self.labels["chart_findings"], scale_max=max(top, 1),
                          empty_message=self.labels["no_data"])

    def paragraph(self, document: Mapping[str, Any], views: Sequence[Mapping[str, Any]]) -> str:
        t, env, summary = self.labels, document["environment"], document["summary"]
        cluster = (document["cover"].get("cluster_label") or env.get("cluster_name") or t["dash"])
        hosts = len(env["hosts"]["items"])
        sentences = [t["para_scope"].format(cluster=cluster, hosts=hosts, osds=env["osds"]["total"] or 0,
                                            pools=len(env["pools"]["items"]))
                     if env["osds"]["collected"] and env["pools"]["collected"]
                     else t["para_scope_hosts"].format(cluster=cluster, hosts=hosts)]
        items = [t["para_item"].format(count=summary["counts"][level], label=t[f"para_noun_{level}"])
                 for level in reversed(severity.LEVELS[1:]) if summary["counts"][level]]
        sentences.append(t["para_found"].format(items=t["para_join"].join(items)) if items else t["para_found_none"])
        sentences.append(t["para_verdict"].format(verdict=t[f"verdict_{summary['verdict']}"]))
        worst = [v for v in views if not v["muted"] and v["severity"] != "ok"]
        if worst:
            sentences.append(t["para_worst"].format(title=worst[0]["title"]))
        capacity = env["capacity"]
        if capacity["used_ratio"] is not None:
            sentences.append(t["para_capacity"].format(ratio=fmt_pct(capacity["used_ratio"]),
                                                       used=fmt_bytes(capacity["used_bytes"]),
                                                       total=fmt_bytes(capacity["total_bytes"])))
        if env["cluster_collected"] and env["reachable"] is False:
            sentences.append(t["para_cluster_unreachable"])
        unreachable = len(document["collection"]["unreachable_hosts"])
        if unreachable:
            sentences.append(t["para_unreachable"].format(count=unreachable))
        if summary["muted"]:
            sentences.append(t["para_muted"].format(count=summary["muted"]))
        return (" " if self.lang == "en" else "").join(sentences)

    def changes(self, changes: Mapping[str, Any] | None, previous_at: str | None,
                error: str | None) -> dict[str, Any]:
        t = self.labels
        if error:
            return {"available": False, "note": t["changes_unusable"].format(error=error)}
        if changes is None:
            return {"available": False, "note": t["changes_none"]}
        groups = []
        for key in ("new", "resolved", "persisting"):
            groups.append({"key": key, "title": t[f"changes_{key}"],
                           "findings": [self.finding(i, f) for i, f in enumerate(changes[key])]})
        changed = [{**self.finding(i, c["finding"]), "from": _badge(_severity({"severity": c["from"]}), t),
                    "to": _badge(_severity({"severity": c["to"]}), t)}
                   for i, c in enumerate(changes["severity_changed"])]
        return {"available": True, "intro": t["changes_intro"].format(previous=previous_at or t["dash"]),
                "groups": groups, "severity_changed": changed, "title_severity": t["changes_severity"],
                "empty": not changed and not any(g["findings"] for g in groups)}

    def collection(self, coll: Mapping[str, Any]) -> dict[str, Any]:
        t = self.labels
        status = coll["cluster_status"]
        rows = [
            (t["coll_version"], coll["collection_version"]),
            (t["coll_created_at"], coll["created_at"]),
            (t["env_collector"], coll["collector_host"]),
            (t["env_transport"], coll["transport"]),
            (t["env_deployment"], coll["deployment"]),
            (t["coll_user"], coll["user"]),
            (t["coll_status"], t.get(f"status_{status}", status) if status else None),
        ]
        timings = coll["timings"]
        return {
            "note": None if coll["manifest_found"] else t["coll_missing"],
            "rows": [{"label": label, "value": clean_text(value) if value else t["dash"]} for label, value in rows],
            "timings": [{"label": t[f"coll_timing_{key}"], "value": fmt_seconds(timings[f"{key}_s"], t)}
                        for key in ("cluster", "nodes", "total")],
            "errors": [{"source": clean_text(e["source"]), "message": clean_text(e["message"])}
                       for e in coll["errors"]],
            "failed_commands": [{"command": clean_text(c["command"]),
                                 "error": clean_text(c["error"] or (f"rc={c['rc']}" if c["rc"] is not None
                                                                    else t["dash"])),
                                 "duration": fmt_seconds(c["duration_s"], t)} for c in coll["failed_commands"]],
            "unreachable": [{"host": clean_text(h["host"]), "error": clean_text(h["error"] or t["dash"])}
                            for h in coll["unreachable_hosts"]],
        }

    def cover(self, document: Mapping[str, Any]) -> dict[str, Any]:
        t, cover, env = self.labels, document["cover"], document["environment"]
        cluster = cover["cluster_label"] or " ".join(
            part for part in (env["cluster_name"], f"({env['fsid']})" if env["fsid"] else None) if part)
        rows = [("cover_customer", cover["customer"]), ("cover_cluster", cluster),
                ("cover_event", cover["event_name"]), ("cover_engineer", cover["engineer"]),
                ("cover_duty_window", cover["duty_window"]), ("cover_generated_at", document["generated_at"])]
        return {"rows": [{"label": t[key], "value": clean_text(value) if value else t["dash"]} for key, value in rows],
                "cluster": clean_text(cluster) if cluster else t["dash"]}

    def junit(self, document: Mapping[str, Any], views: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        findings = document["findings"]
        cases = []
        for finding, view in zip(findings, views):
            status = ("skipped" if view["muted"] else "failure" if view["severity"] in FAILING_LEVELS else "passed")
            body = "\n".join(part for part in (view["detail"], view["recommendation"]) if part)
            cases.append({"classname": f"{clean_text(finding.get('source') or 'unknown')}."
                                       f"{clean_text(finding.get('category') or 'unknown')}",
                          "name": view["id"], "status": status, "severity": view["severity"],
                          "message": view["title"], "text": body})
        env = document["environment"]
        return {
            "name": f"onsite.assurance.{clean_text(env['cluster_name'] or 'cluster')}",
            "tests": len(cases),
            "failures": sum(1 for c in cases if c["status"] == "failure"),
            "skipped": sum(1 for c in cases if c["status"] == "skipped"),
            "timestamp": clean_text(document["generated_at"]),
            "properties": [{"name": "verdict", "value": document["summary"]["verdict"]},
                           {"name": "worst_severity", "value": document["summary"]["worst_severity"]},
                           {"name": "fsid", "value": clean_text(env["fsid"] or "")}],
            "cases": cases,
        }


def _previous_findings(previous: Any) -> tuple[list[Mapping[str, Any]] | None, str | None, str | None]:
    """The findings of a previous report.json, its generation time, and why it cannot be used."""
    if not previous:
        return None, None, None
    if not isinstance(previous, Mapping):
        return None, None, "not a JSON object"
    if previous.get("schema") != SCHEMA:
        return None, None, f"schema is {previous.get('schema')!r}, expected {SCHEMA!r}"
    findings = previous.get("findings")
    if not isinstance(findings, list):
        return None, None, "it has no findings list"
    return [f for f in findings if isinstance(f, Mapping)], clean_text(str(previous.get("generated_at") or "")), None


def _check_inputs(snapshot: Any, findings: Any, lang: str, cover: Any, knowledge: Any) -> None:
    if not isinstance(snapshot, Mapping):
        raise ReportInputError(f"the snapshot must be a dict, got {type(snapshot).__name__}")
    if not isinstance(findings, list):
        raise ReportInputError(f"findings must be a list, got {type(findings).__name__}")
    if lang not in LANGS:
        raise ReportInputError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    if cover is not None and not isinstance(cover, Mapping):
        raise ReportInputError(f"cover must be a dict, got {type(cover).__name__}")
    if knowledge is not None and not isinstance(knowledge, list):
        raise ReportInputError(f"knowledge must be a list, got {type(knowledge).__name__}")


def _serializable(value: Any) -> Any:
    """A plain JSON copy (tagged or foreign types turned into plain ones)."""
    return json.loads(json.dumps(value, default=str))


def build_document(snapshot: Mapping[str, Any], findings: Iterable[Any], *, lang: str = "en",
                   cover: Mapping[str, Any] | None = None, previous: Any = None,
                   generated_at: str = "", knowledge: Any = None) -> tuple[dict[str, Any], str | None]:
    """The report.json document, and why the previous report could not be used (or None)."""
    ordered = [dict(f) for f in severity.sort_findings(_serializable([f for f in findings
                                                                      if isinstance(f, Mapping)]))]
    previous_findings, previous_at, previous_error = _previous_findings(previous)
    changes = None
    if previous_findings is not None:
        changes = {"previous_generated_at": previous_at, **severity.diff(previous_findings, ordered)}
    extra = [{"source": "report", "message": f"previous report ignored: {previous_error}"}] if previous_error else []
    cover_in = _dict(cover)
    document = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generated_at": str(generated_at or ""),
        "lang": lang,
        "cover": {key: str(cover_in.get(key) or "") for key in COVER_KEYS},
        "environment": report_env.environment(snapshot),
        "summary": severity.summarize(ordered),
        "findings": ordered,
        "knowledge": knowledge_notes(ordered, knowledge),
        "changes": changes,
        "collection": report_env.collection(snapshot, extra),
    }
    return _serializable(document), previous_error


def _toc(table: Mapping[str, str], has_changes: bool) -> list[dict[str, str]]:
    keys = ["summary", "environment", "health", "optimization", "fixes", "knowledge"]
    keys += (["changes"] if has_changes else []) + ["collection", "appendix"]
    return [{"anchor": f"sec-{key}", "number": str(n), "title": table[f"sec_{key}"]}
            for n, key in enumerate(keys, start=1)]


def knowledge_notes(findings: Sequence[Mapping[str, Any]], given: Any = None) -> list[dict[str, Any]]:
    """Knowledge notes (知识传授), language-neutral: ``given`` notes (the shape of ``assess.knowledge``:
    ``code``, ``title``, ``knowledge``, ``runbook``, ``findings``) when there are any, else one note per
    finding code whose non-ok findings carry a ``knowledge`` text (the first such finding names it)."""
    if isinstance(given, list) and given:
        notes = [dict(n) for n in given if isinstance(n, Mapping) and n.get("knowledge")]
        return sorted(notes, key=lambda n: str(n.get("code", "")))
    derived: dict[str, dict[str, Any]] = {}
    for finding in findings:
        if finding.get("severity") == "ok" or not finding.get("knowledge"):
            continue
        code = str(finding.get("code") or "")
        note = derived.setdefault(code, {"code": code, "title": finding.get("title"),
                                         "knowledge": finding.get("knowledge"), "runbook": finding.get("runbook"),
                                         "findings": []})
        note["findings"].append(str(finding.get("id")))
    return [derived[code] for code in sorted(derived)]


def build(snapshot: Any, findings: Any, *, lang: str = "en", cover: Any = None, previous: Any = None,
          generated_at: str = "", knowledge: Any = None) -> dict[str, Any]:
    """The whole report model (see docs/report.md)."""
    _check_inputs(snapshot, findings, lang, cover, knowledge)
    document, previous_error = build_document(snapshot, findings, lang=lang, cover=cover, previous=previous,
                                              generated_at=generated_at, knowledge=knowledge)
    view = _View(lang)
    table = view.labels
    views = [view.finding(i, f) for i, f in enumerate(document["findings"])]
    summary = document["summary"]
    toc = _toc(table, document["changes"] is not None or previous_error is not None)
    changes_view = view.changes(document["changes"], (document["changes"] or {}).get("previous_generated_at"),
                                previous_error)
    return {
        "document": document,
        "document_json": json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        "lang": lang,
        "html_lang": "zh-CN" if lang == "zh_CN" else "en",
        "labels": table,
        "severity_styles": [{"level": level, "color": color, "ink": ink, "text": text}
                            for level, (color, ink, text) in SEVERITY_STYLE.items()],
        "cover": view.cover(document),
        "verdict": {**_badge(_severity({"severity": summary["worst_severity"]}), table), "code": summary["verdict"],
                    "label": table[f"verdict_{summary['verdict']}"]},
        "toc": toc,
        "numbers": {item["anchor"][len("sec-"):]: item["number"] for item in toc},
        "summary": {
            "levels": view.levels(summary),
            "total": summary["total"],
            "muted": summary["muted"],
            "paragraph": view.paragraph(document, views),
            "top": [v for v in views if v["severity"] != "ok" and not v["muted"]][:TOP_FINDINGS],
            "chart": view.findings_chart(summary),
        },
        "environment": report_envview.environment_view(document["environment"], table, lang),
        "health_groups": [{**_badge(level, table), "findings": [v for v in views if v["severity"] == level]}
                          for level in reversed(severity.LEVELS) if any(v["severity"] == level for v in views)],
        "optimization": [v for v in views if v["severity"] == "advisory"],
        "fixes": [v for v in views if v["severity"] in FIX_LEVELS],
        "knowledge": view.knowledge(document["knowledge"]),
        "changes": changes_view,
        "collection": view.collection(document["collection"]),
        "appendix": [v for v in views if v["has_evidence"]],
        "junit": view.junit(document, views),
    }
