"""The figures as SVG, drawn on the server by pygal (LGPL-3.0, maintained), inline in the page.

The portal's Content-Security-Policy allows no inline script and no inline style (``script-src
'self'; style-src 'self'``), and a staff page loads nothing from another host. pygal's SVG
carries a ``<style>`` element, a ``<script>`` with its configuration, a tooltip with a ``style``
attribute and comments: all of that is removed here, and the plot is coloured by the portal's own
stylesheet through pygal's class names (``.color-0`` ...). The SVG is a picture
(``role="img"`` with a label); the page gives the same numbers in a table beside it for anyone
who cannot see it (WCAG 2.1 1.1.1).
"""

from __future__ import annotations

import math
import sys
from xml.etree import ElementTree

import pygal
from markupsafe import Markup, escape
from pygal.style import Style

# The sizes the portal's stylesheet draws the labels in: pygal leaves room for labels by these.
LABEL_PX = 13
STYLE = Style(
    font_family="sans-serif",
    label_font_size=LABEL_PX,
    major_label_font_size=LABEL_PX,
    legend_font_size=14,
)

# pygal puts a finder for its map plugins (unused here) on sys.meta_path without find_spec: on
# Python 3.11 every import that reaches it then raises ImportWarning — the lookup of a charset's
# codec by name among them, so an incoming message in an unknown charset failed to be read.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ != pygal.__name__]

SVG = "{http://www.w3.org/2000/svg}"
# Removed from pygal's output: nothing here may run, style inline, or reach another host.
_REMOVED = {"script", "style", "title", "desc"}


def _config(**overrides) -> dict:
    return {
        "js": [],
        "css": [],
        "no_prefix": True,
        "disable_xml_declaration": True,
        "show_y_guides": True,
        # The legend is HTML under the plot (see legend()): it wraps on a phone, pygal's does not.
        "show_legend": False,
        "style": STYLE,
        "width": 720,
        "height": 360,
        "margin": 12,
        "spacing": 8,
        "truncate_legend": -1,
        "truncate_label": -1,
        **overrides,
    }


def _whole_number_labels(largest: float) -> list[int]:
    """At most six whole-number steps: a count of requests has no fractions."""
    if largest <= 0:
        return [0, 1]
    step = max(1, math.ceil(largest / 5))
    return list(range(0, math.ceil(largest / step) * step + step, step))


def _clean(chart, label: str) -> Markup:
    root = chart.render_tree()
    ElementTree.register_namespace("", SVG.strip("{}"))
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag if isinstance(child.tag, str) else ""
            local = tag.removeprefix(SVG)
            if (
                not isinstance(child.tag, str)  # comments
                or local in _REMOVED
                or "tooltip-overlay" in child.get("class", "").split()
            ):
                parent.remove(child)
            else:
                child.attrib.pop("style", None)
                child.attrib.pop("id", None)
    for name in ("id", "style"):
        root.attrib.pop(name, None)
    root.set("role", "img")
    root.set("aria-label", str(label))
    root.set("focusable", "false")
    root.set("class", "plot-svg")
    # ElementTree escapes every text and attribute it writes.
    svg = ElementTree.tostring(root, encoding="unicode", short_empty_elements=True)
    return Markup(svg)  # noqa: S704 - ElementTree escaped every text and attribute


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
    chart = pygal.StackedBar(**_config(y_labels=_whole_number_labels(max(totals))))
    chart.x_labels = x_labels
    for name, values in series.items():
        chart.add(str(name), [v or None for v in values])
    return _clean(chart, label) + legend([str(name) for name in series])


def days_bars(label: str, names: list[str], series: dict[str, list[float | None]]) -> Markup | None:
    """Days per request type, one bar per statistic (median, 90th percentile); None when no
    request was answered."""
    if not names:
        return None
    largest = max((v for values in series.values() for v in values if v is not None), default=0)
    chart = pygal.HorizontalBar(
        **_config(
            y_labels=_whole_number_labels(largest),
            height=max(160, 40 + 48 * len(names)),
        )
    )
    chart.x_labels = names
    for name, values in series.items():
        chart.add(str(name), values)
    return _clean(chart, label) + legend([str(name) for name in series])
