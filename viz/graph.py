"""Draw a computation graph: one box per Value (label, data, grad), one small node per operation.

As in micrograd's ``draw_dot``, each computed value gets an op node between its inputs and
itself, laid out left to right, so the picture reads like the forward pass and backprop runs
right to left along the same arrows. Node kinds look different (see ``LEGEND``):

- parameter: a leaf the optimizer updates (bold blue box);
- data input: any other leaf the user made, e.g. ``hours`` (yellow box);
- constant: a plain Python number the engine wrapped, an ``autodiff.Constant`` (grey, dashed);
- computed: the result of an operation (white box), fed by its op node (grey circle).

A value read by many operations, or by operations far from it, is drawn once in full and once
beside each use (dashed, "(shared, i of k)", that use's share of the grad): long edges make
pictures unreadable and Graphviz slow. Which layout a graph gets is decided before it starts
(``Graph.plan``; see ``viz.layered``).

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
from viz import layered
from viz.outputs import OutputError, write_text
from viz.render import RenderError, render_svg

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
# A value read by more operations than this, or by operations more than SPAN ranks past it, is
# drawn once per use: long edges are what make Graphviz slow and pictures unreadable.
FAN_OUT = 16
SPAN = 4
MAX_VALUES = 50_000  # larger graphs are refused before any layout (draw a part: max_nodes=)
_LEGEND_NODES = 8  # the legend box's entries, counted in Graphviz's work
_WRAP = 40  # characters per line in a node, so a long label makes a tall box, not a 5000-pixel one


def fmt(x: float) -> str:
    """A number as the graph shows it: 4 significant digits.

    Args:
        x: the number.

    Returns:
        It formatted as ``{x:.4g}`` (``0.1``, ``1.235e+05``, ``nan``).
    """
    return f"{x:.4g}"


def is_parameter_label(label: str) -> bool:
    """Whether a leaf with this label counts as a parameter when ``parameters`` is not given.

    Args:
        label: the leaf's label; only the part after the last ``.`` counts (``layer1.w2`` → ``w2``).

    Returns:
        True when that part is w, b, weight or bias, alone or followed by digits or ``_…``
            (``w1``, ``b_out``), in any case.
    """
    return bool(_PARAMETER_LABEL.fullmatch(label.rsplit(".", 1)[-1]))


def node_kind(value: Value, parameters: set[int] | None = None) -> str:
    """The kind of node a value is drawn as: PARAMETER, DATA_INPUT, CONSTANT or COMPUTED.

    Args:
        value: the node.
        parameters: the id()s of the parameter leaves; None: a leaf is a parameter when its label
            says so (``is_parameter_label``).

    Returns:
        COMPUTED for a computed node, CONSTANT for a Constant, else PARAMETER or DATA_INPUT.
    """
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


_INVISIBLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _visible(ch: str) -> str:
    """A character XML and Graphviz both accept, or a printable stand-in for one they don't."""
    code = ord(ch)
    if ch == "\t":
        return " "
    if code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
    return ch


def text_lines(text: str, width: int = _WRAP) -> list[str]:
    """``text`` as the lines a node shows: control characters made visible, long lines wrapped.

    Args:
        text: any label or formula; a CR LF, a CR or a LF each end a line.
        width: characters per line before a line is wrapped.

    Returns:
        The lines, each at most ``width`` characters; an empty line is a no-break space.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out_lines = []
    for line in lines:
        clean = "".join(_visible(ch) for ch in line) if _INVISIBLE.search(line) else line
        # An empty line becomes a no-break space: wasm Graphviz can crash on a field that starts
        # with a line break (seen after many renders in one process), and the picture is the same.
        out_lines += [clean[i : i + width] for i in range(0, len(clean), width)] or ["\u00a0"]
    return out_lines


def record_text(text: str, width: int = _WRAP) -> str:
    """``text`` escaped as one field of a Graphviz record label: specials escaped, lines wrapped.

    Args:
        text: any label or formula.
        width: characters per line before a line is wrapped.

    Returns:
        The field, its lines joined by Graphviz's line break; Graphviz shows it verbatim.
    """
    return "\\n".join(_record_line(line) for line in text_lines(text, width))


def _record_line(line: str) -> str:
    """One shown line escaped for a record field."""
    escaped = "".join("\\" + ch if ch in _RECORD_SPECIAL else ch for ch in line).replace("&", "&amp;")
    # Records trim and collapse spaces (even escaped leading ones); no-break spaces stay as typed.
    return _EDGE_OR_RUN_SPACES.sub(lambda m: "\u00a0" * len(m.group()), escaped)


# --- the graph object --------------------------------------------------------------------------


class Graph:
    """A drawn computation graph: ``.source`` is DOT, ``.svg()`` the picture, shown inline in Jupyter.

    ``.plan`` says how it is laid out, chosen from its size and shape before any layout starts:
    by Graphviz (``"graphviz"``) or, when Graphviz could not do it in bounded time, by the
    project's layered layout (``"layered"``; see ``viz.layered``). In a notebook it is drawn
    without the legend box, shrunk to the column's width when wider (a click shows it at full
    size), with a one-line key under it naming only the kinds of node it holds.
    """

    def __init__(
        self,
        picture: layered.Picture,
        plan: layered.Plan,
        renderer: str = "wasm",
        *,
        legend: bool = True,
        color_by_grad: bool = False,
        key: str = "",
    ) -> None:
        """A graph ``draw`` built: its picture, the layout plan chosen for it, and how to show it.

        Args:
            picture: the nodes and edges to draw.
            plan: the layout chosen before any layout started.
            renderer: "wasm" or "system", for a Graphviz layout.
            legend: whether the file's SVG has the legend box.
            color_by_grad: whether boxes are filled by their gradient (the legend says so).
            key: the one-line HTML key shown under the graph in a notebook.
        """
        self.picture = picture
        self.plan = plan
        self.renderer = renderer
        self._legend = legend
        self._color_by_grad = color_by_grad
        self._key = key
        self._source: str | None = None
        self._svg: str | None = None
        self._inline_svg: str | None = None

    @property
    def source(self) -> str:
        """The DOT source (with the legend box when drawn with one)."""
        if self._source is None:
            self._source = _digraph(self.picture, self._legend, self._color_by_grad).source
        return self._source

    def svg(self) -> str:
        """The graph rendered to an SVG document (rendered once, then cached)."""
        if self._svg is None:
            if self.plan.strategy == layered.GRAPHVIZ:
                self._svg = render_svg(self.source, self.renderer)
            else:
                self._svg = layered.svg(self.picture)
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
            if self._legend and self.plan.strategy == layered.GRAPHVIZ:
                svg = render_svg(_digraph(self.picture, False, self._color_by_grad).source, self.renderer)
            else:
                svg = self.svg()
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
        """Its size and layout, and what to call next."""
        return (
            f"<viz.Graph: {len(self.picture.nodes)} nodes, {len(self.picture.edges)} edges, "
            f"{self.plan.strategy} layout; .svg(), .save(path), .source>"
        )


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


def _digraph(picture: layered.Picture, legend: bool, color_by_grad: bool) -> graphviz.Digraph:
    """The picture as Graphviz DOT, with its legend box when ``legend``."""
    # Records lay their fields across the rank direction; braces turn them to read left to right.
    record = picture.rankdir in ("LR", "RL")
    dot = graphviz.Digraph(name="computation graph", format="svg")
    dot.attr(rankdir=picture.rankdir, fontname="Helvetica", nodesep="0.25", ranksep="0.35")
    dot.attr("node", fontname="Helvetica", fontsize="12", shape="record")
    dot.attr("edge", color="#555555", arrowsize="0.7")
    for node in picture.nodes:
        label = "|".join("\\n".join(_record_line(line) for line in part) for part in node.fields)
        if record and not node.circle:
            label = "{" + label + "}"
        dot.node(node.name, graphviz.nohtml(label), **node.style)
    names = [node.name for node in picture.nodes]
    for tail, head in picture.edges:
        dot.edge(names[tail], names[head])
    if legend:
        _add_legend(dot, color_by_grad)
    return dot


def _nearest(root: Value, max_nodes: int) -> list[Value]:
    """The ``max_nodes`` values nearest ``root`` (breadth first along inputs), in topological order."""
    kept = {id(root): root}
    frontier = [root]
    while frontier and len(kept) < max_nodes:
        following = []
        for value in frontier:
            for parent in value.parents:
                if id(parent) not in kept and len(kept) < max_nodes:
                    kept[id(parent)] = parent
                    following.append(parent)
        frontier = following
    return [value for value in topological_order(root) if id(value) in kept]


def _share(
    consumer: Value, slot: int, consumer_grad: float | None, local: dict[int, tuple[float, ...]]
) -> float | None:
    """One use's part of a value's gradient: the consumer's gradient times its local derivative.

    ``local`` caches each consumer's local derivatives (a 33-input ``linear`` node is read 33 times).
    """
    if consumer_grad is None:
        return None
    if id(consumer) not in local:
        try:
            local[id(consumer)] = consumer.local_derivatives()
        except (ArithmeticError, ValueError):
            local[id(consumer)] = ()
    derivatives = local[id(consumer)]
    return consumer_grad * derivatives[slot] if slot < len(derivatives) else None


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
    max_nodes: int | None = None,
) -> Graph:
    """Draw every value ``root`` depends on, with its label, data and grad (4 significant digits).

    A value read by many operations, or by operations far from it, is drawn once in full (its
    grad the total) and once more beside each operation that reads it, as a dashed copy marked
    "(shared, i of k)" showing that use's share of the grad; the shares add up to the total.
    The layout is chosen from the graph's size and shape before it starts (see ``Graph.plan``).

    Args:
        root: the value to draw, usually a loss.
        parameters: the leaves to draw as parameters (default: the label rule in this module's
            docstring).
        highlight: values (or labels) to draw emphasised.
        grads: value → grad to show instead of ``value.grad``; None shows "grad = ?" (a backward
            pass part-way through).
        color_by_grad: fill each box by its gradient's sign and size.
        rankdir: "LR" (default), "RL", "TB" or "BT".
        renderer: "wasm" or "system", used by ``.svg()`` when Graphviz lays the graph out.
        legend: draw the legend box.
        max_nodes: draw only the values nearest ``root`` (at most this many); a value whose
            inputs are left out says so.

    Returns:
        The graph, ready for ``.svg()`` or ``.save(path)``.

    Raises:
        TypeError: ``root`` is not a Value.
        ValueError: a bad ``rankdir`` or ``max_nodes``.
        RenderError: the graph is too large to draw whole (the message says what to do instead).
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw needs an autodiff Value as its root, got {type(root).__name__} {root!r}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive whole number, got {max_nodes!r}")
    parameter_ids = None if parameters is None else {id(p) for p in parameters}
    highlight_values = {id(h) for h in highlight if isinstance(h, Value)}
    highlight_labels = {h for h in highlight if isinstance(h, str)}
    order = topological_order(root) if max_nodes is None else _nearest(root, max_nodes)
    if len(order) > MAX_VALUES:
        raise RenderError(
            f"this graph has {len(order):,} values, more than the {MAX_VALUES:,} viz.draw lays out; "
            f"draw the part nearest the output with viz.draw(loss, max_nodes=2000), one row's graph, "
            f"or a network's summary in the studio's network view."
        )

    def grad_of(value: Value) -> float | None:
        if grads is not None and value in grads:
            return grads[value]
        return value.grad

    finite = [abs(g) for v in order if (g := grad_of(v)) is not None and math.isfinite(g)]
    scale = max(finite, default=0.0)

    def style(value: Value, kind: str, grad: float | None) -> dict[str, str]:
        attrs = dict(_STYLE[kind])
        if color_by_grad:
            attrs["fillcolor"] = _grad_fill(grad, scale)
            attrs["fontcolor"] = _text_colour(attrs["fillcolor"])
        if id(value) in highlight_values or (value.label and value.label in highlight_labels):
            attrs.update(_HIGHLIGHT)
        return attrs

    # Every value's box, its op circle, and the edges op → value; each input's uses, for below.
    kept = {id(value) for value in order}
    nodes: list[layered.Node] = []
    edges: list[tuple[int, int]] = []
    box: dict[int, int] = {}
    uses: dict[int, list[tuple[int, Value, int]]] = {}  # value → (op node, consumer, operand slot)
    for i, value in enumerate(order):
        grad = grad_of(value)
        fields = [text_lines(value.label)] if value.label else []
        fields.append(text_lines(f"data = {fmt(value.data)}"))
        fields.append(text_lines("grad = ?" if grad is None else f"grad = {fmt(grad)}"))
        cut = not value.is_leaf and not all(id(parent) in kept for parent in value.parents)
        if cut:
            fields.append(text_lines(f"{value.op} of inputs not drawn (max_nodes={max_nodes})"))
        box[id(value)] = len(nodes)
        nodes.append(layered.Node(f"v{i}", fields, style(value, node_kind(value, parameter_ids), grad)))
        if value.is_leaf or cut:
            continue
        op = len(nodes)
        nodes.append(layered.Node(f"v{i}_op", [text_lines(value.op)], dict(_OP_STYLE), circle=True))
        edges.append((op, box[id(value)]))
        for slot, parent in enumerate(value.parents):
            uses.setdefault(id(parent), []).append((op, value, slot))
    # Where each use sits, so that uses far apart (or very many) can be drawn as copies instead.
    rank = layered.ranks(len(nodes), edges + [(box[v], op) for v, used in uses.items() for op, _, _ in used])
    by_id = {id(value): value for value in order}
    local: dict[int, tuple[float, ...]] = {}
    for value_id, used in uses.items():
        value, full = by_id[value_id], box[value_id]
        spread = max(rank[op] for op, _, _ in used) - rank[full]
        if len(used) < 2 or (len(used) <= FAN_OUT and spread <= SPAN):
            edges += [(full, op) for op, _, _ in used]
            continue
        kind = node_kind(value, parameter_ids)
        nodes[full].fields.append(text_lines(f"shared: {len(used)} uses, grad = their sum"))
        name = value.label or value.op or "value"
        for n, (op, consumer, slot) in enumerate(used, 1):
            share = _share(consumer, slot, grad_of(consumer), local)
            attrs = style(value, kind, share)
            attrs["style"] += "" if "dashed" in attrs["style"] else ",dashed"
            attrs["fontsize"] = "10"
            copy = [
                text_lines(f"{name} (shared, {n} of {len(used)})"),
                text_lines(f"data = {fmt(value.data)}"),
                text_lines("grad share = ?" if share is None else f"grad share = {fmt(share)}"),
            ]
            edges.append((len(nodes), op))
            nodes.append(layered.Node(f"{nodes[full].name}_use{n}", copy, attrs))
    picture = layered.Picture(nodes, edges, rankdir)
    plan = layered.plan(picture, _LEGEND_NODES if legend else 0, len(order))
    if plan.strategy == layered.REFUSED:
        raise RenderError(
            f"this graph has {len(order):,} values, which take {plan.nodes:,} boxes and {plan.edges:,} arrows "
            f"to draw, more than one picture holds (at most {layered.MAX_ELEMENTS:,} boxes and arrows, "
            f"{layered.ELEMENTS_PER_VALUE} per value); draw the part nearest the "
            f"output with viz.draw(loss, max_nodes=2000), one row's graph, or a network's summary in the "
            f"studio's network view."
        )
    kinds = {node_kind(value, parameter_ids) for value in order}
    key = _key_html(kinds, color_by_grad) if legend else ""
    return Graph(picture, plan, renderer, legend=legend, color_by_grad=color_by_grad, key=key)
