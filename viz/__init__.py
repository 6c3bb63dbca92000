"""viz: everything that draws — computation graphs as SVG, per-epoch pages with a player, plots.

Rendering needs no system Graphviz: DOT becomes SVG in-process (Graphviz compiled to WebAssembly).
``viz.plots`` (matplotlib) is imported on first use, so drawing a graph stays quick to import.
"""

from viz.backprop import backprop_frames, render_backprop
from viz.epochs import render_epochs
from viz.graph import Graph, draw
from viz.outputs import OutputError, prepare_out_dir, write_bytes, write_text
from viz.render import RenderError, render_svg

__all__ = [
    "Graph",
    "OutputError",
    "RenderError",
    "backprop_frames",
    "draw",
    "prepare_out_dir",
    "render_backprop",
    "render_epochs",
    "render_svg",
    "write_bytes",
    "write_text",
]
