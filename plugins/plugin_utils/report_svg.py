# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SVG charts of the assurance report: pure functions, escaped text, deterministic output.

Charts are horizontal bar charts sized by a ``viewBox`` so that they scale to the page; text takes the
font of the surrounding HTML (``font-family: inherit``), so CJK labels render with the page's fonts.
"""

from __future__ import annotations

import math
import re
import unicodedata
from html import escape
from typing import Iterable, NamedTuple, Sequence

WIDTH = 680
ROW_HEIGHT = 22
BAR_HEIGHT = 14
FONT_PX = 12
VALUE_WIDTH = 92
MARK_ROW = 16
AXIS_ROW = 18
LEGEND_ROW = 20

GRID = "#d9dee5"
INK = "#1f2933"
MUTED_INK = "#5f6b7a"
TRACK = "#eef1f5"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Bar(NamedTuple):
    """One bar: its label, value (in the chart's scale), fill colour and the text printed after it."""

    label: str
    value: float
    color: str
    text: str


class Mark(NamedTuple):
    """A vertical reference line (e.g. the nearfull ratio) at ``value`` in the chart's scale."""

    value: float
    label: str
    color: str


class Legend(NamedTuple):
    """A legend entry: ``kind`` is ``box`` (a bar colour) or ``line`` (a mark)."""

    label: str
    color: str
    kind: str = "box"


def clean_text(value: object) -> str:
    """A string safe for XML 1.0 and UTF-8: control characters dropped, lone surrogates replaced."""
    text = value if isinstance(value, str) else str(value)
    return _CONTROL.sub("", text.encode("utf-8", "replace").decode("utf-8"))


def xml_escape(value: object) -> str:
    """Text escaped for XML content and attribute values."""
    return escape(clean_text(value), quote=True)


def text_width(text: str, font_px: float = FONT_PX) -> float:
    """Approximate rendered width: wide (CJK) characters take a full em, others about 0.6 em."""
    return sum(font_px if unicodedata.east_asian_width(ch) in "WF" else font_px * 0.6 for ch in text)


def fit(text: str, max_px: float, font_px: float = FONT_PX) -> str:
    """``text`` shortened with an ellipsis so that it fits in ``max_px``."""
    if text_width(text, font_px) <= max_px:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", font_px) > max_px:
            break
        out += ch
    return out + "…"


def _num(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing ``.0`` (stable text)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _finite(value: float) -> float:
    return value if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def _scale(value: float, scale_max: float, span: float) -> float:
    """Pixel length of ``value`` on a ``span``-pixel axis, clamped to the axis."""
    return min(max(_finite(value), 0.0), scale_max) / scale_max * span


def _text(x: float, y: float, content: str, *, anchor: str = "start", fill: str = INK,
          size: int = FONT_PX, weight: str = "normal") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" fill="{fill}" font-size="{size}" '
            f'font-weight="{weight}">{xml_escape(content)}</text>')


def _open_svg(height: float, title: str) -> str:
    safe = xml_escape(title)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {_num(height)}" '
            f'width="100%" role="img" aria-label="{safe}" font-family="inherit" '
            f'preserveAspectRatio="xMinYMin meet"><title>{safe}</title>')


def empty_chart(title: str, message: str) -> str:
    """A small chart that only says ``message`` (no data to draw)."""
    height = 40
    return (_open_svg(height, title)
            + f'<rect x="0" y="0" width="{WIDTH}" height="{height}" rx="4" fill="{TRACK}"/>'
            + _text(WIDTH / 2, 24, message, anchor="middle", fill=MUTED_INK) + "</svg>")


def _legend_items(items: Sequence[Legend], y: float) -> list[str]:
    parts: list[str] = []
    x = 0.0
    for item in items:
        if item.kind == "line":
            parts.append(f'<line x1="{_num(x)}" y1="{_num(y - 4)}" x2="{_num(x + 14)}" y2="{_num(y - 4)}" '
                         f'stroke="{item.color}" stroke-width="2" stroke-dasharray="4 2"/>')
        else:
            parts.append(f'<rect x="{_num(x)}" y="{_num(y - 10)}" width="12" height="12" rx="2" '
                         f'fill="{item.color}"/>')
        parts.append(_text(x + 18, y, item.label, fill=MUTED_INK, size=11))
        x += 18 + text_width(item.label, 11) + 18
    return parts


def hbar_chart(bars: Sequence[Bar], *, title: str, scale_max: float, ticks: Iterable[float] = (),
               tick_format: str = "{:g}", marks: Sequence[Mark] = (), legend: Sequence[Legend] = (),
               empty_message: str = "no data") -> str:
    """A horizontal bar chart: one row per bar, optional reference marks, axis ticks and legend."""
    if not bars:
        return empty_chart(title, empty_message)
    scale = scale_max if _finite(scale_max) > 0 else 1.0
    longest = max(text_width(row.label) for row in bars)
    label_w = min(max(longest + 8, 90.0), 200.0)
    x0, x1 = label_w + 8, WIDTH - VALUE_WIDTH
    span = x1 - x0
    top = MARK_ROW if marks else 4
    rows_h = len(bars) * ROW_HEIGHT
    height = top + rows_h + (AXIS_ROW if ticks else 4) + (LEGEND_ROW + 6 if legend else 0)
    parts = [_open_svg(height, title)]
    tick_list = [t for t in ticks if 0 <= _finite(t) <= scale]
    for tick in tick_list:
        x = x0 + _scale(tick, scale, span)
        parts.append(f'<line x1="{_num(x)}" y1="{_num(top)}" x2="{_num(x)}" y2="{_num(top + rows_h)}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(x, top + rows_h + 13, tick_format.format(tick), anchor="middle", fill=MUTED_INK,
                           size=10))
    for index, row in enumerate(bars):
        y = top + index * ROW_HEIGHT
        bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
        length = _scale(row.value, scale, span)
        parts.append(f'<g><title>{xml_escape(row.label)}: {xml_escape(row.text)}</title>')
        parts.append(_text(label_w, y + 15, fit(clean_text(row.label), label_w - 4), anchor="end"))
        parts.append(f'<rect x="{_num(x0)}" y="{_num(bar_y)}" width="{_num(span)}" height="{BAR_HEIGHT}" '
                     f'rx="2" fill="{TRACK}"/>')
        if length > 0:
            parts.append(f'<rect x="{_num(x0)}" y="{_num(bar_y)}" width="{_num(max(length, 1.5))}" '
                         f'height="{BAR_HEIGHT}" rx="2" fill="{xml_escape(row.color)}"/>')
        parts.append(_text(x1 + 6, y + 15, row.text, fill=INK) + "</g>")
    for index, mark in enumerate(marks):
        x = x0 + _scale(mark.value, scale, span)
        color = xml_escape(mark.color)
        parts.append(f'<line x1="{_num(x)}" y1="{_num(top - 2)}" x2="{_num(x)}" y2="{_num(top + rows_h)}" '
                     f'stroke="{color}" stroke-width="1.5" stroke-dasharray="4 2"/>')
        # neighbouring marks (nearfull, full) sit close: the first label goes left of its line, others right
        first = index == 0 and len(marks) > 1
        parts.append(_text(x - 3 if first else x + 3, top - 5, mark.label, anchor="end" if first else "start",
                           fill=color, size=10))
    if legend:
        parts.extend(_legend_items(legend, height - 6))
    parts.append("</svg>")
    return "".join(parts)
