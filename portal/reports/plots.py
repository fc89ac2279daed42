"""The figures as SVG, drawn on the server, inline in the page.

The portal's Content-Security-Policy allows no inline script and no inline style (``script-src
'self'; style-src 'self'``), and a staff page loads nothing from another host: the SVG here has
no script, no ``<style>`` and no ``style`` attribute, and the portal's stylesheet colours it
through class names (``.color-0`` ...; static/css/reports.css). The SVG is a picture
(``role="img"`` with a label); the page gives the same numbers in a table beside it for anyone
who cannot see it (WCAG 2.1 1.1.1).

Two kinds of plot are drawn, bars stacked per month and bars side by side per request type, so
they are written out here as rectangles and text: pygal drew them before, in 70-250 ms for the
three plots of a page and with 2 MB of modules in every web worker (issue 14: the dashboard
under 100 ms, at most 80 MB per worker); these take well under a millisecond.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

# The size the portal's stylesheet draws the labels in: room is left for labels by it.
LABEL_PX = 13
WIDTH = 720
HEIGHT = 360
MARGIN = 12


def _whole_number_labels(largest: float) -> list[int]:
    """At most six whole-number steps: a count of requests has no fractions."""
    if largest <= 0:
        return [0, 1]
    step = max(1, math.ceil(largest / 5))
    return list(range(0, math.ceil(largest / step) * step + step, step))


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _text_width(text: str) -> float:
    """About how wide a label is drawn: an average glyph is a little over half its size."""
    return len(text) * LABEL_PX * 0.6


def _svg(label: str, width: int, height: int, body: list[str]) -> Markup:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" '
        'focusable="false" class="plot-svg">',
        f'<rect class="background" width="{width}" height="{height}"/>',
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def legend(names: list[str]) -> Markup:
    """The series' colours and names under the plot. Hidden from screen readers: the plot's
    table names the same series as its columns."""
    items = "".join(
        f'<li><span class="swatch color-{i}"></span>{escape(name)}</li>'
        for i, name in enumerate(names)
    )
    return Markup(f'<ul class="plot-legend" aria-hidden="true">{items}</ul>')  # noqa: S704 - escaped


def stacked_bars(label: str, x_labels: list[str], series: dict[str, list[int]]) -> Markup | None:
    """Counts per month, one colour per series stacked in each month's bar; None when there is
    nothing to draw (the page says so, and its table shows the zeros)."""
    if not any(v for values in series.values() for v in values):
        return None
    totals = [sum(values) for values in zip(*series.values(), strict=True)] or [0]
    ticks = _whole_number_labels(max(totals))
    top = ticks[-1]
    left = MARGIN + max(_text_width(str(tick)) for tick in ticks) + 8
    right, upper, lower = WIDTH - MARGIN, MARGIN, HEIGHT - MARGIN - LABEL_PX - 8
    plot_width, plot_height = right - left, lower - upper

    def y(value: float) -> float:
        return lower - plot_height * value / top

    body = [
        f'<g class="plot"><rect class="background" x="{_number(left)}" y="{upper}" '
        f'width="{_number(plot_width)}" height="{plot_height}"/></g>',
        '<g class="axis y">',
    ]
    for tick in ticks:
        major = " major" if tick == 0 else ""
        body.append(
            f'<path class="guide line{major}" d="M{_number(left)} {_number(y(tick))}H{right}"/>'
            f'<text x="{_number(left - 6)}" y="{_number(y(tick) + LABEL_PX / 3)}">{tick}</text>'
        )
    body.append("</g>")
    slot = plot_width / max(len(x_labels), 1)
    bar = slot * 0.7
    body.append('<g class="axis x">')
    for i, name in enumerate(x_labels):
        centre = left + slot * (i + 0.5)
        body.append(
            f'<text x="{_number(centre)}" y="{_number(lower + LABEL_PX + 6)}">{escape(name)}</text>'
        )
    body.append("</g>")
    base = [0] * len(x_labels)
    for index, values in enumerate(series.values()):
        body.append(f'<g class="series color-{index}">')
        for i, value in enumerate(values):
            if value:
                x = left + slot * i + (slot - bar) / 2
                body.append(
                    f'<rect x="{_number(x)}" y="{_number(y(base[i] + value))}" '
                    f'width="{_number(bar)}" height="{_number(y(base[i]) - y(base[i] + value))}"/>'
                )
                base[i] += value
        body.append("</g>")
    return _svg(label, WIDTH, HEIGHT, body) + legend([str(name) for name in series])


def days_bars(label: str, names: list[str], series: dict[str, list[float | None]]) -> Markup | None:
    """Days per request type, one bar per statistic (median, 90th percentile); None when no
    request was answered."""
    if not names:
        return None
    largest = max((v for values in series.values() for v in values if v is not None), default=0)
    ticks = _whole_number_labels(largest)
    top = ticks[-1]
    height = max(160, 40 + 48 * len(names))
    left = MARGIN + min(max(_text_width(name) for name in names), WIDTH / 2) + 8
    right, upper, lower = WIDTH - MARGIN, MARGIN, height - MARGIN - LABEL_PX - 8
    plot_width, plot_height = right - left, lower - upper

    def x(value: float) -> float:
        return left + plot_width * value / top

    body = [
        f'<g class="plot"><rect class="background" x="{_number(left)}" y="{upper}" '
        f'width="{_number(plot_width)}" height="{plot_height}"/></g>',
        '<g class="axis x">',
    ]
    for tick in ticks:
        major = " major" if tick == 0 else ""
        body.append(
            f'<path class="guide line{major}" d="M{_number(x(tick))} {upper}V{lower}"/>'
            f'<text x="{_number(x(tick))}" y="{_number(lower + LABEL_PX + 6)}">{tick}</text>'
        )
    body.append("</g>")
    slot = plot_height / len(names)
    bar = slot * 0.7 / max(len(series), 1)
    body.append('<g class="axis y">')
    for i, name in enumerate(names):
        centre = upper + slot * (i + 0.5)
        body.append(
            f'<text x="{_number(left - 6)}" y="{_number(centre + LABEL_PX / 3)}">'
            f"{escape(name)}</text>"
        )
    body.append("</g>")
    for index, values in enumerate(series.values()):
        body.append(f'<g class="series color-{index}">')
        for i, value in enumerate(values):
            if value:
                y = upper + slot * i + slot * 0.15 + bar * index
                body.append(
                    f'<rect x="{_number(left)}" y="{_number(y)}" '
                    f'width="{_number(x(value) - left)}" height="{_number(bar)}"/>'
                )
        body.append("</g>")
    return _svg(label, WIDTH, height, body) + legend([str(name) for name in series])
