"""viz.draw lays out any graph in bounded time: the layout is chosen from size and shape first.

What: random graphs with heavy fan-out and long edges, Horner polynomials, chains that read one
leaf at every step, an MLP's full-batch loss graph — each is drawn by Graphviz or by the layered
layout (as ``Graph.plan`` says, from nodes, edges and the virtual nodes Graphviz would add) or
refused in one sentence; the SVG parses; every node is in it once, a shared value once in full
and once per use (marked "(shared, i of k)", the uses' grad shares adding up to its gradient by
central differences); the renderer serves the next graph. Ctrl-C stops a Graphviz layout
part-way. Times are measured in benchmarks/layout.py, not asserted here.
Why: a learner's loop that reuses a variable (Horner's rule, an unrolled recurrence, a training
step that reuses w per row) made Graphviz run for minutes or run out of memory.
"""

from __future__ import annotations

import math
import os
import random
import re
import signal
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import viz
import viz.render as render
from autodiff import Value, topological_order, total
from autodiff.nn import MLP
from viz import RenderError, layered, render_svg

SVG = "{http://www.w3.org/2000/svg}"
SHARE = re.compile(r"grad share = (\S+)")


def nodes_in(svg: str) -> dict[str, list[str]]:
    """Each node group's title → its texts; fails if a title appears twice."""
    titles: Counter[str] = Counter()
    texts = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        if group.get("class") == "node":
            title = group.find(f"{SVG}title").text
            titles[title] += 1
            texts[title] = [(t.text or "").replace("\xa0", " ") for t in group.iter(f"{SVG}text")]
    assert all(count == 1 for count in titles.values()), [t for t, c in titles.items() if c > 1]
    return texts


def check_drawn(graph: viz.Graph, root: Value) -> dict[str, list[str]]:
    """The SVG parses; every value is one node; a shared value's copies are marked, one per use."""
    svg = graph.svg()
    texts = nodes_in(svg)
    order = topological_order(root)
    value_boxes = [name for name in texts if re.fullmatch(r"v\d+", name)]
    assert len(value_boxes) == len(order)
    copies: dict[str, list[str]] = {}
    for name in texts:
        if "_use" in name:
            copies.setdefault(name.split("_use")[0], []).append(name)
    assert set(copies) <= set(value_boxes)
    for name, uses in copies.items():
        k = len(uses)
        assert any(f"shared: {k} uses" in line for line in texts[name])
        for copy in uses:
            i = int(copy.rsplit("use", 1)[1])
            assert any(f"(shared, {i} of {k})" in line for line in texts[copy]), texts[copy]
    assert graph.plan.nodes == len(graph.picture.nodes) + (viz.graph._LEGEND_NODES if graph._legend else 0)
    assert render_svg("digraph { a -> b }").rstrip().endswith("</svg>")  # the renderer serves the next graph
    return texts


def shares(texts: dict[str, list[str]], name: str) -> list[float]:
    """The grad shares shown on the copies of value node ``name``."""
    found = []
    for node, lines in texts.items():
        if node.startswith(name + "_use"):
            found += [float(m.group(1)) for line in lines if (m := SHARE.search(line))]
    return found


def box_of(root: Value, value: Value) -> str:
    """The node name viz.draw gives ``value`` in the graph of ``root`` (by identity: == builds a comparison)."""
    return f"v{[id(v) for v in topological_order(root)].index(id(value))}"


def central_difference(build: Callable[[float], Value], at: float, h: float = 1e-6) -> float:
    return (build(at + h).data - build(at - h).data) / (2 * h)


# --- shapes -------------------------------------------------------------------------------------


def shared_leaf_chain(steps: int, x0: float = 0.5) -> tuple[Value, Value]:
    x = Value(x0, label="x")
    y = Value(1.0, label="y0")
    for _ in range(steps):
        y = y * 1.0001 + x
    return y, x


def horner(degree: int, x0: float = 0.7) -> tuple[Value, Value]:
    rng = random.Random(degree)
    x = Value(x0, label="x")
    y = Value(1.0, label="c0")
    for _ in range(degree):
        y = y * x + rng.uniform(-1, 1)
    return y, x


def moons_loss(rows: int) -> Value:
    """micrograd's moons demo loss: MLP 2-16-16-1, hinge loss over ``rows`` points, L2 on every weight."""
    from benchmarks.workloads import ALPHA, moons

    xs, ys = moons(max(rows, 4))
    model = MLP(2, [16, 16, 1], activation="relu", output_activation=None, seed=0)
    scores = [model([Value(a, label="x1"), Value(b, label="x2")]) for a, b in xs[:rows]]
    losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
    loss = total(losses) * (1.0 / rows) + ALPHA * total([p * p for p in model.parameters()])
    loss.backward()
    return loss


# --- random graphs with heavy fan-out and long edges ----------------------------------------------


@st.composite
def fan_out_graphs(draw: st.DrawFn) -> tuple[list[tuple[str, int, int]], int]:
    """A straight-line program over 3 leaves: each step reads a hub (often), a recent value or any
    earlier one (a long edge), so some values feed many steps far apart."""
    n = draw(st.integers(3, 90))
    steps = []
    for i in range(n):
        available = 3 + i
        hub = draw(st.integers(0, 2))
        far = draw(st.integers(0, available - 1))
        near = max(0, available - 1 - draw(st.integers(0, 3)))
        a = hub if draw(st.booleans()) else far
        op = draw(st.sampled_from(["add", "mul", "tanh"]))
        steps.append((op, a, near))
    return steps, n


def run_program(steps: list[tuple[str, int, int]], leaves: list[Value]) -> Value:
    values: list[Value] = list(leaves)
    for op, a, b in steps:
        if op == "add":
            values.append(values[a] + values[b])
        elif op == "mul":
            values.append(values[a] * values[b] * 0.5)
        else:
            values.append((values[a] * 0.3 + values[b] * 0.2).tanh())
    return values[-1]


LEAF_DATA = (0.3, -0.6, 0.9)


@settings(max_examples=max(1, settings.default.max_examples // 3), deadline=None)  # 20; `make fuzz`: 3,333
@given(fan_out_graphs())
def test_random_fan_out_graphs_lay_out_with_every_value_once_and_shares_that_add_up(program) -> None:
    steps, _ = program
    leaves = [Value(d, label=f"x{i}") for i, d in enumerate(LEAF_DATA)]
    root = run_program(steps, leaves)
    root.backward()
    graph = viz.draw(root)
    assert graph.plan.strategy in (layered.GRAPHVIZ, layered.LAYERED)
    texts = check_drawn(graph, root)
    drawn = {id(v) for v in topological_order(root)}
    for i, leaf in enumerate(leaves):
        if id(leaf) not in drawn:
            continue
        name = box_of(root, leaf)

        def build(at: float, i: int = i) -> Value:
            data = list(LEAF_DATA)
            data[i] = at
            return run_program(steps, [Value(d) for d in data])

        expected = central_difference(build, LEAF_DATA[i])
        parts = shares(texts, name)
        if parts:  # drawn once per use: the shown shares (4 significant digits) add up to the gradient
            assert math.isclose(sum(parts), expected, rel_tol=2e-3, abs_tol=1e-3 * max(1.0, *map(abs, parts)))


def test_a_long_edge_graph_past_the_budget_gets_the_layered_layout() -> None:
    """The same kind of graph, large: far reads make Graphviz's virtual nodes exceed its budget."""
    rng = random.Random(7)
    values = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(3)]
    for _ in range(600):
        values.append(values[-1] * 0.5 + values[rng.randrange(len(values))] * 0.5)
    root = values[-1]
    graph = viz.draw(root)
    assert graph.plan.strategy == layered.LAYERED
    assert graph.plan.graphviz_work > layered.GRAPHVIZ_BUDGET or graph.plan.rank_edges > layered.RANK_EDGES
    check_drawn(graph, root)


# --- Horner, shared-leaf chains, recurrences -----------------------------------------------------


@pytest.mark.parametrize("degree", [10, 40, 200])
def test_horner_draws_x_once_per_use_with_no_long_edges(degree: int) -> None:
    y, x = horner(degree)
    y.backward()
    graph = viz.draw(y)
    assert graph.plan.virtual_nodes == 0  # every read of x is a copy beside its multiply
    assert graph.plan.strategy == layered.GRAPHVIZ
    texts = check_drawn(graph, y)
    parts = shares(texts, box_of(y, x))
    assert len(parts) == degree
    expected = central_difference(lambda at: horner(degree, at)[0], 0.7)
    assert math.isclose(sum(parts), expected, rel_tol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("degree", [500, 2000])
def test_horner_of_high_degree(degree: int) -> None:
    y, _ = horner(degree)
    y.backward()
    graph = viz.draw(y)
    assert graph.plan.virtual_nodes == 0
    assert graph.plan.strategy == (layered.LAYERED if degree == 2000 else layered.GRAPHVIZ)
    check_drawn(graph, y)


@pytest.mark.parametrize("steps", [20, 100, 400])
def test_a_chain_reading_one_leaf_at_every_step(steps: int) -> None:
    y, x = shared_leaf_chain(steps)
    y.backward()
    graph = viz.draw(y)
    assert graph.plan.virtual_nodes == 0 and graph.plan.strategy == layered.GRAPHVIZ
    texts = check_drawn(graph, y)
    name = box_of(y, x)
    parts = shares(texts, name)
    assert len(parts) == steps
    assert math.isclose(sum(parts), central_difference(lambda at: shared_leaf_chain(steps, at)[0], 0.5), rel_tol=1e-3)
    assert any(f"grad = {viz.graph.fmt(x.grad)}" in line for line in texts[name])  # the full node keeps the total


@pytest.mark.parametrize("rankdir", ["TB", "RL"])
def test_the_layered_layout_draws_every_direction(rankdir: str) -> None:
    y, _ = shared_leaf_chain(1000)
    graph = viz.draw(y, rankdir=rankdir)
    assert graph.plan.strategy == layered.LAYERED
    check_drawn(graph, y)
    root = ET.fromstring(graph.svg())
    width, height = (float(root.get(side).rstrip("pt")) for side in ("width", "height"))
    assert (height > width) == (rankdir == "TB")  # ranks run down the page, or across it


@pytest.mark.slow
def test_a_chain_reading_one_leaf_at_two_thousand_steps() -> None:
    y, _ = shared_leaf_chain(2000)
    graph = viz.draw(y)
    assert graph.plan.strategy == layered.LAYERED and graph.plan.virtual_nodes == 0
    check_drawn(graph, y)


def test_an_unrolled_recurrence_reads_its_weight_once_per_step() -> None:
    w, h = Value(0.5, label="w"), Value(0.1, label="h0")
    for _ in range(80):
        h = (w * h).tanh()
    graph = viz.draw(h, rankdir="TB")
    assert graph.plan.virtual_nodes == 0
    texts = check_drawn(graph, h)
    assert sum("(shared," in line for lines in texts.values() for line in lines) == 80


# --- MLPs ----------------------------------------------------------------------------------------


def test_an_mlp_loss_over_ten_rows() -> None:
    loss = moons_loss(10)
    graph = viz.draw(loss)
    assert graph.plan.strategy == layered.LAYERED  # its ranks are crowded: Graphviz's crossing work grows fast
    assert graph.plan.rank_edges > layered.RANK_EDGES
    check_drawn(graph, loss)


@pytest.mark.slow
def test_the_moons_mlp_full_batch_loss_graph() -> None:
    loss = moons_loss(100)
    order = topological_order(loss)
    assert len(order) > 7_000 and sum(len(v.parents) for v in order) > 60_000
    graph = viz.draw(loss, legend=False)
    assert graph.plan.strategy == layered.LAYERED
    check_drawn(graph, loss)


# --- refusals, sub-graphs, the studio's bound, Ctrl-C ---------------------------------------------


def test_more_values_than_the_limit_are_refused_in_one_sentence_before_any_layout() -> None:
    y = Value(1.0, label="y")
    for _ in range(viz.graph.MAX_VALUES // 2 + 1):
        y = y * 1.0001
    with pytest.raises(RenderError) as caught:
        viz.draw(y)
    message = str(caught.value)
    assert f"{viz.graph.MAX_VALUES + 3:,} values" in message and "max_nodes=" in message
    assert "\n" not in message
    graph = viz.draw(y, max_nodes=300)  # the part nearest the output is drawn instead
    texts = nodes_in(graph.svg())
    assert sum(bool(re.fullmatch(r"v\d+", name)) for name in texts) == 300
    assert any("inputs not drawn (max_nodes=300)" in line for lines in texts.values() for line in lines)


def test_a_few_values_with_very_many_edges_are_refused() -> None:
    """200 sums of the same 100 leaves: 20,000 arrows for 301 values, over 40 per value."""
    leaves = [Value(float(i), label=f"x{i}") for i in range(100)]
    root = total([total(leaves) for _ in range(200)])
    with pytest.raises(RenderError, match="301 values.*per value"):
        viz.draw(root)


def test_max_nodes_must_be_a_positive_whole_number() -> None:
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="max_nodes must be a positive whole number"):
            viz.draw(Value(1.0), max_nodes=bad)


def test_plan_dot_counts_virtual_nodes_as_graphviz_adds_them() -> None:
    # a -> b -> c -> d and a -> d: the long edge crosses b's and c's ranks, two virtual nodes.
    plan = render.plan_dot('digraph {\n a -> b -> c\n c -> d [label="x -> y"]\n a -> d\n "e f" [label=e]\n}')
    assert (plan.nodes, plan.edges, plan.virtual_nodes) == (5, 4, 2)
    # Hand-written DOT may have a cycle: it is broken, as Graphviz breaks it, and still drawn.
    cycle = "digraph {\n a -> b -> c -> a\n c -> d\n}"
    assert render.plan_dot(cycle).virtual_nodes == 1  # c -> a, reversed, spans two ranks
    assert render_svg(cycle).rstrip().endswith("</svg>")


def test_render_svg_refuses_dot_beyond_the_budget_and_adds_effort_limits() -> None:
    """Any DOT (the studio's too) gets the same bound: long edges past the budget never reach Graphviz."""
    chain = "".join(f"n{i} -> n{i + 1}\n" for i in range(120))
    hub = "".join(f"hub -> n{i}\n" for i in range(0, 120, 1))
    with pytest.raises(RenderError, match="virtual nodes"):
        render_svg("digraph {\n" + chain + hub + "}")
    assert "nslimit=2" in render.with_effort_limits("digraph g {\n a -> b\n}")
    big = "digraph {\n" + "".join(f"n{i} [label=x]\n" for i in range(render.PLACEMENT_NODES + 1)) + "}"
    assert "nslimit=0" in render.with_effort_limits(big)
    assert render_svg("digraph { a -> b }").rstrip().endswith("</svg>")


def test_the_studio_lays_out_within_the_same_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """The studio's graph goes through render_svg too: planned first, drawn with the effort limits."""
    import importlib

    from autodiff.datasets import STUDY_HOURS
    from demos import runs

    studio_module = importlib.import_module("viz.studio")
    sources: list[str] = []

    def recording(dot: str, renderer: str = "wasm") -> str:
        sources.append(dot)
        return render_svg(dot, renderer)

    monkeypatch.setattr(studio_module, "render_svg", recording)
    history, _ = runs.run("hand", STUDY_HOURS, runs.Start(weights=(0.1,), epochs=2))
    viz.studio(history)
    assert sources
    assert all(render.plan_dot(dot).strategy == layered.GRAPHVIZ for dot in sources)


def test_ctrl_c_stops_a_graphviz_layout_part_way_and_the_next_render_works() -> None:
    """SIGINT while Graphviz (wasm) lays a graph out: KeyboardInterrupt at once, and the layout stops."""
    source = "digraph {\n" + "".join(f"n{i} -> n{i + 1}\n" for i in range(5_500)) + "}"
    render.warm_up()
    busy = render._wasm_backend
    outcome: list[str] = []
    real = render._render_here

    def spy(dot: str) -> bytes:  # runs on the render thread: Ctrl-C arrives once the layout has begun
        threading.Timer(0.05, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            result = real(dot)
            outcome.append("finished")
            return result
        except RenderError:
            outcome.append("stopped")
            raise

    render._render_here = spy
    try:
        with pytest.raises(KeyboardInterrupt):
            render_svg(source)
            threading.Event().wait(10)  # had the layout finished first, the signal lands here
        for _ in range(600):
            if outcome:
                break
            threading.Event().wait(0.05)
    finally:
        render._render_here = real
    assert outcome == ["stopped"]  # the wasm trapped on the interrupt, it did not run on to the end
    assert render._wasm_backend is not busy  # the interrupted instance was dropped
    assert render_svg("digraph { a -> b }").rstrip().endswith("</svg>")


@settings(max_examples=max(1, settings.default.max_examples * 2 // 3), deadline=None)  # 40; `make fuzz`: 6,666
@given(
    st.integers(1, 60).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=4 * n)
        )
    )
)
def test_the_layered_layout_of_any_dag_draws_every_node_and_edge_once(case: tuple[int, list[tuple[int, int]]]) -> None:
    """Ranks put every edge forward; the SVG has each node once and each edge once, whatever the DAG."""
    n, pairs = case
    edges = [(min(a, b), max(a, b)) for a, b in pairs if a != b]  # tail before head: acyclic
    picture = layered.Picture([layered.Node(f"n{i}", [[f"node {i}"]]) for i in range(n)], edges, "LR")
    rank = layered.ranks(n, edges)
    assert all(rank[head] > rank[tail] for tail, head in edges)
    assert layered.virtual_nodes(rank, edges) == sum(rank[h] - rank[t] - 1 for t, h in edges)
    svg = layered.svg(picture)
    assert sorted(nodes_in(svg)) == sorted(f"n{i}" for i in range(n))
    assert svg.count('class="edge"') == len(edges)
