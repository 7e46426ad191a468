"""The dashboard's charts, drawn on the server as SVG: no script, nothing to vendor, and
they print. Series differ by pattern as well as colour (hatching, dots, solid), every
bar carries its number, and the page puts a table of the same numbers beside each
chart, so no figure depends on colour alone."""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# (fill colour, pattern): distinct in greyscale too.
SERIES_STYLES = [
    ("#1d4f91", "solid"),
    ("#c0392b", "hatch"),
    ("#2e7d32", "dots"),
    ("#8e6c00", "cross"),
    ("#5f5f5f", "lines"),
]


def _n(value: float) -> str:
    return f"{value:.1f}"


def _patterns(prefix: str) -> SafeString:
    parts = []
    for n, (colour, pattern) in enumerate(SERIES_STYLES):
        pid = f"{prefix}-p{n}"
        if pattern == "solid":
            inner = format_html('<rect width="6" height="6" fill="{}"/>', colour)
        elif pattern == "hatch":
            inner = format_html(
                '<rect width="6" height="6" fill="#fff"/><path d="M0,6 L6,0" stroke="{}" '
                'stroke-width="2"/>',
                colour,
            )
        elif pattern == "dots":
            inner = format_html(
                '<rect width="6" height="6" fill="#fff"/><circle cx="3" cy="3" r="1.6" fill="{}"/>',
                colour,
            )
        elif pattern == "cross":
            inner = format_html(
                '<rect width="6" height="6" fill="#fff"/><path d="M0,0 L6,6 M6,0 L0,6" '
                'stroke="{}" stroke-width="1.2"/>',
                colour,
            )
        else:
            inner = format_html(
                '<rect width="6" height="6" fill="#fff"/><path d="M0,3 L6,3" stroke="{}" '
                'stroke-width="2"/>',
                colour,
            )
        parts.append(
            format_html(
                '<pattern id="{}" width="6" height="6" patternUnits="userSpaceOnUse">{}</pattern>',
                pid,
                inner,
            )
        )
    return mark_safe("<defs>" + "".join(parts) + "</defs>")  # noqa: S308 (built by format_html)


def _svg(chart_id: str, title: str, width: int, height: int, parts: list[SafeString]) -> SafeString:
    """A chart scaled to its container, named for screen readers by its <title>."""
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {w} {h}" '
        'width="100%" preserveAspectRatio="xMinYMin meet"><title id="{id}-title">{title}'
        "</title>{defs}{parts}</svg>",
        id=chart_id,
        w=width,
        h=height,
        title=title,
        defs=_patterns(chart_id),
        parts=mark_safe("".join(parts)),  # noqa: S308 (each part built by format_html)
    )


def horizontal_bars(chart_id: str, title: str, rows: Sequence[tuple[str, int]]) -> SafeString:
    """One bar per row: its label as text (it wraps on a phone and keeps its size, which
    text inside a scaled SVG would not), the bar drawn to scale, and its number."""
    top = max((value for _, value in rows), default=0) or 1
    bars = format_html_join(
        "",
        '<span class="hbar-label">{}</span>'
        '<svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" '
        'focusable="false"><rect width="{}" height="10" fill="url(#{}-p0)" stroke="#1d4f91" '
        'stroke-width="0.5" vector-effect="non-scaling-stroke"/></svg>'
        '<span class="hbar-value">{}</span>',
        ((label, _n(100 * value / top), chart_id, value) for label, value in rows),
    )
    # The patterns' <defs> live in a hidden SVG of their own; the bars refer to them.
    return format_html(
        '<div class="chart" id="{}" role="img" aria-label="{}">'
        '<svg class="chart-defs" aria-hidden="true" focusable="false">{}</svg>'
        '<div class="hbars">{}</div></div>',
        chart_id,
        title,
        _patterns(chart_id),
        bars,
    )


def stacked_columns(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> SafeString:
    """One column per category, stacked by series, the total above each column and a
    legend whose swatches carry the series' patterns."""
    width, height, left, bottom, top_margin = 760, 270, 36, 22, 18
    plot_h = height - bottom - top_margin
    column = (width - left - 10) / max(len(categories), 1)
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    peak = max(totals, default=0) or 1
    parts = []
    for i, category in enumerate(categories):
        x = left + i * column + column * 0.15
        y = float(top_margin + plot_h)
        for s, (_, values) in enumerate(series):
            h = plot_h * values[i] / peak
            if h:
                y -= h
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" '
                        'fill="url(#{}-p{})" stroke="{}" stroke-width="0.6"/>',
                        _n(x),
                        _n(y),
                        _n(column * 0.7),
                        _n(h),
                        chart_id,
                        s % len(SERIES_STYLES),
                        SERIES_STYLES[s % len(SERIES_STYLES)][0],
                    )
                )
        if totals[i]:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>',
                    _n(x + column * 0.35),
                    _n(y - 3),
                    totals[i],
                )
            )
        if i % 4 == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>',
                    _n(x + column * 0.35),
                    top_margin + plot_h + 14,
                    category,
                )
            )
    legend = format_html_join(
        "",
        '<li><svg viewBox="0 0 14 14" aria-hidden="true" focusable="false"><rect width="14" '
        'height="14" fill="url(#{}-p{})" stroke="{}"/></svg>{}</li>',
        (
            (
                chart_id,
                s % len(SERIES_STYLES),
                SERIES_STYLES[s % len(SERIES_STYLES)][0],
                name,
            )
            for s, (name, _) in enumerate(series)
        ),
    )
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/>',
        left,
        top_margin + plot_h,
        width - 10,
        top_margin + plot_h,
    )
    # The legend is text under the chart: it wraps on a phone.
    return format_html(
        '<div class="chart-scroll">{}</div><ul class="chart-legend">{}</ul>',
        _svg(chart_id, title, width, height, [axis, *parts]),
        legend,
    )
