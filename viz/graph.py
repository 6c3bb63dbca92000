"""Draw a computation graph: one box per Value (label, data, grad), one small node per operation.

As in micrograd's ``draw_dot``, each computed value gets an op node between its inputs and
itself, laid out left to right, so the picture reads like the forward pass and backprop runs
right to left along the same arrows. Node kinds look different (see ``LEGEND``):

- parameter: a leaf the optimizer updates (bold blue box);
- data input: any other leaf the user made, e.g. ``hours`` (yellow box);
- constant: a plain Python number the engine wrapped, an ``autodiff.Constant`` (grey, dashed);
- computed: the result of an operation (white box), fed by its op node (grey circle).

Which leaves are parameters: those in ``parameters`` when it is given. When it is None, a leaf
whose label (or the part after its last ".") is ``w``, ``b``, ``weight`` or ``bias``, optionally
followed by digits or "_something" (``w1``, ``b_out``, ``layer1.weight2``), is a parameter.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import graphviz

from autodiff import Constant, Value, topological_order
from viz.outputs import OutputError, write_text
from viz.render import render_svg

PARAMETER, DATA_INPUT, CONSTANT, COMPUTED = "parameter", "data input", "constant", "computed"

LEGEND = {
    PARAMETER: "parameter (updated by training)",
    DATA_INPUT: "data input",
    CONSTANT: "constant (a plain number)",
    COMPUTED: "computed value",
}

_PARAMETER_LABEL = re.compile(r"(w|b|weight|bias)(\d+|_\w*)?", re.IGNORECASE)
_STYLE = {
    PARAMETER: {"style": "filled,bold", "fillcolor": "#cfe3ff", "color": "#1f4e9c", "penwidth": "2"},
    DATA_INPUT: {"style": "filled", "fillcolor": "#fff4c2", "color": "#8a6d00"},
    CONSTANT: {"style": "filled,dashed", "fillcolor": "#eeeeee", "color": "#777777", "fontcolor": "#444444"},
    COMPUTED: {"style": "filled", "fillcolor": "white", "color": "black"},
}
_OP_STYLE = {"shape": "circle", "style": "filled", "fillcolor": "#dddddd", "fontsize": "11", "margin": "0.02"}
_HIGHLIGHT = {"color": "#e8590c", "penwidth": "4"}
_RANKDIRS = ("LR", "RL", "TB", "BT")
_WRAP = 40  # characters per line in a node, so a long label makes a tall box, not a 5000-pixel one


def fmt(x: float) -> str:
    """A number as the graph shows it: 4 significant digits."""
    return f"{x:.4g}"


def is_parameter_label(label: str) -> bool:
    """Whether a leaf with this label counts as a parameter when ``parameters`` is not given."""
    return bool(_PARAMETER_LABEL.fullmatch(label.rsplit(".", 1)[-1]))


def node_kind(value: Value, parameters: set[int] | None = None) -> str:
    """PARAMETER, DATA_INPUT, CONSTANT or COMPUTED; ``parameters`` holds id()s of parameter leaves."""
    if not value.is_leaf:
        return COMPUTED
    if isinstance(value, Constant):
        return CONSTANT
    if parameters is not None:
        return PARAMETER if id(value) in parameters else DATA_INPUT
    return PARAMETER if is_parameter_label(value.label) else DATA_INPUT


# --- escaping: any text becomes a record field that Graphviz shows verbatim ---------------------

_RECORD_SPECIAL = frozenset('{}|<>"\\')
_EDGE_OR_RUN_SPACES = re.compile(r"^ +| +$| {2,}")


def _visible(ch: str) -> str:
    """A character XML and Graphviz both accept, or a printable stand-in for one they don't."""
    code = ord(ch)
    if ch == "\t":
        return " "
    if code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
    return ch


def record_text(text: str, width: int = _WRAP) -> str:
    """``text`` escaped as one field of a Graphviz record label: specials escaped, lines wrapped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out_lines = []
    for line in lines:
        clean = "".join(_visible(ch) for ch in line)
        # An empty line becomes a no-break space: wasm Graphviz can crash on a field that starts
        # with a line break (seen after many renders in one process), and the picture is the same.
        pieces = [clean[i : i + width] for i in range(0, len(clean), width)] or ["\u00a0"]
        for piece in pieces:
            escaped = "".join("\\" + ch if ch in _RECORD_SPECIAL else ch for ch in piece).replace("&", "&amp;")
            # Records trim and collapse spaces (even escaped leading ones); no-break spaces stay as typed.
            out_lines.append(_EDGE_OR_RUN_SPACES.sub(lambda m: "\u00a0" * len(m.group()), escaped))
    return "\\n".join(out_lines)


# --- the graph object --------------------------------------------------------------------------


class Graph:
    """A drawn computation graph: ``.source`` is DOT, ``.svg()`` the picture, shown inline in Jupyter.

    In a notebook it is drawn without the legend box, shrunk to the column's width when wider
    (a click shows it at full size), with a one-line key under it naming only the kinds of node
    it holds.
    """

    def __init__(
        self,
        digraph: graphviz.Digraph,
        renderer: str = "wasm",
        *,
        inline: graphviz.Digraph | None = None,
        key: str = "",
    ) -> None:
        self.digraph = digraph
        self.renderer = renderer
        self._inline = inline if inline is not None else digraph
        self._key = key
        self._svg: str | None = None
        self._inline_svg: str | None = None

    @property
    def source(self) -> str:
        """The DOT source."""
        return self.digraph.source

    def svg(self) -> str:
        """The graph rendered to an SVG document (rendered once, then cached)."""
        if self._svg is None:
            self._svg = render_svg(self.source, self.renderer)
        return self._svg

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the SVG (``.svg``) or the DOT source (``.dot``/``.gv``) to ``path``, whole or not at all."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".svg":
            return write_text(target, self.svg())
        if suffix in (".dot", ".gv"):
            return write_text(target, self.source)
        raise OutputError(f"{target} has suffix {suffix or '(none)'!r}; expected .svg, .dot or .gv.")

    def _notebook_svg(self) -> str:
        """The graph without its legend box, as an <svg> element that shrinks to fit its column."""
        if self._inline_svg is None:
            svg = self.svg() if self._inline is self.digraph else render_svg(self._inline.source, self.renderer)
            element = svg[svg.index("<svg") :]  # no XML prolog or doctype inside HTML
            # Shrink to the column's width; a click toggles the natural size (the column then scrolls).
            style = "max-width:100%;height:auto;cursor:zoom-in"
            toggle = "this.style.maxWidth = this.style.maxWidth === 'none' ? '100%' : 'none'"
            self._inline_svg = element.replace("<svg", f'<svg style="{style}" onclick="{toggle}"', 1)
        return self._inline_svg

    def _repr_svg_(self) -> str:
        return self._notebook_svg()

    def _repr_html_(self) -> str:
        return f'<div style="max-width:100%;overflow-x:auto">{self._notebook_svg()}</div>{self._key}'

    def __repr__(self) -> str:
        return f"<viz.Graph: {self.source.count(' -> ')} edges; .svg(), .save(path), .source>"


def _key_html(kinds: Iterable[str], color_by_grad: bool) -> str:
    """The notebook's one-line key: a swatch and a name for each kind of node in the graph."""

    def swatch(fill: str, border: str, dashed: bool = False, round_: bool = False) -> str:
        line = "dashed" if dashed else "solid"
        radius = "50%" if round_ else "2px"
        return (
            f'<span style="display:inline-block;width:0.9em;height:0.9em;vertical-align:-0.1em;'
            f'background:{fill};border:1.5px {line} {border};border-radius:{radius};margin:0 0.3em 0 0.9em"></span>'
        )

    parts = []
    if color_by_grad:
        parts.append(swatch(_grad_fill(1.0, 1.0), "#555") + "grad &gt; 0")
        parts.append(swatch(_grad_fill(-1.0, 1.0), "#555") + "grad &lt; 0 (paler: smaller |grad|)")
    else:
        for kind in (PARAMETER, DATA_INPUT, CONSTANT, COMPUTED):
            if kind in kinds:
                style = _STYLE[kind]
                parts.append(swatch(style["fillcolor"], style["color"], "dashed" in style["style"]) + LEGEND[kind])
    if COMPUTED in kinds:
        parts.append(swatch(_OP_STYLE["fillcolor"], "#777", round_=True) + "operation")
    return f'<div style="font:12px/1.6 Helvetica,Arial,sans-serif;color:#555">{"".join(parts)}</div>'


def _grad_fill(grad: float | None, scale: float) -> str:
    """Blue for a positive gradient, red for a negative one, stronger as |grad| nears the largest."""
    if grad is None or grad == 0 or scale == 0:
        return "#f4f4f4"
    if not math.isfinite(grad):
        return "#bbbbbb"
    strength = math.sqrt(min(abs(grad) / scale, 1.0))  # sqrt so small gradients stay visible
    r, g, b = (0x21, 0x66, 0xAC) if grad > 0 else (0xB2, 0x18, 0x2B)
    mix = [round(255 + (c - 255) * (0.15 + 0.85 * strength)) for c in (r, g, b)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def _text_colour(fill: str) -> str:
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else "black"


def _add_legend(dot: graphviz.Digraph, color_by_grad: bool) -> None:
    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", fontsize="11", style="rounded,dashed", color="#999999", fontcolor="#555555")
        legend.attr("node", fontsize="10", shape="box")
        # Graphviz stacks a rank's nodes bottom-up here, so entries go in reverse reading order.
        if color_by_grad:
            for name, grad, text in (
                ("legend_small", 0.05, "paler: smaller |grad|"),
                ("legend_neg", -1.0, "fill: grad < 0"),
                ("legend_pos", 1.0, "fill: grad > 0"),
            ):
                fill = _grad_fill(grad, 1.0)
                legend.node(
                    name,
                    graphviz.nohtml(record_text(text)),
                    style="filled",
                    fillcolor=fill,
                    fontcolor=_text_colour(fill),
                )
        legend.node("legend_op", graphviz.nohtml("op"), **_OP_STYLE)
        for i, (kind, text) in reversed(list(enumerate(LEGEND.items()))):
            legend.node(f"legend{i}", graphviz.nohtml(record_text(text)), **_STYLE[kind])
        # No edges: every entry sits on the first rank, one column beside a left-to-right graph.


def draw(
    root: Value,
    *,
    parameters: Iterable[Value] | None = None,
    highlight: Iterable[Value | str] = (),
    grads: Mapping[Value, float | None] | None = None,
    color_by_grad: bool = False,
    rankdir: str = "LR",
    renderer: str = "wasm",
    legend: bool = True,
) -> Graph:
    """Draw every value ``root`` depends on, with its label, data and grad (4 significant digits).

    ``parameters``: the leaves to draw as parameters (default: the label rule in this module's
    docstring). ``highlight``: values (or labels) to draw emphasised. ``grads``: value → grad to
    show instead of ``value.grad``; None shows "grad = ?" (a backward pass part-way through).
    ``color_by_grad``: fill each box by its gradient's sign and size. ``renderer``: "wasm" or
    "system", used by ``.svg()``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw needs an autodiff Value as its root, got {type(root).__name__} {root!r}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
    parameter_ids = None if parameters is None else {id(p) for p in parameters}
    highlight_values = {id(h) for h in highlight if isinstance(h, Value)}
    highlight_labels = {h for h in highlight if isinstance(h, str)}
    order = topological_order(root)

    def grad_of(value: Value) -> float | None:
        if grads is not None and value in grads:
            return grads[value]
        return value.grad

    finite = [abs(g) for v in order if (g := grad_of(v)) is not None and math.isfinite(g)]
    scale = max(finite, default=0.0)

    # Records lay their fields across the rank direction; braces turn them to read left to right.
    record = rankdir in ("LR", "RL")
    dot = graphviz.Digraph(name="computation graph", format="svg")
    dot.attr(rankdir=rankdir, fontname="Helvetica", nodesep="0.25", ranksep="0.35")
    dot.attr("node", fontname="Helvetica", fontsize="12", shape="record")
    dot.attr("edge", color="#555555", arrowsize="0.7")

    ids = {id(value): f"v{i}" for i, value in enumerate(order)}
    for value in order:
        name = ids[id(value)]
        kind = node_kind(value, parameter_ids)
        grad = grad_of(value)
        fields = [record_text(value.label)] if value.label else []
        fields.append(record_text(f"data = {fmt(value.data)}"))
        fields.append(record_text("grad = ?" if grad is None else f"grad = {fmt(grad)}"))
        label = "|".join(fields)
        attrs = dict(_STYLE[kind])
        if color_by_grad:
            attrs["fillcolor"] = _grad_fill(grad, scale)
            attrs["fontcolor"] = _text_colour(attrs["fillcolor"])
        if id(value) in highlight_values or (value.label and value.label in highlight_labels):
            attrs.update(_HIGHLIGHT)
        dot.node(name, graphviz.nohtml("{" + label + "}" if record else label), **attrs)
        if not value.is_leaf:
            op_name = f"{name}_op"
            dot.node(op_name, graphviz.nohtml(record_text(value.op)), **_OP_STYLE)
            dot.edge(op_name, name)
            for parent in value.parents:
                dot.edge(ids[id(parent)], op_name)
    if not legend:
        return Graph(dot, renderer)
    inline = dot.copy()  # notebooks show a one-line key under the graph instead of the legend box
    _add_legend(dot, color_by_grad)
    kinds = {node_kind(value, parameter_ids) for value in order}
    return Graph(dot, renderer, inline=inline, key=_key_html(kinds, color_by_grad))
