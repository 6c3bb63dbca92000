"""A picture of a graph as boxes and arrows, its cost for Graphviz, and a layout of our own.

``viz.draw`` builds a ``Picture`` (nodes with their text and colours, edges between them) and asks
``plan`` which layout it gets, before any layout starts:

- Graphviz's ``dot``, when its cost estimate is inside the budget. ``dot`` turns every edge that
  crosses k ranks into k - 1 invisible "virtual" nodes and orders every rank by crossing
  minimisation, so its time follows nodes + edges + virtual nodes, not nodes alone;
- otherwise the layered layout here (``svg``): ranks by longest path, order within each rank by a
  few barycentre sweeps, straight edges. It runs in time linear in nodes + edges (plus sorting);
- beyond ``MAX_ELEMENTS`` nodes + edges, neither: one sentence says what to draw instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from viz import escape

GRAPHVIZ, LAYERED, REFUSED = "graphviz", "layered", "refused"
# Graphviz (with viz.render's effort limits) stays inside 2 s per 1,000 values on the shapes
# measured (benchmarks/layout.py, and the shapes: up to 0.25 ms of CPU per unit of work)
# while its work, nodes + edges + virtual nodes, stays under GRAPHVIZ_BUDGET and under
# WORK_PER_VALUE per value, the edges and virtual nodes stay under EDGES_PER_NODE per node (plus
# SMALL for small graphs), and no rank is entered by more than RANK_EDGES edges. Past any of these
# its time grows faster than the graph (crossing minimisation on long or crowded edges: a random
# graph of 800 values took 10 s, four rows of an MLP 3.3 s), and the picture gets our layout.
GRAPHVIZ_BUDGET = 12_000
WORK_PER_VALUE = 5
EDGES_PER_NODE = 2
SMALL = 500
RANK_EDGES = 600
# Drawing with our layout takes about 25 µs per node or edge (the moons MLP's loss graph: 7,881
# values, 125,000 nodes + edges, 3 s, a 30 MB SVG). Past MAX_ELEMENTS a picture is too big for a
# browser to show usefully; past ELEMENTS_PER_VALUE per value of the graph (a graph of few values
# and very many edges, each a sum of hundreds) it would take longer than 2 s per 1,000 values.
# Either way the answer is to draw less of it.
MAX_ELEMENTS = 300_000
ELEMENTS_PER_VALUE = 40
SWEEPS = 4  # barycentre passes (down and up); more barely changes the crossings of these graphs

_FONT = 12  # px, Helvetica, as the DOT pictures use
_CHAR = 7.0  # px per character, a Helvetica average
_LINE = 15.0  # px per line of text
_PAD = 6.0  # px inside a box around its text
_RANK_GAP = 36.0  # px between ranks
_NODE_GAP = 12.0  # px between neighbours in a rank


@dataclass
class Node:
    """One drawn box (``fields``: its parts, each a list of plain-text lines) or op circle.

    Attributes:
        name: the node's DOT name.
        fields: the box's parts, each a list of plain-text lines.
        style: Graphviz attributes for the node (fill colour and the like).
        circle: drawn as an op circle, not a box.
    """

    name: str
    fields: list[list[str]]
    style: dict[str, str] = field(default_factory=dict)
    circle: bool = False


@dataclass
class Picture:
    """Nodes and edges (pairs of node indices, tail first) as they will be drawn.

    Attributes:
        nodes: the nodes, in the order edges index them.
        edges: pairs of node indices, tail first.
        rankdir: Graphviz's rank direction: "LR" (left to right), "RL", "TB" or "BT".
    """

    nodes: list[Node]
    edges: list[tuple[int, int]]
    rankdir: str = "LR"


@dataclass(frozen=True)
class Plan:
    """Which layout a picture gets, and the figures that chose it.

    Attributes:
        strategy: GRAPHVIZ, LAYERED or REFUSED.
        nodes: the nodes Graphviz would lay out.
        edges: the edges.
        virtual_nodes: what Graphviz would add: the sum over edges of (ranks crossed - 1).
        rank_edges: the most edges entering any one rank.
    """

    strategy: str  # GRAPHVIZ, LAYERED or REFUSED
    nodes: int
    edges: int
    virtual_nodes: int  # what Graphviz would add: sum over edges of (ranks crossed - 1)
    rank_edges: int = 0  # the most edges entering any one rank

    @property
    def graphviz_work(self) -> int:
        """Nodes + edges + virtual nodes: what Graphviz's time follows."""
        return self.nodes + self.edges + self.virtual_nodes


def ranks(count: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """Each node's rank: the longest path to it, then each source moved next to its nearest use.

    Moving sources is what Graphviz's ranking does too (it shortens edges): a leaf sits just
    before the first operation that reads it, not in a column of every leaf at rank 0. A cycle
    (hand-written DOT may have one; a computation graph never does) is broken where it is met,
    as Graphviz breaks it by reversing an edge.

    Args:
        count: the number of nodes, numbered 0 … count - 1.
        edges: pairs of node indices, tail first.

    Returns:
        Each node's rank, by node index.
    """
    successors: list[list[int]] = [[] for _ in range(count)]
    indegree = [0] * count
    for tail, head in edges:
        successors[tail].append(head)
        indegree[head] += 1
    rank = [0] * count
    ready = [n for n in range(count) if indegree[n] == 0]
    sources = list(ready)
    done = [False] * count
    unblocked = 0  # where to look for a node on a cycle when nothing is ready
    while True:
        while ready:
            n = ready.pop()
            done[n] = True
            for s in successors[n]:
                if done[s]:
                    continue  # an edge closing a cycle: Graphviz draws it reversed
                if rank[n] + 1 > rank[s]:
                    rank[s] = rank[n] + 1
                indegree[s] -= 1
                if indegree[s] == 0:
                    ready.append(s)
        while unblocked < count and done[unblocked]:
            unblocked += 1
        if unblocked == count:
            break
        indegree[unblocked] = 0
        ready.append(unblocked)
    for n in sources:
        if successors[n]:
            rank[n] = min(rank[s] for s in successors[n]) - 1
    return rank


def virtual_nodes(rank: Sequence[int], edges: Sequence[tuple[int, int]]) -> int:
    """How many virtual nodes Graphviz's ``dot`` adds: one per rank an edge passes over.

    Args:
        rank: each node's rank (see ``ranks``).
        edges: pairs of node indices, tail first.

    Returns:
        The sum over edges of (ranks crossed - 1).
    """
    return sum(max(0, abs(rank[head] - rank[tail]) - 1) for tail, head in edges)


def plan(picture: Picture, extra_nodes: int = 0, values: int | None = None) -> Plan:
    """Choose the layout from the picture's size and shape alone, before any layout starts.

    Args:
        picture: what will be drawn.
        extra_nodes: nodes Graphviz draws beside the picture's (a legend's), edgeless.
        values: how many values the picture shows (its nodes count copies and op circles too);
            None when each node is a value.

    Returns:
        The strategy and the figures it was chosen by.
    """
    nodes, edges = len(picture.nodes) + extra_nodes, len(picture.edges)
    if nodes + edges > MAX_ELEMENTS or (values is not None and nodes + edges > ELEMENTS_PER_VALUE * values + SMALL):
        return Plan(REFUSED, nodes, edges, 0)
    rank = ranks(len(picture.nodes), picture.edges)
    virtual = virtual_nodes(rank, picture.edges)
    entering: dict[int, int] = {}
    for _, head in picture.edges:
        entering[rank[head]] = entering.get(rank[head], 0) + 1
    crowded = max(entering.values(), default=0)
    work = nodes + edges + virtual
    fits = (
        work <= GRAPHVIZ_BUDGET
        and work <= WORK_PER_VALUE * (nodes if values is None else values) + 100
        and edges + virtual <= EDGES_PER_NODE * nodes + SMALL
        and crowded <= RANK_EDGES
    )
    return Plan(GRAPHVIZ if fits else LAYERED, nodes, edges, virtual, crowded)


# --- the layered layout ------------------------------------------------------------------------


def _box_size(node: Node) -> tuple[float, float]:
    """Width and height in px of a node's box (a circle's is its diameter both ways)."""
    lines = [line for part in node.fields for line in part]
    width = max((len(line) for line in lines), default=1) * _CHAR + 2 * _PAD
    height = len(lines) * _LINE + 2 * _PAD
    if node.circle:
        side = max(width, height, 28.0)
        return side, side
    return width, height


def _order(rank: list[int], edges: Sequence[tuple[int, int]], count: int) -> list[list[int]]:
    """Nodes per rank, ordered by barycentre sweeps so that edges mostly run straight."""
    layers: list[list[int]] = [[] for _ in range(max(rank, default=-1) + 1)]
    for n in range(count):
        layers[rank[n]].append(n)
    predecessors: list[list[int]] = [[] for _ in range(count)]
    successors: list[list[int]] = [[] for _ in range(count)]
    for tail, head in edges:
        successors[tail].append(head)
        predecessors[head].append(tail)
    position = [0.0] * count

    def place(layer: list[int]) -> None:
        step = 1.0 / len(layer)
        for i, n in enumerate(layer):
            position[n] = (i + 0.5) * step

    for layer in layers:
        if layer:
            place(layer)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        neighbours = predecessors if downward else successors
        for layer in layers if downward else reversed(layers):
            if len(layer) < 2:
                continue

            def barycentre(n: int, neighbours: list[list[int]] = neighbours) -> float:
                near = neighbours[n]
                return sum(position[m] for m in near) / len(near) if near else position[n]

            layer.sort(key=barycentre)
            place(layer)
    return layers


def svg(picture: Picture, title: str = "computation graph") -> str:
    """The picture laid out by rank, drawn as an SVG document (same structure as Graphviz's).

    Each node is a ``<g class="node">`` whose ``<title>`` is its name and each edge a
    ``<g class="edge">`` titled ``tail->head``, as in Graphviz's SVG, so code that reads one
    reads the other.

    Args:
        picture: the nodes and edges to draw.
        title: the graph's title.

    Returns:
        The SVG document.
    """
    nodes, edges = picture.nodes, picture.edges
    rank = ranks(len(nodes), edges)
    layers = _order(rank, edges, len(nodes))
    sizes = [_box_size(node) for node in nodes]
    across = picture.rankdir in ("LR", "RL")  # ranks run left to right: a rank is a column
    # Along the rank direction: each rank as deep as its deepest box.
    depth = [max((sizes[n][0 if across else 1] for n in layer), default=0.0) for layer in layers]
    start, offset = [], _RANK_GAP / 2
    for d in depth:
        start.append(offset)
        offset += d + _RANK_GAP
    length = offset - _RANK_GAP / 2
    # Across it: stack each rank, each node pulled level with the middle of what feeds it.
    predecessors: list[list[int]] = [[] for _ in nodes]
    for tail, head in edges:
        predecessors[head].append(tail)
    middle = [0.0] * len(nodes)
    breadth = 0.0
    for layer in layers:
        below = _NODE_GAP / 2
        for n in layer:
            extent = sizes[n][1 if across else 0]
            feeding = predecessors[n]
            wanted = sum(middle[m] for m in feeding) / len(feeding) - extent / 2 if feeding else below
            top = max(below, wanted)
            middle[n] = top + extent / 2
            below = top + extent + _NODE_GAP
        breadth = max(breadth, below)
    centre: list[tuple[float, float]] = []
    for n in range(len(nodes)):
        along = start[rank[n]] + depth[rank[n]] / 2
        if picture.rankdir in ("RL", "BT"):
            along = length - along
        centre.append((along, middle[n]) if across else (middle[n], along))
    width, height = (length, breadth) if across else (breadth, length)

    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n',
        f'<svg width="{width:.0f}pt" height="{height:.0f}pt" viewBox="0 0 {width:.2f} {height:.2f}" '
        'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker></defs>\n',
        f'<g id="graph0" class="graph" font-family="Helvetica,Arial,sans-serif" font-size="{_FONT}">\n',
        f"<title>{_text(title)}</title>\n",
        f'<rect x="0" y="0" width="{width:.2f}" height="{height:.2f}" fill="white" stroke="none"/>\n',
        '<g fill="none" stroke="#555555" marker-end="url(#arrow)">\n',  # every edge's paint, once
    ]
    for i, (tail, head) in enumerate(edges, 1):
        (x1, y1), (x2, y2) = centre[tail], centre[head]
        (tw, th), (hw, hh) = sizes[tail], sizes[head]
        if across:
            sign = 1 if x2 >= x1 else -1
            x1, x2 = x1 + sign * tw / 2, x2 - sign * hw / 2
        else:
            sign = 1 if y2 >= y1 else -1
            y1, y2 = y1 + sign * th / 2, y2 - sign * hh / 2
        out.append(
            f'<g id="edge{i}" class="edge"><title>{_text(nodes[tail].name)}&#45;&gt;{_text(nodes[head].name)}</title>'
            f'<path d="M{x1:.0f},{y1:.0f}L{x2:.0f},{y2:.0f}"/></g>\n'
        )
    out.append("</g>\n")
    for i, node in enumerate(nodes):
        out.append(_node_svg(i + 1, node, centre[i], sizes[i]))
    out.append("</g>\n</svg>\n")
    return "".join(out)


def _text(text: str) -> str:
    return escape.xml_text(text)


def _node_svg(number: int, node: Node, centre: tuple[float, float], size: tuple[float, float]) -> str:
    """One node: its shape in its colours, then its text, field under field."""
    (x, y), (w, h) = centre, size
    style = node.style
    fill = style.get("fillcolor", "white") if "filled" in style.get("style", "") else "none"
    stroke = style.get("color", "black")
    pen = style.get("penwidth", "1")
    dash = ' stroke-dasharray="5,2"' if "dashed" in style.get("style", "") else ""
    paint = f'fill="{_text(fill)}" stroke="{_text(stroke)}" stroke-width="{_text(pen)}"{dash}'
    colour = _text(style.get("fontcolor", "black"))
    size_attr = f' font-size="{_text(style["fontsize"])}"' if "fontsize" in style else ""
    parts = [f'<g id="node{number}" class="node"><title>{_text(node.name)}</title>']
    if node.circle:
        parts.append(f'<ellipse {paint} cx="{x:.0f}" cy="{y:.0f}" rx="{w / 2:.0f}" ry="{h / 2:.0f}"/>')
    else:
        parts.append(f'<rect {paint} x="{x - w / 2:.0f}" y="{y - h / 2:.0f}" width="{w:.0f}" height="{h:.0f}"/>')
    parts.append(f'<g text-anchor="middle" fill="{colour}"{size_attr}>')
    top = y - h / 2 + _PAD
    first = True
    for part in node.fields:
        if not first:  # a rule between a record's fields, as Graphviz draws them
            rule = f"M{x - w / 2:.0f},{top:.0f}H{x + w / 2:.0f}"
            parts.append(f'<path stroke="{_text(stroke)}" d="{rule}"/>')
        first = False
        for line in part:
            top += _LINE
            parts.append(f'<text x="{x:.0f}" y="{top - 3.5:.0f}">{_text(line)}</text>')
    parts.append("</g></g>\n")
    return "".join(parts)
