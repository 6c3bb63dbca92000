"""viz: everything that draws — computation graphs as SVG, the studio page, plots.

Rendering needs no system Graphviz: DOT becomes SVG in-process (Graphviz compiled to WebAssembly).
``viz.plots`` (matplotlib) is imported on first use, so drawing a graph stays quick to import.
"""

from viz.graph import Graph, draw
from viz.network import NetworkStudio
from viz.outputs import OutputError, prepare_out_dir, write_bytes, write_text
from viz.render import RenderError, render_svg
from viz.studio import Studio, studio

__all__ = [
    "Graph",
    "NetworkStudio",
    "OutputError",
    "RenderError",
    "Studio",
    "draw",
    "prepare_out_dir",
    "render_svg",
    "studio",
    "write_bytes",
    "write_text",
]
