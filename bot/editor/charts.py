"""Small SVG charts drawn on the server: no chart library, nothing fetched by the browser.

Each chart is an ``<svg role="img">`` with a title and a description; the page shows the
same numbers in a table next to it, for screen readers and for copying.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Colours with at least 3:1 contrast against white (WCAG 1.4.11, graphical objects).
COLOURS = {"answer": "#1a7f37", "clarify": "#9a6700", "fallback": "#b42318"}
UP, DOWN = "#1a7f37", "#b42318"
TEXT = "#1f2328"


@dataclass(frozen=True)
class Series:
    key: str  # colour key
    label: str
    values: tuple[int, ...]


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: str) -> Markup:
    # Every text inside went through escape() above; the rest is our own markup.
    return Markup(  # noqa: S704
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>{body}</svg>'
    )


def stacked_days(
    chart_id: str, title: str, days: Sequence[str], series: Sequence[Series]
) -> Markup:
    """Vertical bars per day, each stacked from the series (e.g. per decision)."""
    width, height, left, bottom, top = 640, 220, 36, 28, 10
    totals = [sum(s.values[i] for s in series) for i in range(len(days))]
    peak = max(totals, default=0) or 1
    step = (width - left - 4) / max(1, len(days))
    bar = max(2.0, step * 0.7)
    scale = (height - bottom - top) / peak
    parts = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        f'stroke="{TEXT}"/>',
        f'<text x="{left - 6}" y="{top + 8}" text-anchor="end" font-size="11" '
        f'fill="{TEXT}">{peak}</text>',
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end" font-size="11" '
        f'fill="{TEXT}">0</text>',
    ]
    for index, day in enumerate(days):
        x = left + index * step + (step - bar) / 2
        y = float(height - bottom)
        for item in series:
            value = item.values[index]
            if not value:
                continue
            h = value * scale
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS.get(item.key, TEXT)}"><title>{escape(day)}: '
                f"{escape(item.label)} {value}</title></rect>"
            )
        if index % max(1, len(days) // 6) == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                f'font-size="11" fill="{TEXT}">{escape(day[5:])}</text>'
            )
    total = sum(totals)
    desc = f"{total} vragen over {len(days)} dagen; " + ", ".join(
        f"{s.label}: {sum(s.values)}" for s in series
    )
    return _svg(chart_id, title, desc, width, height, "".join(parts))


def bars(
    chart_id: str, title: str, rows: Sequence[tuple[str, Sequence[tuple[str, int]]]]
) -> Markup:
    """Horizontal bars, one row per label, each split into coloured parts (key, value)."""
    label_width, width, row_height = 200, 640, 26
    height = max(1, len(rows)) * row_height + 8
    peak = max((sum(v for _k, v in parts) for _label, parts in rows), default=0) or 1
    scale = (width - label_width - 50) / peak
    out = []
    for index, (label, parts) in enumerate(rows):
        y = 4 + index * row_height
        short = label if len(label) <= 26 else label[:25].rstrip() + "…"
        out.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" font-size="12" '
            f'fill="{TEXT}">{escape(short)}</text>'
        )
        x = float(label_width)
        for key, value in parts:
            if not value:
                continue
            w = value * scale
            colour = {"up": UP, "down": DOWN}.get(key, COLOURS.get(key, TEXT))
            out.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_height - 8}" '
                f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>'
            )
            x += w
        shown = " / ".join(str(v) for _k, v in parts)  # 👍 / 👎 reads as "6 / 3"
        out.append(
            f'<text x="{x + 6:.1f}" y="{y + 16}" font-size="12" fill="{TEXT}">{shown}</text>'
        )
    desc = (
        "; ".join(f"{label}: " + ", ".join(str(v) for _k, v in parts) for label, parts in rows)
        or "geen gegevens"
    )
    return _svg(chart_id, title, desc, width, height, "".join(out))
