"""Server-side SVG charts (no chart library, no script): the geometry of the trend chart, drawn by a template.

Every chart has a data table beside it in the page; the SVG carries a title and description for screen readers.
"""
import math
from dataclasses import dataclass

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 44


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    provisional: bool


def nice_ceiling(value):
    """1, 2, 2.5, 5 × 10^k at or above value (at least 1; up to 20 a multiple of 4)."""
    if value <= 1:
        return 1
    if value <= 20:  # small counts: a multiple of 4, so the five ticks are whole numbers
        return 4 * math.ceil(value / 4)
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * exponent >= value:
            return int(step * exponent) if step * exponent >= 1 else step * exponent
    return int(10 * exponent)


def trend_chart(trend, *, width=WIDTH, height=HEIGHT):
    """Bars for the counts, a line (with dots) for the same period a year earlier, y ticks and sparse x labels."""
    points = trend.points
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    top = nice_ceiling(max([p.count for p in points] + [p.previous_year_count or 0 for p in points] + [1]))
    n = max(len(points), 1)
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.7)

    def y_of(value):
        return TOP + plot_h - (value / top) * plot_h

    bars, previous, labels = [], [], []
    every = max(1, math.ceil(n / 12))
    for i, p in enumerate(points):
        x = LEFT + i * slot + (slot - bar_w) / 2
        y = y_of(p.count)
        bars.append(Bar(round(x, 1), round(y, 1), round(bar_w, 1), round(TOP + plot_h - y, 1), p.label, p.count,
                        p.provisional))
        if p.previous_year_count is not None:
            previous.append((round(LEFT + i * slot + slot / 2, 1), round(y_of(p.previous_year_count), 1)))
        if i % every == 0:
            labels.append((round(LEFT + i * slot + slot / 2, 1), p.label))
    ticks = [(round(y_of(top * k / 4), 1), _tick(top * k / 4)) for k in range(5)]
    return {
        "width": width, "height": height, "left": LEFT, "right": width - RIGHT, "bottom": TOP + plot_h,
        "label_y": TOP + plot_h + 18, "legend_y": height - 6,
        "bars": bars, "previous_line": " ".join(f"{x},{y}" for x, y in previous), "previous_points": previous,
        "labels": labels, "ticks": ticks,
    }


def _tick(value):
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
