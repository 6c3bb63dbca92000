"""The studio: one offline page to watch a network learn — every epoch, every row, every chain-rule step.

``studio(history)`` (a training run) or ``studio(loss)`` (one backward pass from a Value) lays the
graph out ONCE with Graphviz and inlines that SVG in a page. Each frame then changes only text,
colours and highlights in place, so no node ever moves. A frame is (epoch, row, step):

- epoch e starts from the parameters before it (epoch 0: the true start, e.g. w 0.1, b 0.0);
- row r is the tutorial's loop: the forward pass of row r with the parameters before it, its
  loss, its backward pass, then the update written with its numbers (``w ← 0.1 − 0.1 × 0.525``);
  a last "end" row shows the parameters after the epoch;
- step s is one chain-rule step of that backward pass, in backward()'s order (autodiff.stepper):
  step 0 is the forward pass, steps 1…S process one node each, step S+1 is the update.

The page recomputes a frame's numbers from its leaves (parameters, the row's inputs and target)
with JavaScript generated from the graph by ``autodiff.compile`` — so a learner can click a leaf,
type a number and see every value and gradient recomputed. When the graph cannot be compiled to
JavaScript, the engine's numbers are embedded for every frame instead and editing is off.
"""

from __future__ import annotations

import copy
import importlib
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import graphviz

from autodiff import Constant, History, Value, nn, ops, topological_order
from autodiff.training import inputs_for
from autodiff.value import total
from viz import escape, sample
from viz.graph import COMPUTED, CONSTANT, DATA_INPUT, PARAMETER, fmt, node_kind, record_text
from viz.network import is_network, network_studio
from viz.outputs import Page, write_text
from viz.render import render_svg
from viz.sample import sample_history, sample_notes

__all__ = ["Studio", "studio"]

TARGET = "target"
# Placeholder numbers of the widest form fmt() gives in practice, so boxes never need to grow.
_WIDE = "-8.888e-88"
_NO_GRAD = "grad not shown"
_COMMUTATIVE = frozenset({"+", "*", "sum"})
_OBJECTIVE_NAMES = {
    "binary_cross_entropy": "cross-entropy",
    "binary_cross_entropy_with_logits": "cross-entropy",
    "squared_error": "squared error",
    "mse": "mean squared error",
}
# Border per kind: a box's fill is free to carry its gradient's sign and size.
_KIND_STYLE = {
    PARAMETER: {"color": "#1f4e9c", "penwidth": "2.5", "style": "filled,bold"},
    DATA_INPUT: {"color": "#8a6d00", "penwidth": "1.5", "style": "filled"},
    TARGET: {"color": "#8a6d00", "penwidth": "1.5", "style": "filled,dashed"},
    CONSTANT: {"color": "#888888", "penwidth": "1", "style": "filled,dashed"},
    COMPUTED: {"color": "#222222", "penwidth": "1", "style": "filled"},
}
BASE_FILL = {PARAMETER: "#eaf2ff", DATA_INPUT: "#fff8dc", TARGET: "#fff8dc", CONSTANT: "#f2f2f2", COMPUTED: "#ffffff"}


def _asset(name: str) -> str:
    return resources.files("viz").joinpath(name).read_text("utf-8")


# --- the graph the page draws ------------------------------------------------------------------


@dataclass
class _Picture:
    """The graph's nodes in topological order, what each leaf is, and where each leaf's number comes from."""

    root: Value
    nodes: list[Value]
    kinds: list[str]
    sources: list[list[Any]]  # per node: ["p", k] | ["x", row or None, j] | ["y", row or None] | ["c", v] | []
    predictions: list[list[Any]] = field(default_factory=list)  # [node index, row or None]: the model's outputs


def _objective_name(history: History) -> str:
    name = getattr(history.loss, "__name__", "") if history.loss is not None else ""
    return _OBJECTIVE_NAMES.get(name, name.replace("_", " ") or "loss")


def _row_graph(history: History) -> _Picture:
    """One row's graph (per-row runs) or the summed graph of every row (full-batch runs)."""
    if history.model is None or history.dataset is None or history.loss is None:
        raise ValueError("studio needs a History with its model, dataset and loss (as autodiff.train returns)")
    model = copy.deepcopy(history.model)
    params = model.parameters()
    dataset = history.dataset
    label = dataset.label_name or "target"
    sources: dict[int, list[Any]] = {id(p): ["p", k] for k, p in enumerate(params)}
    kinds: dict[int, str] = {id(p): PARAMETER for p in params}
    full_batch = history.settings.get("mode") == "full_batch"
    rows = list(enumerate(dataset.rows)) if full_batch else [(0, dataset.rows[0])]
    losses, outputs = [], []
    for r, (features, target) in rows:
        inputs = inputs_for(features, dataset.feature_names)
        y = Value(target, label=label)
        for j, x in enumerate(inputs):
            sources[id(x)] = ["x", r if full_batch else None, j]
            kinds[id(x)] = DATA_INPUT
        sources[id(y)] = ["y", r if full_batch else None]
        kinds[id(y)] = TARGET
        prediction = model(inputs)
        outputs.append((prediction, r if full_batch else None))
        losses.append(history.loss(prediction, y))
    root = losses[0] if len(losses) == 1 else total(losses)
    root.label = _objective_name(history)
    picture = _picture(root, kinds, sources)
    index = {id(v): i for i, v in enumerate(picture.nodes)}
    picture.predictions = [[index[id(p)], r] for p, r in outputs if id(p) in index]
    return picture


def _picture(root: Value, kinds: dict[int, str] | None = None, sources: dict[int, list[Any]] | None = None) -> _Picture:
    nodes = topological_order(root)
    kind_list, source_list = [], []
    for v in nodes:
        if kinds is not None and id(v) in kinds:
            kind_list.append(kinds[id(v)])
        else:
            kind_list.append(node_kind(v))
        if not v.is_leaf:
            source_list.append([])
        elif sources is not None and id(v) in sources:
            source_list.append(sources[id(v)])
        else:
            source_list.append(["c", v.data])
    return _Picture(root, nodes, kind_list, source_list)


def _signature(picture: _Picture) -> list[tuple[str, tuple[int, ...]]]:
    index = {id(v): i for i, v in enumerate(picture.nodes)}
    return [(v.op, tuple(index[id(p)] for p in v.parents)) for v in picture.nodes]


# --- numbers: forward and local derivatives with the op table, backward replayed in order --------


def evaluate(picture: _Picture, leaves: Sequence[float]) -> tuple[list[float], list[list[float]]]:
    """Every node's data and local derivatives for these leaf values (one per node; non-leaves ignored).

    The same op-table calls, in the same order, as building the graph and calling backward().

    Args:
        picture: the graph, its nodes in topological order.
        leaves: one number per node, read for the leaves only.

    Returns:
        ``(data, local)``: each node's value, and each node's local derivatives (empty for a leaf).
    """
    index = {id(v): i for i, v in enumerate(picture.nodes)}
    data: list[float] = []
    local: list[list[float]] = []
    for i, v in enumerate(picture.nodes):
        op = v.op_class
        if op is None:
            data.append(float(leaves[i]))
            local.append([])
            continue
        args = [data[index[id(p)]] for p in v.parents]
        out = op.forward(*args)
        data.append(out)
        local.append(list(op.derivatives(*args, out)))
    return data, local


def backward_order(picture: _Picture) -> list[int]:
    """Node indices in the order backward() processes them: reversed topological order, computed nodes only.

    Args:
        picture: the graph, its nodes in topological order.

    Returns:
        The computed nodes' indices, the root's first.
    """
    return [i for i in reversed(range(len(picture.nodes))) if not picture.nodes[i].is_leaf]


def replay(picture: _Picture, local: list[list[float]], steps: int) -> tuple[list[float], list[bool]]:
    """Gradients after the first ``steps`` chain-rule steps, and which nodes a gradient has reached.

    Args:
        picture: the graph, its nodes in topological order (the root last).
        local: each node's local derivatives, as ``evaluate`` gives them.
        steps: how many nodes of ``backward_order`` to process; 0: none, not even the root's 1.

    Returns:
        ``(grad, reached)``: each node's gradient so far, and whether any gradient has reached it.
    """
    index = {id(v): i for i, v in enumerate(picture.nodes)}
    n = len(picture.nodes)
    grad = [0.0] * n
    reached = [False] * n
    root = n - 1
    if steps > 0:
        grad[root] += 1.0
        reached[root] = True
    for node in backward_order(picture)[:steps]:
        for j, parent in enumerate(picture.nodes[node].parents):
            p = index[id(parent)]
            grad[p] += grad[node] * local[node][j]
            reached[p] = True
    return grad, reached


# --- the layout: DOT once, with stable ids and room for the widest numbers ---------------------


def _title(v: Value, root: Value, kind: str) -> str:
    """A box's first line: its label, and for a computed value how it was computed (``z = w*hours + b``)."""
    from autodiff.stepper import name_of
    from autodiff.value import formula_of

    if v.is_leaf:
        return v.label or ("constant" if kind == CONSTANT else "")
    formula = formula_of(v, lambda parent: name_of(parent, root))
    return f"{v.label} = {formula}" if v.label else formula


def _dot(picture: _Picture) -> str:
    """The studio's DOT: one record per value (title, data, grad), edges labelled with room for two numbers."""
    dot = graphviz.Digraph(name="studio", format="svg")
    dot.attr(rankdir="TB", fontname="Helvetica", nodesep="0.25", ranksep="0.2", bgcolor="transparent", pad="0.08")
    dot.attr("node", fontname="Helvetica", fontsize="14", shape="record", margin="0.06,0.02")
    dot.attr("edge", fontname="Helvetica", fontsize="13", color="#666666", arrowsize="0.7")
    index = {id(v): i for i, v in enumerate(picture.nodes)}
    for i, v in enumerate(picture.nodes):
        kind = picture.kinds[i]
        title = record_text(_title(v, picture.root, kind) or "\u00a0")
        fields = [title, f"data = {_WIDE}", f"grad = {_WIDE}"]
        style = dict(_KIND_STYLE[kind])
        dot.node(f"n{i}", graphviz.nohtml("{" + "|".join(fields) + "}"), id=f"n{i}", fillcolor=BASE_FILL[kind], **style)
        ordered = v.op not in _COMMUTATIVE and len(v.parents) > 1
        for j, parent in enumerate(v.parents):
            label = f"{_port(j) if ordered else ''}∂ {_WIDE}\\n→ {_WIDE}"
            dot.edge(f"n{index[id(parent)]}", f"n{i}", id=f"e{i}_{j}", label=label)
    return dot.source


def _port(j: int) -> str:
    """The operand's position on a non-commutative op: "a: ", "b: " and so on."""
    return f"{'abcdefgh'[j] if j < 8 else j + 1}: "


_GROUP = re.compile(r'<g id="([^"]+)" class="(node|edge)">(.*?)</g>', re.S)
_TEXT = re.compile(r"<text\b([^>]*)>(.*?)</text>", re.S)


def _tag_svg(svg: str) -> str:
    """Give the texts and shapes the page changes their own ids; drop the fixed size so the page can fit it."""

    def group(m: re.Match[str]) -> str:
        gid, cls, body = m.group(1), m.group(2), m.group(3)
        texts = list(_TEXT.finditer(body))
        names: dict[int, str] = {}
        if cls == "node" and gid.startswith("n") and len(texts) >= 3:
            names = {len(texts) - 2: f"{gid}-data", len(texts) - 1: f"{gid}-grad"}
        elif cls == "edge" and gid.startswith("e") and len(texts) >= 2:
            names = {len(texts) - 2: f"{gid}-d", len(texts) - 1: f"{gid}-c"}
        for k in sorted(names, reverse=True):
            t = texts[k]
            body = body[: t.start()] + f'<text id="{names[k]}"{t.group(1)}></text>' + body[t.end() :]
        return f'<g id="{gid}" class="{cls}">{body}</g>'

    svg = _GROUP.sub(group, svg)
    # Graphviz's hover titles name internal ids (n0->n2); the page writes its own per frame.
    svg = re.sub(r"<title>[^<]*</title>", "<title></title>", svg)
    svg = re.sub(r"<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r'(<svg\b[^>]*?)\swidth="[^"]*"\s+height="[^"]*"', r"\1", svg, count=1)
    svg = re.sub(r"<svg\b\s*", '<svg id="graph-svg" ', svg, count=1)
    # Shapes: the first polygon/ellipse of a node, the path and arrowhead of an edge get ids.
    svg = _mark_shapes(svg)
    return svg


def _mark_shapes(svg: str) -> str:
    def group(m: re.Match[str]) -> str:
        gid, cls, body = m.group(1), m.group(2), m.group(3)
        if cls == "node":
            body = re.sub(r"<(polygon|ellipse)\b", rf'<\1 id="{gid}-shape"', body, count=1)
        else:
            body = re.sub(r"<path\b", rf'<path id="{gid}-path"', body, count=1)
            body = re.sub(r"<polygon\b", rf'<polygon id="{gid}-head"', body, count=1)
        return f'<g id="{gid}" class="{cls}">{body}</g>'

    return _GROUP.sub(group, svg)


# --- one frame drawn in Python: the per-epoch SVG files ----------------------------------------


def grad_fill(grad: float, scale: float) -> str:
    """Blue for a positive gradient, red for a negative one, stronger as |grad| nears the frame's largest.

    Args:
        grad: the node's gradient.
        scale: the frame's largest |gradient|.

    Returns:
        A ``#rrggbb`` colour; light grey for a zero or non-finite gradient or scale.
    """
    if grad == 0 or scale == 0 or not math.isfinite(grad) or not math.isfinite(scale):
        return "#f4f4f4"
    strength = math.sqrt(min(abs(grad) / scale, 1.0))
    r, g, b = (0x21, 0x66, 0xAC) if grad > 0 else (0xB2, 0x18, 0x2B)
    mix = [round(255 + (c - 255) * (0.12 + 0.6 * strength)) for c in (r, g, b)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def _edge_colour(contribution: float) -> str:
    if contribution > 0:
        return "#2166ac"
    if contribution < 0:
        return "#b2182b"
    return "#666666"


# --- the Studio object -------------------------------------------------------------------------


_SLOTS = re.compile(r"__(TITLE|CSS|SVG|DATA|TRACE|JS)__")


def _finite_json(value: Any) -> Any:
    """``value`` with every nan and ±inf as {"$f": "NaN"} (JSON has no such numbers; the page turns them back)."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"$f": "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, dict):
        return {k: _finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_json(v) for v in value]
    return value


class Studio(Page):
    """A studio page: ``.save(path)``, ``.html()``, inline in Jupyter, and the per-epoch SVG files.

    ``studio`` builds it; the arguments are its parts.

    Args:
        data: the page's data (frames, rows, nodes, notes), embedded as JSON.
        svg: the graph's SVG, laid out once, its texts and shapes given ids the page changes.
        picture: the graph: its nodes in topological order, their kinds and leaf sources.
        trace_js: the generated JavaScript that recomputes a frame, or "" when the page cannot compute.
        title: the page's title.
        every: the per-epoch SVG files keep every ``every``-th epoch.
    """

    def __init__(
        self, data: dict[str, Any], svg: str, picture: _Picture, trace_js: str, title: str, every: int = 1
    ) -> None:
        self.data = data
        self.every = every
        self.svg = svg
        self.picture = picture
        self.trace_js = trace_js
        self.title = title
        self._html: str | None = None
        self._template: _Template | None = None

    def html(self) -> str:
        """The whole page: one self-contained, offline HTML document."""
        if self._html is None:
            values = {
                "TITLE": escape.html_text(self.title),
                "CSS": _asset("studio.css"),
                "SVG": self.svg,
                "DATA": escape.json_script(_finite_json(self.data)),
                "TRACE": escape.script_code(self.trace_js),
                "JS": _asset("studio.js"),
            }
            # One pass over the template only: text put in (a title, a label) is never read as a slot.
            template = _asset("templates/studio.html")
            self._html = _SLOTS.sub(lambda m: values[m.group(1)], template)
        return self._html

    def __repr__(self) -> str:
        epochs = len(self.data.get("epochs", []))
        return f"<viz.Studio {self.title!r}: {len(self.picture.nodes)} nodes, {epochs} epochs; .save(path), .html()>"

    # The per-epoch SVG files: the page's frame for (epoch, row 0, update step), from the same layout.

    def frame_svg(self, epoch: int) -> str:
        """Epoch ``epoch``'s frame as a standalone SVG: row 0 with the parameters before the epoch, every gradient."""
        leaves = self._leaves(epoch, 0)
        data, local = evaluate(self.picture, leaves)
        steps = len(backward_order(self.picture))
        grad, reached = replay(self.picture, local, steps)
        return self._fill(data, local, grad, reached)

    def _leaves(self, epoch: int, row: int) -> list[float]:
        return frame_leaves(self.data, self.data["sources"], epoch, row)

    def _fill(self, data: list[float], local: list[list[float]], grad: list[float], reached: list[bool]) -> str:
        show = self.data["showGrad"]
        scale = max((abs(g) for i, g in enumerate(grad) if reached[i] and show[i] and math.isfinite(g)), default=0.0)
        texts: dict[str, str] = {}
        fills: dict[str, str] = {}
        strokes: dict[str, str] = {}
        index = {id(v): i for i, v in enumerate(self.picture.nodes)}
        for i, v in enumerate(self.picture.nodes):
            texts[f"n{i}-data"] = f"data = {fmt(data[i])}"
            shown = reached[i] and show[i]
            texts[f"n{i}-grad"] = f"grad = {fmt(grad[i])}" if shown else ("grad =" if show[i] else _NO_GRAD)
            fills[f"n{i}-shape"] = grad_fill(grad[i], scale) if shown else BASE_FILL[self.picture.kinds[i]]
            ordered = v.op not in _COMMUTATIVE and len(v.parents) > 1
            for j, parent in enumerate(v.parents):
                eid = f"e{i}_{j}"
                port = _port(j) if ordered else ""
                if show[index[id(parent)]]:
                    contribution = grad[i] * local[i][j]
                    texts[f"{eid}-d"] = f"{port}∂ {fmt(local[i][j])}"
                    texts[f"{eid}-c"] = f"→ {fmt(contribution)}"
                    colour = _edge_colour(contribution)
                    strokes[f"{eid}-path"] = strokes[f"{eid}-head"] = fills[f"{eid}-head"] = colour
                else:
                    texts[f"{eid}-d"] = ""  # as the page: no orphan operand letter on an idle edge
                    texts[f"{eid}-c"] = ""
        if self._template is None:
            self._template = _Template(self.svg)
        return self._template.fill(texts, fills, strokes)

    def _chosen_epochs(self, every: int | None) -> list[int]:
        """Positions in the page's epochs of every ``every``-th one, and the last."""
        every = self.every if every is None else every
        if self.data["kind"] != "history":
            raise ValueError("per-epoch SVG files need a studio of a training run (a History)")
        count = len(self.data["epochs"])
        chosen = list(range(0, count, max(1, every)))
        if chosen and chosen[-1] != count - 1:
            chosen.append(count - 1)
        return chosen

    def epoch_svg_title(self, index: int) -> str:
        """What an epoch's SVG file shows, in words: which row, which parameters, which gradients.

        Args:
            index: the epoch's position in the page's recorded epochs.

        Returns:
            The sentence the file carries as its ``<title>`` (a viewer shows it on hover).
        """
        data = self.data
        epoch = data["epochs"][index]["epoch"]
        if data.get("fullBatch"):
            return (
                f"epoch {epoch}: all {len(data['rows'])} rows summed, with the parameters before this epoch's "
                "update, after the whole backward pass (every gradient of the summed loss)"
            )
        features, target = data["rows"][0]
        row = ", ".join(f"{n} {fmt(x)}" for n, x in zip(data["features"], features))
        return (
            f"epoch {epoch}, row 0 ({row}, {data['label']} {fmt(target)}) with the parameters before that row's "
            "update, after its whole backward pass: one row's gradients, not the epoch's sum"
        )

    def epoch_svg_count(self, every: int | None = None) -> int:
        """How many files ``write_epoch_svgs(every=every)`` writes."""
        return len(self._chosen_epochs(every))

    def write_epoch_svgs(
        self,
        out_dir: str | os.PathLike[str],
        every: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Path]:
        """``out_dir/epoch_0000.svg`` … one per ``every`` epochs (and the last): each the page's epoch frame.

        ``every`` defaults to the one given to ``studio()``.
        """
        chosen = self._chosen_epochs(every)
        epochs = self.data["epochs"]
        width = max(4, len(str(epochs[-1]["epoch"])))
        written = []
        for done, index in enumerate(chosen, 1):
            path = Path(out_dir) / f"epoch_{epochs[index]['epoch']:0{width}d}.svg"  # the epoch's own number
            written.append(write_text(path, _standalone(self.frame_svg(index), self.epoch_svg_title(index))))
            if progress is not None:
                progress(done, len(chosen))
        return written


_SLOT = re.compile(r'<text id="([^"]+)"([^>]*)></text>|<(?:polygon|ellipse|path) id="([^"]+)"[^>]*?/?>')
_ATTR = re.compile(r'\b(fill|stroke)="([^"]*)"')


class _Template:
    """The layout's SVG cut once into fixed text and slots (texts, fills, strokes), so a frame is one join."""

    def __init__(self, svg: str) -> None:
        self.parts: list[str] = []
        self.slots: list[tuple[int, str, str, str]] = []  # (index in parts, kind, id, default)
        at = 0
        for m in _SLOT.finditer(svg):
            if m.group(1):  # a text the frame fills in
                self.parts.append(svg[at : m.start()] + f'<text id="{m.group(1)}"{m.group(2)}>')
                self._slot("text", m.group(1), "")
                at = m.end() - len("</text>")
                continue
            tag, sid, tag_at = m.group(0), m.group(3), m.start()
            self.parts.append(svg[at:tag_at])
            inner = 0
            for attr in _ATTR.finditer(tag):
                self.parts.append(tag[inner : attr.start(2)])
                self._slot(attr.group(1), sid, attr.group(2))
                inner = attr.end(2)
            self.parts.append(tag[inner:])
            at = m.end()
        self.parts.append(svg[at:])

    def _slot(self, kind: str, sid: str, default: str) -> None:
        self.slots.append((len(self.parts), kind, sid, default))
        self.parts.append(default)

    def fill(self, texts: dict[str, str], fills: dict[str, str], strokes: dict[str, str]) -> str:
        parts = list(self.parts)
        sources = {"text": texts, "fill": fills, "stroke": strokes}
        for index, kind, sid, _default in self.slots:
            value = sources[kind].get(sid)
            if value is not None:
                parts[index] = escape.xml_text(value) if kind == "text" else value
        return "".join(parts)


def _standalone(svg: str, title: str = "") -> str:
    """A frame as a file: the XML header and the namespace a viewer needs, its natural size and its title."""
    m = re.search(r'viewBox="0(?:\.0+)? 0(?:\.0+)? ([\d.]+) ([\d.]+)"', svg)
    size = f' width="{m.group(1)}pt" height="{m.group(2)}pt"' if m else ""
    svg = re.sub(r"<svg\b", f"<svg{size}", svg, count=1)
    if title:  # the first child of <svg>: what the picture shows
        svg = re.sub(
            r"(<svg\b[^>]*>)",
            lambda t: t.group(1) + f"\n<title>{escape.xml_text(title)}</title>",
            svg,
            count=1,
        )
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + svg


# --- building the page's data ------------------------------------------------------------------


def _compiled_trace(picture: _Picture) -> tuple[str, str]:
    """(the JS of ``function studioTrace(leaves)``, "") or ("", a note saying why the page cannot compute)."""
    compiler = importlib.import_module("autodiff.compile")  # the module; autodiff.compile is its function
    leaves = [v for v in picture.nodes if v.is_leaf]
    varied = [v for v in leaves if not isinstance(v, Constant)] or leaves  # the trace takes every leaf anyway
    try:
        compiled = compiler.compile(picture.root, varied)
        if [id(v) for v in compiled.nodes] != [id(v) for v in picture.nodes]:
            return "", "the compiled graph's node order differs from the drawing's, so editing is off"
        return compiled.javascript_trace("studioTrace"), ""
    except compiler.CompileError as error:
        return "", f"{error} — the page shows the engine's numbers and editing is off"


def _fit(history: History) -> dict[str, Any] | None:
    model = history.model
    if isinstance(model, nn.Neuron) and model.activation == "sigmoid" and len(model.weights) in (1, 2):
        return {"inputs": len(model.weights)}
    return None


def _history_data(history: History, picture: _Picture, embed: bool) -> dict[str, Any]:
    dataset = history.dataset
    assert dataset is not None
    names = history.parameter_names or list(history.start)
    start = [history.start[n] for n in names] if history.start else [history.records[0].parameters[n] for n in names]
    notes = [] if history.start else ["this run did not record its starting parameters, so epoch 0 starts from its end"]
    notes += sample_notes(history.settings, len(dataset.rows))
    full_batch = history.settings.get("mode") == "full_batch"
    kept = max((len(record.rows) for record in history.records), default=0)
    if not full_batch and 0 < kept < len(dataset.rows):
        notes.append(
            f"the run recorded the first {kept:,} rows of an epoch one by one (of {len(dataset.rows):,}): "
            "the page steps through those, then to the epoch's end"
        )
    epochs = []
    before, previous = start, -1
    for record in history.records:
        after = [record.parameters[n] for n in names]
        recorded = bool(record.rows) and not full_batch
        # Without recorded rows, row 0 starts from the previous epoch's end; after a gap (a long
        # run keeps a thinned subset of records) that start is unknown, so only the end is shown.
        known_start = record.epoch == previous + 1
        rows = [list(r) for r in record.rows] if recorded else ([before] if known_start or full_batch else [])
        epoch: dict[str, Any] = {"epoch": record.epoch, "loss": record.loss, "end": after, "rows": rows}
        if not recorded and not full_batch:
            epoch["partial"] = True
        epochs.append(epoch)
        before, previous = after, record.epoch
    data: dict[str, Any] = {
        "kind": "history",
        "predictions": picture.predictions,
        "plainUpdate": _plain_sgd(history, picture, names, start),
        "fullBatch": full_batch,
        "params": names,
        "start": start,
        "epochs": epochs,
        "rows": [[list(features), target] for features, target in dataset.rows],
        "features": list(dataset.feature_names),
        # Standardised rows: the page shows each raw value beside the number the neuron sees.
        "scaling": (
            {"mean": list(dataset.scaling.mean), "spread": list(dataset.scaling.spread)} if dataset.scaling else None
        ),
        "label": dataset.label_name or "target",
        "lr": history.settings.get("lr"),
        "optimizer": history.settings.get("optimizer", ""),
        "objective": picture.root.label,
        "metric": history.settings.get("metric", ""),
        "fit": _fit(history),
        "interrupted": history.interrupted,
        "historyNotes": notes,
    }
    data["carry"] = _carry(history, data["plainUpdate"])
    if embed:
        for e, epoch in enumerate(epochs):
            numbers = []
            for r in range(len(epoch["rows"]) + 1):  # each row, then the end of the epoch
                numbers.append(_frame_numbers(picture, frame_leaves(data, picture.sources, e, r)))
            epoch["num"] = numbers
    return data


def _plain_sgd(history: History, picture: _Picture, names: list[str], start: list[float]) -> bool:
    """Whether every step of the first epoch is ``parameter − lr × gradient``: then the page can carry an edit on.

    Only then does the page write an update as that rule with its numbers (an Adam step is shown as
    before → after), and carry a learner's edit on by redoing the rule (see ``_carry``).
    """
    lr = history.settings.get("lr")
    records = history.records
    full_batch = history.settings.get("mode") == "full_batch"
    if not isinstance(lr, (int, float)) or not records or not history.start:
        return False
    if not full_batch and len(records[0].rows) != len(history.dataset.rows):  # type: ignore[union-attr]
        return False
    first = records[0]
    befores = [start] if full_batch else [list(row) for row in first.rows]
    end = [first.parameters[n] for n in names]
    afters = [end] if full_batch else befores[1:] + [end]
    rows = [[list(f), t] for f, t in history.dataset.rows]  # type: ignore[union-attr]
    data = {"kind": "history", "epochs": [{"rows": befores, "end": end}], "rows": rows}
    checked = list(zip(befores, afters))[:8]  # a few rows tell the rule; a big CSV stays quick
    for r, (before, after) in enumerate(checked):
        leaves = frame_leaves(data, picture.sources, 0, r)
        _, local = evaluate(picture, leaves)
        grad, _ = replay(picture, local, len(backward_order(picture)))
        for i, source in enumerate(picture.sources):
            if source and source[0] == "p":
                expected = before[source[1]] - lr * grad[i]
                if abs(expected - after[source[1]]) > 1e-9 * max(1.0, abs(after[source[1]])):
                    return False
    return True


def _carry(history: History, plain: bool) -> bool:
    """Whether the page can carry an edit on: a plain-SGD run with every epoch and row recorded."""
    records = history.records
    if not plain or any(r.epoch != k for k, r in enumerate(records)):
        return False
    full_batch = history.settings.get("mode") == "full_batch"
    return full_batch or all(len(r.rows) == len(history.dataset.rows) for r in records)  # type: ignore[union-attr]


def frame_leaves(data: dict[str, Any], sources: list[list[Any]], epoch: int, row: int) -> list[float]:
    """Each node's leaf value in frame (epoch, row): parameters before that row, the row's inputs and target.

    ``row`` one past the last is the epoch's end: the parameters after it, with row 0's data.

    Args:
        data: the page's data (``Studio.data``).
        sources: where each node's number comes from (a parameter, an input, the target, a constant).
        epoch: the epoch's index among the page's epochs.
        row: the row, or one past the last for the epoch's end.

    Returns:
        One number per node; 0.0 for a computed node.
    """
    params: list[float] = []
    if data["kind"] == "history":
        rows = data["epochs"][epoch]["rows"]
        params = rows[row] if row < len(rows) else data["epochs"][epoch]["end"]
        row = row if row < len(rows) else 0
    values = []
    for source in sources:
        if not source:
            values.append(0.0)
        elif source[0] == "p":
            values.append(params[source[1]])
        elif source[0] == "x":
            values.append(data["rows"][row if source[1] is None else source[1]][0][source[2]])
        elif source[0] == "y":
            values.append(data["rows"][row if source[1] is None else source[1]][1])
        else:
            values.append(source[1])
    return values


def _frame_numbers(picture: _Picture, leaves: list[float]) -> list[float]:
    """A frame's engine numbers, compactly: every computed node's data, then every local derivative."""
    data, local = evaluate(picture, leaves)
    computed = [i for i, v in enumerate(picture.nodes) if not v.is_leaf]
    return [data[i] for i in computed] + [d for i in computed for d in local[i]]


def _op_text(v: Value) -> tuple[str, list[str]]:
    """``v``'s forward and each local derivative as templates over its operands ({0}, {1}…) and {out}.

    The texts are the op table's (``forward_text``, ``derivatives_text``). The page fills them once
    with names and once with the frame's numbers, so any number shown can be traced to the formula
    it came from. An op without them shows its name only.
    """
    n = len(v.parents)
    if v.op == "sum":
        return " + ".join(f"{{{j}}}" for j in range(n)), ["1"] * n
    if v.op == "linear":  # w1*x1 + … + b: ∂/∂w_i = x_i, ∂/∂x_i = w_i, ∂/∂b = 1
        k = (n - 1) // 2
        forward = " + ".join([*(f"{{{j}}} × {{{k + j}}}" for j in range(k)), f"{{{n - 1}}}"])
        return forward, [f"{{{k + j}}}" for j in range(k)] + [f"{{{j}}}" for j in range(k)] + ["1"]
    owner = ops.defining_class(v._op, "forward_text")  # type: ignore[arg-type]  # the op table's own words
    forward = owner.forward_text if owner is not None else None
    derivatives = list(owner.derivatives_text or ()) if owner is not None else []
    if forward is None:
        forward = f"{v.op}(" + ", ".join(f"{{{j}}}" for j in range(n)) + ")"
    if len(derivatives) != n:
        derivatives = [f"the {v.op} rule's ∂/∂ operand {j + 1}" for j in range(n)]
    return forward, derivatives


def _node_data(picture: _Picture, show_all: bool) -> tuple[list[dict[str, Any]], list[bool]]:
    index = {id(v): i for i, v in enumerate(picture.nodes)}
    nodes, show = [], []
    for i, v in enumerate(picture.nodes):
        kind = picture.kinds[i]
        shows = show_all or kind in (PARAMETER, COMPUTED)
        show.append(shows)
        nodes.append(
            {
                "label": v.label,
                "kind": kind,
                "op": v.op,
                "parents": [index[id(p)] for p in v.parents],
                "ordered": v.op not in _COMMUTATIVE and len(v.parents) > 1,
                "name": _name(v, picture.root),
            }
        )
        if v.parents:
            nodes[-1]["forward"], nodes[-1]["derivatives"] = _op_text(v)
    return nodes, show


def _name(v: Value, root: Value) -> str:
    from autodiff.stepper import name_of

    return name_of(v, root)


def studio(
    source: History | Value,
    *,
    title: str = "",
    every: int = 1,
    renderer: str = "wasm",
    show_all_gradients: bool = False,
) -> Studio:
    """The studio page for a training run (``autodiff.train``'s History) or one backward pass (a Value).

    A run of a layered model (``nn.MLP``, ``nn.Layer``) gets the network studio (viz.network) instead.

    Args:
        source: a History with at least one finished epoch, or a computed Value to backpropagate from.
        title: the page's title; "": one made from the dataset's name (or the Value's label).
        every: the per-epoch SVG files keep every ``every``-th epoch (the page keeps them all).
        renderer: "wasm" or "system", the Graphviz that lays the graph out.
        show_all_gradients: also show the gradients of data inputs, targets and constants.

    Returns:
        The page: a Studio (a NetworkStudio for a layered model).

    Raises:
        TypeError: ``source`` is neither a History nor a Value.
        ValueError: the History has no finished epoch, the Value is a leaf, ``every`` is not a whole
            number ≥ 1, or ``renderer`` is unknown.
        RenderError: the graph is too large to lay out, or Graphviz could not render it.
    """
    if isinstance(source, History):
        source = sample_history(source, sample.STUDIO_ROWS)  # a million rows: the page holds the first, and says so
    if isinstance(source, History) and is_network(source.model):
        return network_studio(source, title=title)  # type: ignore[return-value]
    if isinstance(source, History):
        if not source.records:
            raise ValueError("studio needs a History with at least one finished epoch")
        picture = _row_graph(source)
        notes = _structure_notes(source, picture)
    elif isinstance(source, Value):
        if source.is_leaf:
            raise ValueError(f"studio needs a computed Value to backpropagate from, got the leaf {source!r}")
        picture = _picture(source)
        notes = []
    else:
        raise TypeError(f"studio needs an autodiff History or Value, got {type(source).__name__} {source!r}")
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be a whole number ≥ 1, got {every!r}")
    trace_js, why = _compiled_trace(picture)
    nodes, show = _node_data(picture, show_all_gradients)
    if isinstance(source, History):
        data = _history_data(source, picture, embed=not trace_js)
        title = title or f"{source.settings.get('dataset', 'training')}: the studio"
    else:
        leaves = [v.data if v.is_leaf else 0.0 for v in picture.nodes]
        data = {"kind": "value", "objective": picture.root.label or "L", "single": _frame_numbers(picture, leaves)}
        if trace_js:
            del data["single"]
        title = title or f"backprop from {picture.root.label or 'L'}"
    if why:
        notes.append(why)
    notes.extend(data.pop("historyNotes", []))
    data.update(
        {
            "title": title,
            "nodes": nodes,
            "sources": picture.sources,
            "showGrad": show,
            "order": backward_order(picture),
            "editable": bool(trace_js),
            "notes": notes,
        }
    )
    svg = _tag_svg(render_svg(_dot(picture), renderer))
    return Studio(data, svg, picture, trace_js, title, every)


def _structure_notes(history: History, picture: _Picture) -> list[str]:
    """Say so if the graph at the last epoch is shaped differently from the one drawn (control flow on data)."""
    try:
        model = copy.deepcopy(history.model)
        assert model is not None
        model.load_state_dict(history.records[-1].parameters)
        other = _row_graph(
            History(
                records=history.records,
                settings=history.settings,
                model=model,
                dataset=history.dataset,
                loss=history.loss,
                start=dict(history.records[-1].parameters),
            )
        )
    except Exception as error:  # noqa: BLE001 - a note, never a crash
        return [f"could not rebuild the last epoch's graph to compare its shape ({error})"]
    if _signature(other) != _signature(picture):
        return [
            "the graph's shape at the last epoch differs from the first epoch's; every frame is drawn on the first "
            "epoch's shape"
        ]
    return []
