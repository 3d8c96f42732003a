"""Assemble report sections into one self-contained HTML file: images embedded as base64 PNG, no links out."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..checkpoint import atomic_write

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
img { max-width: 100%; display: block; margin: .5rem 0; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
td, th { border: 1px solid #ddd; padding: .2rem .6rem; text-align: left; vertical-align: top; }
th { background: #f5f5f5; } .note { color: #555; font-size: .9rem; }
.tables { display: flex; flex-wrap: wrap; gap: 1.5rem; }
"""


@dataclass
class Section:
    """One titled part of a report: notes (plain text), tables (caption -> {key: value}) and PNG figures."""

    title: str
    notes: list[str] = field(default_factory=list)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return ", ".join(_format(item) for item in value)
    return "" if value is None else str(value)


def _table(caption: str, rows: dict[str, Any]) -> str:
    body = "".join(f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(_format(value))}</td></tr>"
                   for key, value in rows.items())
    return f"<table><caption>{html.escape(caption)}</caption>{body}</table>"


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(path.stem)}">'


def render_html(title: str, sections: list[Section]) -> str:
    parts = []
    for section in sections:
        notes = "".join(f'<p class="note">{html.escape(note)}</p>' for note in section.notes)
        tables = "".join(_table(caption, rows) for caption, rows in section.tables.items())
        images = "".join(_image(path) for path in section.figures)
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>{notes}"
                     f"{f'<div class=tables>{tables}</div>' if tables else ''}{images}</section>")
    # The empty icon keeps browsers from requesting favicon.ico, which a lone file does not have.
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<link rel="icon" href="data:,"><style>{STYLE}</style></head>\n'
            f"<body><h1>{html.escape(title)}</h1>\n{''.join(parts)}\n</body></html>\n")


def write_html(path: str | Path, title: str, sections: list[Section]) -> Path:
    text = render_html(title, sections)
    atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return Path(path)
