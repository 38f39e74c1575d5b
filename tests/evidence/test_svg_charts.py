"""SVG chart helpers: valid XML, the right shapes, and clear errors for inconsistent input."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from distillguard.evidence.svg_charts import (
    AreaSeries,
    TimeMark,
    bar_svg,
    log_histogram_svg,
    stacked_area_svg,
)

NS = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 3, 2, tzinfo=UTC)
HOUR = timedelta(hours=1)


def tags(svg: str, name: str) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter(f"{NS}{name}"))


def test_stacked_area_layers_and_marks_in_range() -> None:
    starts = [T0 + HOUR * i for i in range(6)]
    svg = stacked_area_svg(
        starts,
        HOUR,
        [AreaSeries("a&b", "#111", [1, 2, 3, 4, 5, 6]), AreaSeries("c", "#222", [0] * 6)],
        [
            TimeMark(T0 + HOUR * 2, "flag <x>", "#111", "flag"),
            TimeMark(T0 - HOUR, "too early", "#222", "release"),
        ],
        "requests per hour",
    )
    titles = [t.text for t in tags(svg, "title")]
    assert titles == ["a&b: 21 in total", "c: 0 in total", "flag <x>"]
    assert [p.get("fill") for p in tags(svg, "path") if p.get("fill-opacity")] == ["#111", "#222"]


def test_single_bucket_spans_the_chart() -> None:
    svg = stacked_area_svg([T0], HOUR, [AreaSeries("a", "#111", [5])], [], "n")
    area = next(p for p in tags(svg, "path") if p.get("fill-opacity"))
    xs = {float(pt.split(",")[0]) for pt in area.get("d", "").strip("MZ").split("L")}
    assert min(xs) == 72.0 and max(xs) == 940.0


def test_histogram_skips_empty_bins_and_draws_decades() -> None:
    svg = log_histogram_svg([0, 0.5, 0.75, 1.0], [0, 5, 500], 0.7, "risk", "accounts")
    bars = tags(svg, "rect")
    assert [b.findtext(f"{NS}title") for b in bars] == ["0.5–0.75: 5", "0.75–1: 500"]
    labels = {t.text for t in tags(svg, "text")}
    assert {"1", "10", "100", "1,000", "threshold 0.7"} <= labels
    assert float(bars[1].get("height", "0")) > float(bars[0].get("height", "0"))


def test_bars_scale_with_values() -> None:
    svg = bar_svg(["allow", "block"], [100, 25], ["#0a0", "#a00"])
    widths = [float(r.get("width", "0")) for r in tags(svg, "rect")]
    assert widths[0] == pytest.approx(4 * widths[1])


def test_inconsistent_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one time bucket"):
        stacked_area_svg([], HOUR, [], [], "n")
    with pytest.raises(ValueError, match="one value per time bucket"):
        stacked_area_svg([T0], HOUR, [AreaSeries("a", "#111", [1, 2])], [], "n")
    with pytest.raises(ValueError, match="one more edge"):
        log_histogram_svg([0, 1], [1, 2], None, "x", "y")
    with pytest.raises(ValueError, match="one label, value and colour"):
        bar_svg(["a"], [1, 2], ["#000"])
