"""The public board 村务公开栏: results for residents, rendered as one plain HTML page."""
from __future__ import annotations

from html import escape


def render(notices: list[dict], unavailable: str | None = None) -> str:
    rows = "\n".join(
        f"<li><time>{escape(str(n['published_at'])[:16].replace('T', ' '))}</time> "
        f"<strong>{escape(n['headline'])}</strong> <small>{escape(n['cause_type'])}</small></li>"
        for n in notices) or "<li>暂无公示 nothing published yet</li>"
    note = f"<p class='warn'>{escape(unavailable)}</p>" if unavailable else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>共同缔造 公开栏 public board</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}}
li{{margin:.4rem 0}} time{{color:#666;margin-right:.5rem}} small{{color:#999}} .warn{{color:#a00}}</style>
</head><body><h1>共同缔造 · 公开栏</h1><p>大家事，大家定 — what was decided, funded, built, contributed,
rated and awarded.</p>{note}<ol reversed>{rows}</ol></body></html>"""
