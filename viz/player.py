"""An offline HTML player for a sequence of SVG frames: one per epoch, or one per backward step.

``write_player`` writes ``index.html`` next to the frames: a slider, play/pause, previous/next,
arrow keys, a caption and a small table of numbers per frame, and an optional line chart with
the current frame marked. Everything is in that one file or in the SVGs beside it; the page
loads nothing from the network (its Content-Security-Policy forbids it), so it works from
``file://`` on a laptop with no connection.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from viz.outputs import OutputError, prepare_out_dir, write_text

Cell = str | float | int | None


@dataclass
class Frame:
    """One step of the player.

    ``svg``: an SVG file (a path relative to the player's directory, or anywhere — then it is
    copied in) or SVG text itself (starting with "<"). ``name`` is shown in the counter
    ("epoch 12"); ``caption`` under it; ``rows`` is the table of numbers: a mapping name → value,
    or rows of cells matching the player's ``columns``. ``x`` is where the chart marks this
    frame (default: the frame's position).
    """

    svg: str | os.PathLike[str]
    caption: str = ""
    rows: Mapping[str, Cell] | Sequence[Sequence[Cell]] = field(default_factory=list)
    name: str = ""
    x: float | None = None


@dataclass
class Chart:
    """A line chart drawn beside the frames (e.g. loss per epoch), with the current frame marked."""

    x: Sequence[float]
    y: Sequence[float]
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""


def cell_text(cell: Cell) -> str:
    """A table cell as shown: numbers to 4 significant digits, text as given."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, (int, float)):
        return f"{cell:.4g}" if isinstance(cell, float) else str(cell)
    return str(cell)


_WIDTH, _HEIGHT = 420, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 58, 14, 26, 40


def _chart_svg(chart: Chart) -> tuple[str, Callable[[float], tuple[float, float]]]:
    """Inline SVG for the chart, and a function mapping an x value to the marker's (px, py)."""
    points = [
        (float(x), float(y)) for x, y in zip(chart.x, chart.y) if math.isfinite(float(x)) and math.isfinite(float(y))
    ]
    if len(chart.x) != len(chart.y):
        raise ValueError(f"the chart needs as many y values as x values, got {len(chart.x)} x and {len(chart.y)} y")
    if not points:
        points = [(0.0, 0.0)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    inner_w, inner_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM

    def px(x: float) -> float:
        return round(_LEFT + (x - x0) / (x1 - x0) * inner_w, 2)

    def py(y: float) -> float:
        return round(_TOP + (1 - (y - y0) / (y1 - y0)) * inner_h, 2)

    def marker(x: float) -> tuple[float, float]:
        # The data point nearest to x: the chart marks what was measured, not an interpolation.
        nearest = min(points, key=lambda p: abs(p[0] - x))
        return px(nearest[0]), py(nearest[1])

    e = html.escape
    polyline = " ".join(f"{px(x)},{py(y)}" for x, y in points)
    bottom, right = _TOP + inner_h, _LEFT + inner_w
    parts = [
        f'<svg id="chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'width="{_WIDTH}" height="{_HEIGHT}" font-family="sans-serif" font-size="11">',
        f'<text x="{_WIDTH / 2}" y="15" text-anchor="middle" font-size="13">{e(chart.title)}</text>',
        f'<line x1="{_LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#888"/>',
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{bottom}" stroke="#888"/>',
        f'<text x="{_LEFT - 4}" y="{_TOP + 4}" text-anchor="end">{e(f"{y1:.4g}")}</text>',
        f'<text x="{_LEFT - 4}" y="{bottom}" text-anchor="end">{e(f"{y0:.4g}")}</text>',
        f'<text x="{_LEFT}" y="{bottom + 14}" text-anchor="middle">{e(f"{x0:.4g}")}</text>',
        f'<text x="{right}" y="{bottom + 14}" text-anchor="middle">{e(f"{x1:.4g}")}</text>',
        f'<text x="{_LEFT + inner_w / 2}" y="{_HEIGHT - 6}" text-anchor="middle">{e(chart.xlabel)}</text>',
        f'<text x="12" y="{_TOP + inner_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {_TOP + inner_h / 2})">{e(chart.ylabel)}</text>',
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{polyline}"/>',
        f'<line id="chart-line" y1="{_TOP}" y2="{bottom}" x1="{_LEFT}" x2="{_LEFT}" stroke="#e8590c" '
        'stroke-dasharray="3,3"/>',
        '<circle id="chart-marker" r="4.5" cx="0" cy="0" fill="#e8590c"/>',
        "</svg>",
    ]
    return "\n".join(parts), marker


def _frame_src(frame: Frame, i: int, out: Path) -> str:
    """The frame's SVG as a URL relative to index.html, copying or writing it in when needed."""
    svg = frame.svg
    if isinstance(svg, str) and svg.lstrip().startswith("<"):
        target = write_text(out / "frames" / f"frame_{i:04d}.svg", svg)
    else:
        path = Path(svg)
        candidate = path if path.is_absolute() else out / path
        if not candidate.is_file():
            raise OutputError(f"frame {i} names {candidate}, which is not a file; expected an SVG file or SVG text.")
        try:
            target = candidate.resolve()
            target.relative_to(out.resolve())
        except ValueError:
            # Outside the player's directory: copy it in, so the page references only its own folder.
            target = write_text(out / "frames" / f"frame_{i:04d}.svg", candidate.read_text(encoding="utf-8"))
    relative = target.resolve().relative_to(out.resolve()).as_posix()
    return quote(relative)


def _rows(rows: Mapping[str, Cell] | Sequence[Sequence[Cell]]) -> list[list[str]]:
    if isinstance(rows, Mapping):
        return [[str(name), cell_text(value)] for name, value in rows.items()]
    return [[cell_text(cell) for cell in row] for row in rows]


def _json_for_script(data: object) -> str:
    """JSON safe inside <script>: no "</script>" or "<!--" can end or confuse the element."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _template() -> str:
    return resources.files("viz").joinpath("templates/player.html").read_text(encoding="utf-8")


def write_player(
    out_dir: str | os.PathLike[str],
    *,
    title: str,
    frames: Sequence[Frame],
    chart: Chart | None = None,
    columns: Sequence[str] = ("name", "value"),
    description: str = "",
    filename: str = "index.html",
) -> Path:
    """Write an offline HTML player of ``frames`` into ``out_dir`` and return the page's path.

    The directory is prepared with ``viz.outputs.prepare_out_dir`` (created and marked, or refused
    if it holds someone else's files); the page references only files inside it.
    """
    if not frames:
        raise ValueError("write_player needs at least one frame, got none")
    if "/" in filename or "\\" in filename or not filename.endswith(".html"):
        raise ValueError(f"filename must be a plain name ending in .html, got {filename!r}")
    out = prepare_out_dir(out_dir)
    chart_html, marker = _chart_svg(chart) if chart is not None else ("", None)
    entries = []
    for i, frame in enumerate(frames):
        if not isinstance(frame, Frame):
            raise TypeError(f"frame {i} must be a viz.player.Frame, got {type(frame).__name__}")
        x = frame.x if frame.x is not None else float(i)
        entries.append(
            {
                "src": _frame_src(frame, i, out),
                "name": frame.name or f"frame {i}",
                "caption": frame.caption,
                "rows": _rows(frame.rows),
                "marker": list(marker(x)) if marker is not None else None,
            }
        )
    values = {
        "TITLE": html.escape(title),
        "DESCRIPTION": html.escape(description),
        "CHART": chart_html,
        "DATA": _json_for_script({"columns": [str(c) for c in columns], "frames": entries}),
    }
    # One pass, so text inside a value can never be mistaken for another placeholder.
    page = re.sub(r"__(TITLE|DESCRIPTION|CHART|DATA)__", lambda m: values[m.group(1)], _template())
    return write_text(out / filename, page)
