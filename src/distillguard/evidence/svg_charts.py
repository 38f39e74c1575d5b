"""Static inline SVG charts for the evidence report.

Evidence files are opened in mail clients, document viewers and locked-down browsers that
block scripts, and get printed; plain SVG shows the same picture everywhere and keeps the
report a few hundred kilobytes. Hovering a shape shows its exact numbers (SVG ``<title>``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Literal

WIDTH = 960
_LEFT, _RIGHT, _TOP, _BOTTOM = 72, 20, 34, 46
_FONT = 'font-family="system-ui, sans-serif" font-size="12"'
_AXIS = "#444"
_GRID = "#ddd"
# Time-axis tick spacings, in hours, from which the first giving at most 8 ticks is used.
_TIME_STEPS_H = (1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720, 2160, 8760)


@dataclass(frozen=True)
class AreaSeries:
    """One stacked layer: a value per time bucket."""

    label: str
    color: str
    values: Sequence[float]


@dataclass(frozen=True)
class TimeMark:
    """A labelled instant: a model release (dashed line) or a first flag (marker on top)."""

    at: datetime
    label: str
    color: str
    kind: Literal["release", "flag"]


def stacked_area_svg(
    starts: Sequence[datetime],
    step: timedelta,
    series: Sequence[AreaSeries],
    marks: Sequence[TimeMark],
    y_label: str,
    height: int = 320,
) -> str:
    """Stack ``series`` over equal time buckets starting at ``starts``; draw ``marks`` in range."""
    if not starts:
        raise ValueError("a time chart needs at least one time bucket")
    if any(len(s.values) != len(starts) for s in series):
        raise ValueError("every series needs one value per time bucket")
    begin, end = starts[0], starts[-1] + step
    span = (end - begin).total_seconds()
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM

    def x(at: datetime) -> float:
        return _LEFT + (at - begin).total_seconds() / span * plot_w

    totals = [sum(s.values[i] for s in series) for i in range(len(starts))]
    y_ticks = _linear_ticks(max(totals, default=0.0))
    y_top = y_ticks[-1]

    def y(value: float) -> float:
        return _TOP + plot_h - value / y_top * plot_h

    # Values sit at bucket middles; the first and last are held flat to the chart edges.
    xs = [float(_LEFT), *(x(t + step / 2) for t in starts), float(_LEFT + plot_w)]
    parts = [_open(height), *_y_axis(y_ticks, y, height, y_label, lambda v: f"{v:,.0f}")]
    parts += _time_axis(begin, end, x, height)
    base = [0.0] * len(starts)
    for layer in series:
        upper = [b + v for b, v in zip(base, layer.values, strict=True)]
        top = [upper[0], *upper, upper[-1]]
        bottom = [base[0], *base, base[-1]]
        points = [(px, y(v)) for px, v in zip(xs, top, strict=True)]
        points += [(px, y(v)) for px, v in reversed(list(zip(xs, bottom, strict=True)))]
        total = sum(layer.values)
        parts.append(
            f'<path d="{_path(points)}" fill="{layer.color}" fill-opacity="0.85" stroke="none">'
            f"<title>{escape(layer.label)}: {total:,.0f} in total</title></path>"
        )
        base = upper
    for mark in marks:
        if begin <= mark.at <= end:
            parts.append(_mark(mark, x(mark.at), plot_h))
    parts.append("</svg>")
    return "".join(parts)


def log_histogram_svg(
    edges: Sequence[float],
    counts: Sequence[int],
    threshold: float | None,
    x_label: str,
    y_label: str,
    height: int = 300,
) -> str:
    """Bars of ``counts`` between ``edges`` on a log-scaled y axis, with a threshold line."""
    if len(edges) != len(counts) + 1 or len(counts) == 0:
        raise ValueError("a histogram needs one more edge than counts")
    low, high = edges[0], edges[-1]
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    decades = max(1, math.ceil(math.log10(max(max(counts), 1))))
    # The axis starts at 0.5 so that a bin holding a single account still shows a bar.
    floor = math.log10(0.5)

    def x(value: float) -> float:
        return _LEFT + (value - low) / (high - low) * plot_w

    def y(value: float) -> float:
        return _TOP + plot_h - (math.log10(value) - floor) / (decades - floor) * plot_h

    parts = [_open(height)]
    parts += _y_axis(
        [10.0**k for k in range(decades + 1)], y, height, y_label, lambda v: f"{v:,.0f}"
    )
    for tick in _linear_ticks(high - low):
        value = low + tick
        parts.append(_x_tick(x(value), height, f"{value:g}"))
    parts.append(_x_label(x_label, height))
    for left, right, n in zip(edges, edges[1:], counts, strict=False):
        if n <= 0:
            continue
        top = y(n)
        bar_w = max(x(right) - x(left) - 1, 1)
        parts.append(
            f'<rect x="{x(left) + 0.5:.1f}" y="{top:.1f}" width="{bar_w:.1f}"'
            f' height="{_TOP + plot_h - top:.1f}" fill="#4e79a7">'
            f"<title>{left:g}–{right:g}: {n:,}</title></rect>"
        )
    if threshold is not None and low <= threshold <= high:
        tx = x(threshold)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{_TOP}" y2="{_TOP + plot_h}" stroke="#d62728"'
            ' stroke-width="2" stroke-dasharray="6 3"/>'
            f'<text x="{tx + 4:.1f}" y="{_TOP + 12}" fill="#d62728" {_FONT}>'
            f"threshold {threshold:g}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_svg(labels: Sequence[str], values: Sequence[int], colors: Sequence[str]) -> str:
    """Horizontal bars with their value printed at the end."""
    if not len(labels) == len(values) == len(colors):
        raise ValueError("bars need one label, value and colour each")
    row = 28
    height = _TOP + row * len(labels) + 10
    label_w = 110
    plot_w = WIDTH - label_w - _RIGHT - 80
    top_value = max(max(values, default=0), 1)
    parts = [_open(height)]
    for i, (label, value, color) in enumerate(zip(labels, values, colors, strict=True)):
        y = _TOP + i * row
        width = value / top_value * plot_w
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" {_FONT}>{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{width:.1f}" height="{row - 8}"'
            f' fill="{color}">'
            f"<title>{escape(label)}: {value:,}</title></rect>"
            f'<text x="{label_w + width + 6:.1f}" y="{y + 17}" {_FONT}>{value:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img"'
        f' width="100%" preserveAspectRatio="xMinYMin meet">'
    )


def _linear_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1, 2 or 5 times a power of ten apart)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def _y_axis(
    ticks: Sequence[float],
    y: Callable[[float], float],
    height: int,
    label: str,
    fmt: Callable[[float], str],
) -> list[str]:
    parts = []
    for tick in ticks:
        py = y(tick)
        parts.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{py:.1f}" y2="{py:.1f}"'
            f' stroke="{_GRID}"/>'
            f'<text x="{_LEFT - 6}" y="{py + 4:.1f}" text-anchor="end" {_FONT}>{fmt(tick)}</text>'
        )
    middle = (_TOP + height - _BOTTOM) / 2
    parts.append(
        f'<text transform="rotate(-90)" x="{-middle:.1f}" y="14" text-anchor="middle" {_FONT}'
        f' fill="{_AXIS}">{escape(label)}</text>'
    )
    return parts


def _time_axis(
    begin: datetime, end: datetime, x: Callable[[datetime], float], height: int
) -> list[str]:
    span_h = (end - begin).total_seconds() / 3600
    step_h = next((s for s in _TIME_STEPS_H if span_h / s <= 8), _TIME_STEPS_H[-1])
    step = timedelta(hours=step_h)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    tick = epoch + step * math.ceil((begin - epoch) / step)
    fmt = "%Y-%m-%d" if step_h >= 24 else "%m-%d %H:%M"
    parts = []
    while tick <= end:
        parts.append(_x_tick(x(tick), height, tick.astimezone(UTC).strftime(fmt)))
        tick += step
    parts.append(_x_label("time (UTC)", height))
    return parts


def _x_tick(px: float, height: int, text: str) -> str:
    bottom = height - _BOTTOM
    # A label that would run past either edge of the picture is anchored inwards instead.
    half = len(text) * 3.5
    anchor = "start" if px - half < 0 else "end" if px + half > WIDTH else "middle"
    return (
        f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{bottom}" y2="{bottom + 5}" stroke="{_AXIS}"/>'
        f'<text x="{px:.1f}" y="{bottom + 18}" text-anchor="{anchor}" {_FONT}>{escape(text)}</text>'
    )


def _x_label(text: str, height: int) -> str:
    return (
        f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{height - _BOTTOM}" y2="{height - _BOTTOM}"'
        f' stroke="{_AXIS}"/><text x="{WIDTH - _RIGHT}" y="{height - 6}" text-anchor="end"'
        f' {_FONT} fill="{_AXIS}">{escape(text)}</text>'
    )


def _mark(mark: TimeMark, px: float, plot_h: int) -> str:
    title = f"<title>{escape(mark.label)}</title>"
    if mark.kind == "release":
        return (
            f'<g><line x1="{px:.1f}" x2="{px:.1f}" y1="{_TOP}" y2="{_TOP + plot_h}" stroke="#222"'
            f' stroke-width="1.5" stroke-dasharray="4 4"/><text x="{px + 3:.1f}" y="{_TOP + 10}"'
            f" {_FONT}>{escape(mark.label)}</text>{title}</g>"
        )
    return (
        f'<g><line x1="{px:.1f}" x2="{px:.1f}" y1="{_TOP}" y2="{_TOP + plot_h}"'
        f' stroke="{mark.color}" stroke-width="1" stroke-opacity="0.7"/>'
        f'<path d="M{px - 6:.1f},{_TOP - 10} L{px + 6:.1f},{_TOP - 10} L{px:.1f},{_TOP} Z"'
        f' fill="{mark.color}" stroke="#222" stroke-width="0.5"/>{title}</g>'
    )


def _path(points: Sequence[tuple[float, float]]) -> str:
    head, *rest = points
    return f"M{head[0]:.1f},{head[1]:.1f}" + "".join(f"L{px:.1f},{py:.1f}" for px, py in rest) + "Z"
