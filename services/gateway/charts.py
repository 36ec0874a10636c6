"""The board's charts, drawn on the server as inline SVG with pygal: no script, no web font, no CDN.

Each function returns an ``<svg>`` string (or None when there is nothing to draw), sized by its
viewBox so it scales to a phone or a village screen.
"""
from __future__ import annotations

import re

import pygal
from pygal.style import Style

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Micro Hei', sans-serif"  # local fonts only
STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#333", foreground_strong="#111",
    foreground_subtle="#999", font_family=FONT, label_font_family=FONT, major_label_font_family=FONT,
    value_font_family=FONT, value_label_font_family=FONT, title_font_family=FONT, legend_font_family=FONT,
    tooltip_font_family=FONT, colors=("#c0392b", "#d68910", "#1e8449", "#2471a3", "#7d3c98", "#566573"),
    title_font_size=20, label_font_size=17, major_label_font_size=17, legend_font_size=17, value_font_size=16,
    value_label_font_size=16)  # large: a phone shows the 480-unit drawing at about 340 px


def _config(kind, title: str, **extra):
    chart = kind(style=STYLE, title=title, js=[],  # no tooltip script from a CDN
                 disable_xml_declaration=True, width=480, height=300, print_values=True,
                 show_legend=extra.pop("show_legend", False), margin=12, **extra)
    return chart


def _svg(chart, css_class: str) -> str:
    # pygal inlines its tooltip config as a <script> even without the tooltip library: drop it.
    svg = re.sub(r"<script[\s\S]*?</script>", "", chart.render(is_unicode=True))
    return svg.replace("<svg ", f'<svg class="chart {css_class}" role="img" ', 1)


def participation(rows: list[dict]) -> str | None:
    """参与率 by hamlet, from the funding queue's rates (percent)."""
    if not rows:
        return None
    chart = _config(pygal.HorizontalBar, "各垸组参与率（%）", range=(0, 100), show_legend=False,
                    formatter=lambda v: f"{v:.0f}%")
    rows = rows[::-1]  # pygal draws the first bar at the bottom: the first place goes on top
    chart.x_labels = [r["hamlet"] for r in rows]
    chart.add("参与率", [round(r["rate"] * 100, 1) for r in rows])
    return _svg(chart, "chart-participation")


def funding_sources(totals: dict[str, float]) -> str | None:
    """Money raised by source: 上级 / 能人 / 群众 (yuan)."""
    if not any(totals.values()):
        return None
    chart = _config(pygal.Pie, "筹资来源（元）", show_legend=True, inner_radius=0.45,
                    formatter=lambda v: f"{v:,.0f}")
    for source, value in totals.items():
        chart.add(source, value)
    return _svg(chart, "chart-sources")


def ranking(rows: list[dict], title: str, value_key: str, label_key: str, css: str) -> str | None:
    if not rows:
        return None
    chart = _config(pygal.HorizontalBar, title, formatter=lambda v: f"{v:g}")
    top = rows[:10][::-1]  # the first place at the top
    chart.x_labels = [r[label_key] for r in top]
    chart.add(title, [r[value_key] for r in top])
    return _svg(chart, css)


def honour_roll(rows: list[dict]) -> str | None:
    if not rows:
        return None
    chart = _config(pygal.HorizontalBar, "捐资榜（元）", formatter=lambda v: f"{v:,.0f}")
    top = rows[:10][::-1]
    chart.x_labels = [r["name"] for r in top]
    chart.add("捐资", [r["value"] for r in top])
    return _svg(chart, "chart-donors")
