"""Charts as server-rendered SVG (issue 17's dashboards): no JavaScript, no CDN, nothing for the CSP to allow.

Colours are SVG presentation attributes (the Content-Security-Policy forbids inline styles, not attributes).
Every chart is an `<svg role="img">` with a title and a one-sentence description for screen readers, every
bar and point has a `<title>` (the browser shows it on hover), and the pages print the same figures in a table
next to the chart. All text is escaped here; the result is returned as markup for the templates.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

# Colour-blind-safe palette (Okabe-Ito), then greys.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#555555")
SALES = "#0072B2"
REFUNDS = "#D55E00"
AXIS = "#6b6b6b"
GRID = "#e3e0da"
TEXT = "#3a3a3a"


def _markup(svg: str) -> Any:
    from markupsafe import Markup

    return Markup(svg)  # noqa: S704 - every text inside was escaped by _e


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _nice_max(value: int) -> int:
    """A round top for the axis: 1, 2, 2.5 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return 10 * magnitude


def _frame(width: int, height: int, title: str, description: str, chart_id: str, body: list[str]) -> Any:
    return _markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'font-family="system-ui, sans-serif" font-size="11">'
        f'<title id="{chart_id}-t">{_e(title)}</title><desc id="{chart_id}-d">{_e(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def mirrored_bars(
    labels: Sequence[str],
    ups: Sequence[int],
    downs: Sequence[int],
    *,
    chart_id: str,
    title: str,
    description: str,
    up_name: str,
    down_name: str,
    value_text: Callable[[int], str],
    axis_text: Callable[[int], str] | None = None,
    tick_every: int = 15,
    width: int = 760,
    height: int = 240,
) -> Any:
    """One bar per label: `ups` above the axis (sales), `downs` below it (refunds), on one scale. `axis_text`
    (default `value_text`) writes the axis' figures, `value_text` the exact ones in the tooltips."""
    axis = axis_text or value_text
    left, right, top, bottom = 72, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    up_top = _nice_max(max(ups, default=0))
    down_top = _nice_max(max(downs)) if any(downs) else 0
    per_unit = plot_h / (up_top + down_top)  # one scale above and below the axis
    zero_y = top + up_top * per_unit
    step = plot_w / max(1, len(labels))
    bar_w = max(1.0, step * 0.72)
    body = [
        f'<line x1="{left}" y1="{top:.1f}" x2="{width - right}" y2="{top:.1f}" stroke="{GRID}"/>',
        f'<text x="{left - 6}" y="{top + 4:.1f}" text-anchor="end" fill="{TEXT}">{_e(axis(up_top))}</text>',
        f'<line x1="{left}" y1="{zero_y:.1f}" x2="{width - right}" y2="{zero_y:.1f}" stroke="{AXIS}"/>',
        f'<text x="{left - 6}" y="{zero_y + 4:.1f}" text-anchor="end" fill="{TEXT}">{_e(axis(0))}</text>',
    ]
    if down_top:
        low = top + plot_h
        body.append(f'<line x1="{left}" y1="{low:.1f}" x2="{width - right}" y2="{low:.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{low:.1f}" text-anchor="end" fill="{TEXT}">-{_e(axis(down_top))}</text>')
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar_w) / 2
        up, down = ups[i], downs[i]
        if up:
            h = max(1.0, up * per_unit)
            body.append(
                f'<rect class="bar-up" x="{x:.1f}" y="{zero_y - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{SALES}"><title>{_e(label)}: {_e(up_name)} {_e(value_text(up))}</title></rect>'
            )
        if down:
            h = max(1.0, down * per_unit)
            body.append(
                f'<rect class="bar-down" x="{x:.1f}" y="{zero_y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{REFUNDS}"><title>{_e(label)}: {_e(down_name)} {_e(value_text(down))}</title></rect>'
            )
        last = i == len(labels) - 1
        if (i % tick_every == 0 and len(labels) - 1 - i > tick_every // 2) or last:
            anchor = "end" if last else "middle"
            x_text = left + i * step + (step if last else step / 2)
            body.append(
                f'<text x="{x_text:.1f}" y="{height - 8}" text-anchor="{anchor}" fill="{TEXT}">{_e(label)}</text>'
            )
    return _frame(width, height, title, description, chart_id, body)


def lines(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    chart_id: str,
    title: str,
    description: str,
    value_text: Callable[[int], str],
    axis_text: Callable[[int], str] | None = None,
    tick_every: int = 3,
    width: int = 360,
    height: int = 190,
) -> Any:
    """One line per (name, values), a point per label; colours in the order of `series` (the page's legend
    uses `color(i)`)."""
    axis = axis_text or value_text
    left, right, top, bottom = 64, 10, 12, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    scale_top = _nice_max(max([v for _, values in series for v in values] + [0]))
    step = plot_w / max(1, len(labels) - 1)

    def xy(i: int, v: int) -> tuple[float, float]:
        return left + i * step, top + plot_h - v * plot_h / scale_top

    body = [
        f'<line x1="{left}" y1="{top}" x2="{width - right}" y2="{top}" stroke="{GRID}"/>',
        f'<line x1="{left}" y1="{top + plot_h / 2:.1f}" x2="{width - right}" y2="{top + plot_h / 2:.1f}" '
        f'stroke="{GRID}"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{AXIS}"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" fill="{TEXT}">{_e(axis(scale_top))}</text>',
        f'<text x="{left - 6}" y="{top + plot_h + 4}" text-anchor="end" fill="{TEXT}">{_e(axis(0))}</text>',
    ]
    for i, label in enumerate(labels):
        if i % tick_every == 0 or i == len(labels) - 1:
            x, _ = xy(i, 0)
            body.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="{TEXT}">{_e(label)}</text>')
    for n, (name, values) in enumerate(series):
        colour = color(n)
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        body.append(f'<polyline class="series" points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, v in enumerate(values):
            x, y = xy(i, v)
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{colour}">'
                f"<title>{_e(name)}, {_e(labels[i])}: {_e(value_text(v))}</title></circle>"
            )
    return _frame(width, height, title, description, chart_id, body)


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def swatch(index: int) -> Any:
    """A small square of a series' colour, for legends."""
    return _markup(
        f'<svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
        f'<rect width="12" height="12" rx="2" fill="{color(index)}"/></svg>'
    )
