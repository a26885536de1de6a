"""SVG chart builders: valid XML, escaped text, bars within bounds, deterministic output."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.onsite.assurance.plugins.plugin_utils import report_svg
from ansible_collections.onsite.assurance.plugins.plugin_utils.report_svg import Bar, Legend, Mark, hbar_chart

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bar_rects(root: ET.Element) -> list[ET.Element]:
    """The filled bars (not the grey tracks) of a chart."""
    return [r for r in root.iter(f"{NS}rect") if r.get("fill") not in (report_svg.TRACK,) and r.get("height") == "14"]


def geometry(root: ET.Element) -> tuple[float, float]:
    width, height = [float(v) for v in root.get("viewBox").split()][2:]
    return width, height


def test_chart_is_valid_svg_with_title_and_one_row_per_bar() -> None:
    bars = [Bar(f"osd.{i}", 10.0 * i, "#3d7fc1", f"{10 * i}%") for i in range(6)]
    root = parse(hbar_chart(bars, title="OSD utilization", scale_max=100, ticks=(0, 50, 100)))
    assert root.tag == f"{NS}svg"
    assert root.find(f"{NS}title").text == "OSD utilization"
    assert root.get("role") == "img" and root.get("aria-label") == "OSD utilization"
    labels = [t.text for t in root.iter(f"{NS}text")]
    assert [f"osd.{i}" for i in range(6)] == [x for x in labels if x and x.startswith("osd.")]
    assert len(bar_rects(root)) == 5  # a zero value draws no bar


def test_hostile_text_is_escaped_everywhere() -> None:
    evil = '<script>alert("x")</script> & \' " \x00\x1b'
    svg = hbar_chart([Bar(evil, 5, '#fff" onload="x', evil)], title=evil, scale_max=10,
                     marks=[Mark(5, evil, "#000")], legend=[Legend(evil, "#111")])
    assert "<script" not in svg and 'onload="x' not in svg and "\x00" not in svg and "\x1b" not in svg
    root = parse(svg)  # parses: nothing broke out of its attribute or element
    assert root.find(f"{NS}title").text.startswith('<script>alert("x")</script> & \' "')


@pytest.mark.parametrize("value", [-5.0, 0.0, 42.0, 100.0, 250.0, math.nan, math.inf, -math.inf])
def test_bars_stay_inside_the_plot(value: float) -> None:
    root = parse(hbar_chart([Bar("x", value, "#123456", "t")], title="t", scale_max=100,
                            marks=[Mark(value, "m", "#000")]))
    width = geometry(root)[0]
    for rect in root.iter(f"{NS}rect"):
        x, w = float(rect.get("x")), float(rect.get("width"))
        assert 0 <= x and w >= 0 and x + w <= width - report_svg.VALUE_WIDTH + 0.01
    for line in root.iter(f"{NS}line"):
        assert 0 <= float(line.get("x1")) <= width


def test_bar_length_is_proportional() -> None:
    root = parse(hbar_chart([Bar("a", 25, "#111111", ""), Bar("b", 100, "#222222", "")], title="t", scale_max=100))
    quarter, full = (float(r.get("width")) for r in bar_rects(root))
    assert full == pytest.approx(4 * quarter, rel=0.01)


def test_zero_or_invalid_scale_does_not_divide_by_zero() -> None:
    for scale in (0, -1, math.nan):
        parse(hbar_chart([Bar("a", 3, "#111111", "3")], title="t", scale_max=scale))


def test_empty_chart_says_so() -> None:
    root = parse(hbar_chart([], title="PG states", scale_max=1, empty_message="no data"))
    assert [t.text for t in root.iter(f"{NS}text")] == ["no data"]


def test_output_is_deterministic_and_numbers_are_short() -> None:
    bars = [Bar("池-rbd", 84.9, "#3d7fc1", "84.9%"), Bar("backup-ec", 76.0, "#3d7fc1", "76.0%")]
    first = hbar_chart(bars, title="t", scale_max=100, ticks=(0, 25, 50, 75, 100), marks=[Mark(85, "n", "#000")])
    assert first == hbar_chart(list(bars), title="t", scale_max=100, ticks=(0, 25, 50, 75, 100),
                               marks=[Mark(85, "n", "#000")])
    assert not re.search(r'="-?\d+\.\d{2,}"', first)  # at most one decimal in coordinates


def test_long_and_wide_labels_are_fitted() -> None:
    assert report_svg.fit("short", 100) == "short"
    cut = report_svg.fit("a-very-long-pool-name-that-does-not-fit-anywhere", 80)
    assert cut.endswith("…") and report_svg.text_width(cut) <= 80
    assert report_svg.text_width("存储池") == 3 * report_svg.FONT_PX  # CJK characters are a full em wide
    root = parse(hbar_chart([Bar("x" * 300, 1, "#111111", "1")], title="t", scale_max=1))
    assert root.find(f"{NS}g/{NS}title").text.startswith("x" * 300)  # the full label stays in the tooltip


def test_clean_text_drops_control_characters_and_lone_surrogates() -> None:
    assert report_svg.clean_text("a\x00b\x07c\td\ne\ud800") == "abc\td\ne?"
