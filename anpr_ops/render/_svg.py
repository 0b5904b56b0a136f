"""Inline SVG charts for the HTML report: no script, no fonts, no network.

Each function returns one ``<svg>`` element with explicit ``width``, ``height`` and
``viewBox`` (so it has a size before any CSS applies, and scales down with
``max-width: 100%``), a ``<title>`` and ``<desc>`` for screen readers, a ``<title>`` on every
bar giving its exact figure, and the figures written beside the bars, so a printed chart
reads without colour. All text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Final

__all__ = ["PALETTE", "Series", "bars", "funnel", "stacked_bars", "stacked_columns"]

#: Okabe-Ito colours: told apart with the common colour-vision deficiencies.
PALETTE: Final = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")

WIDTH: Final = 720
_FONT: Final = 'font-family="system-ui, sans-serif" font-size="13"'

#: A named series of values, one per category.
Series = tuple[str, Sequence[int]]


def _open(chart_id: str, height: int, title: str, desc: str, width: int = WIDTH) -> list[str]:
    return [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" {_FONT}>',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def _empty(chart_id: str, title: str) -> str:
    parts = _open(chart_id, 60, title, "Nothing was recorded.")
    parts.append('<text x="8" y="36" fill="#555">Nothing recorded.</text>')
    return "\n".join([*parts, "</svg>"])


def _scale(value: int, largest: int, span: float) -> float:
    return 0.0 if largest <= 0 else span * value / largest


def _describe(items: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in items)


# Text widths at the charts' 13px font, generous enough for system-ui and DejaVu alike.
_DIGIT = 9  # a bold digit
_LETTER = 7.5  # an average letter


def funnel(
    chart_id: str, title: str, stages: Sequence[tuple[str, int]], *, width: int = WIDTH
) -> str:
    """Centred bars, widest first (hits → stops after a hit → …), each with its figure; the
    margins are as wide as the longest label and the largest figure, so neither is cut off."""
    if not any(value for _, value in stages):
        return _empty(chart_id, title)
    row, gap = 40, 10
    left = 14 + int(_LETTER * max(len(label) for label, _ in stages))
    right = 16 + _DIGIT * max(len(str(value)) for _, value in stages)
    span = width - left - right
    largest = max(value for _, value in stages)
    height = len(stages) * (row + gap) + gap
    parts = _open(chart_id, height, title, _describe(stages), width)
    for i, (label, value) in enumerate(stages):
        y = gap + i * (row + gap)
        bar = max(_scale(value, largest, span), 2.0 if value else 0.0)
        x = left + (span - bar) / 2
        colour = PALETTE[i % len(PALETTE)]
        parts += [
            f'<text x="{left - 10}" y="{y + row / 2 + 5:.1f}" text-anchor="end">'
            f"{escape(label)}</text>",
            f'<rect x="{x:.1f}" y="{y}" width="{bar:.1f}" height="{row}" rx="3" '
            f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>',
            f'<text x="{width - 6}" y="{y + row / 2 + 5:.1f}" text-anchor="end" '
            f'font-weight="bold">{value}</text>',
        ]
    return "\n".join([*parts, "</svg>"])


def bars(chart_id: str, title: str, items: Sequence[tuple[str, int]]) -> str:
    """Horizontal bars, one per item, with its figure at the end."""
    if not items:
        return _empty(chart_id, title)
    largest = max(value for _, value in items)
    row, gap, left, right = 24, 8, 280, 16 + _DIGIT * len(str(largest))
    span = WIDTH - left - right
    height = len(items) * (row + gap) + gap
    parts = _open(chart_id, height, title, _describe(items))
    for i, (label, value) in enumerate(items):
        y = gap + i * (row + gap)
        width = _scale(value, largest, span)
        parts += [
            f'<text x="{left - 10}" y="{y + row / 2 + 5:.1f}" text-anchor="end">'
            f"{escape(_short(label, 40))}<title>{escape(label)}</title></text>",
            f'<rect x="{left}" y="{y}" width="{width:.1f}" height="{row}" rx="2" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {value}</title></rect>',
            f'<text x="{left + width + 6:.1f}" y="{y + row / 2 + 5:.1f}">{value}</text>',
        ]
    return "\n".join([*parts, "</svg>"])


def _legend(series: Sequence[Series], y: int) -> list[str]:
    """A colour key for the series that have something to show (colours stay those of each
    series' position, so that every chart colours a series alike)."""
    parts, x = [], 8
    for i, (name, values) in enumerate(series):
        if not any(values):
            continue
        parts += [
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>',
            f'<text x="{x + 17}" y="{y + 11}">{escape(name)}</text>',
        ]
        x += 36 + 8 * len(name)  # room for the swatch, the label at ~8 px a letter, a gap
    return parts


def stacked_columns(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    ticks: Sequence[str],
    series: Sequence[Series],
    *,
    marks: Sequence[str] = (),
) -> str:
    """Vertical stacked columns, one per category (an hour or a day), a segment per series.

    ``ticks`` label the columns under the axis (short: ``09``), as many as fit without
    overlapping (every second, third, … column when they are narrow); ``marks`` (optional, one
    per column, mostly empty) are a second line under the ticks, always drawn (the date at the
    first hour of each day). ``categories`` are the full names used in each segment's tooltip.
    A column's total is written above it when the column is wide enough for the figure.
    """
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    if not any(totals):
        return _empty(chart_id, title)
    top, left, right, plot = 34, 10 + _DIGIT * len(str(max(totals))), 10, 200
    bottom = 46 if any(marks) else 30
    height = top + plot + bottom
    span = WIDTH - left - right
    step = span / len(categories)
    largest = max(totals)
    widest_tick = max((len(t) for t in ticks), default=1)
    every = max(1, math.ceil((_LETTER * widest_tick + 6) / step))
    described = [(c, t) for c, t in zip(categories, totals, strict=True) if t]
    parts = _open(chart_id, height, title, _describe(described))
    parts += _legend(series, 6)
    base = top + plot
    parts += [
        f'<line x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}" stroke="#333"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" fill="#555">{largest}</text>',
        f'<text x="{left - 6}" y="{base}" text-anchor="end" fill="#555">0</text>',
    ]
    for i, category in enumerate(categories):
        x = left + i * step + step * 0.12
        width = step * 0.76
        y = float(base)
        for j, (name, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            h = _scale(value, largest, plot)
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(category)}: {escape(name)} {value}</title></rect>"
            )
        if totals[i] and step >= _DIGIT * 0.7 * len(str(totals[i])) + 2:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                f'font-size="11">{totals[i]}</text>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{base + 18}" text-anchor="middle" '
                f'font-size="11">{escape(ticks[i])}</text>'
            )
        mark = marks[i] if i < len(marks) else ""
        if mark:
            parts.append(
                f'<text x="{x:.1f}" y="{base + 36}" font-size="11" font-weight="bold">'
                f"{escape(mark)}</text>"
            )
    return "\n".join([*parts, "</svg>"])


def stacked_bars(
    chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series]
) -> str:
    """Horizontal stacked bars, one per category (a site), a segment per series."""
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    if not any(totals):
        return _empty(chart_id, title)
    largest = max(totals)
    top, row, gap, left, right = 30, 24, 8, 170, 16 + _DIGIT * len(str(largest))
    span = WIDTH - left - right
    height = top + len(categories) * (row + gap) + gap
    described = list(zip(categories, totals, strict=True))
    parts = _open(chart_id, height, title, _describe(described))
    parts += _legend(series, 6)
    for i, category in enumerate(categories):
        y = top + gap + i * (row + gap)
        x = float(left)
        parts.append(
            f'<text x="{left - 10}" y="{y + row / 2 + 5:.1f}" text-anchor="end">'
            f"{escape(_short(category, 24))}<title>{escape(category)}</title></text>"
        )
        for j, (name, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            width = _scale(value, largest, span)
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{row}" '
                f'fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(category)}: {escape(name)} {value}</title></rect>"
            )
            x += width
        parts.append(f'<text x="{x + 6:.1f}" y="{y + row / 2 + 5:.1f}">{totals[i]}</text>')
    return "\n".join([*parts, "</svg>"])


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
