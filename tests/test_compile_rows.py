"""A sum of repeated rows compiles to one loop over the rows' numbers, with backward()'s floats.

Oracle: ``loss.backward()`` on the same graph, compared bit for bit (the loop must add to the shared
gradients in backward()'s order), in Python and in node. Graph sizes are small here: the row search
is switched on for any size (``repeats.MIN_NODES``), so the loop is what is tested.
"""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_compile_scale import NODE, needs_node, run_node

from autodiff import CompileError, Value, compile, nn, repeats, total
from autodiff.losses import squared_error


@pytest.fixture(autouse=True)
def rows_at_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repeats, "MIN_NODES", 0)


def backward_numbers(loss: Value, parameters: list[Value]) -> tuple[float, tuple[float, ...]]:
    for p in parameters:
        p.grad = 0.0
    loss.backward()
    return loss.data, tuple(p.grad for p in parameters)


def same(a: tuple[float, tuple[float, ...]], b: tuple[float, tuple[float, ...]]) -> bool:
    """Equal as floats, nan equal to nan, and zeros of the same sign."""

    def one(x: float, y: float) -> bool:
        return (x != x and y != y) or (x == y and math.copysign(1.0, x) == math.copysign(1.0, y))

    return one(a[0], b[0]) and len(a[1]) == len(b[1]) and all(map(one, a[1], b[1]))


def moons_loss(rows: int, seed: int = 0, numbers: list[float] | None = None) -> tuple[Value, list[Value]]:
    """micrograd's moons objective: an MLP per row, hinge loss, mean, plus L2 on every parameter."""
    rng = random.Random(seed)
    model = nn.MLP(2, [8, 8, 1], activation="relu", output_activation=None, seed=seed)
    for p, x in zip(model.parameters(), numbers or []):
        p.data = x
    points = [((rng.uniform(-1, 2), rng.uniform(-1, 1)), rng.choice((-1.0, 1.0))) for _ in range(rows)]
    scores = [model([Value(a), Value(b)]) for (a, b), _ in points]
    hinge = [(1 + -y * score).relu() for ((_, _), y), score in zip(points, scores)]
    parameters = model.parameters()
    return total(hinge) * (1.0 / rows) + 1e-4 * total([p * p for p in parameters]), parameters


def test_a_full_batch_mlp_is_one_loop_with_backwards_floats() -> None:
    loss, parameters = moons_loss(30)
    c = compile(loss, parameters)
    assert c.source.count(" in row_numbers:") == 1 and "in reversed(row_values)" in c.source
    for moved in (0.0, 0.1, -0.3):
        numbers = [p.data + moved * math.sin(k) for k, p in enumerate(parameters)]
        assert same(c(*numbers), backward_numbers(*moons_loss(30, numbers=numbers)))


def test_more_rows_add_table_lines_only() -> None:
    few = compile(*moons_loss(10)).source.count("\n")
    many = compile(*moons_loss(110)).source.count("\n")
    assert many - few == 100  # one line of numbers per row: the row's code is written once


def test_small_graphs_are_still_written_node_by_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repeats, "MIN_NODES", 1_000)
    c = compile(*moons_loss(3))
    assert "row_numbers" not in c.source


def test_the_row_loop_runs_in_javascript() -> None:
    pytest.importorskip("json")
    if NODE is None:
        pytest.skip("node is not installed")
    loss, parameters = moons_loss(25)
    c = compile(loss, parameters)
    numbers = [p.data * 1.5 for p in parameters]
    expected = backward_numbers(*moons_loss(25, numbers=numbers))
    got = run_node(f"{c.javascript}\nprocess.stdout.write(JSON.stringify({c.__name__}(...{json.dumps(numbers)})));")
    assert got == [expected[0], list(expected[1])]


# --- random row programs --------------------------------------------------------------------------
# A row: a few steps, each an op applied to earlier values of the row, the shared parameters, a
# shared computed value, or the row's own numbers. Rows of two kinds are mixed in runs of random
# lengths, so runs start and end anywhere in the sum; the sum is the root, or scaled, or logged.

UNARY = ("tanh", "sigmoid", "relu", "exp_small", "square")
BINARY = ("+", "-", "*", "/")


def apply(op: str, a: Value, b: Value | float) -> Value:
    if op == "tanh":
        return a.tanh()
    if op == "sigmoid":
        return a.sigmoid()
    if op == "relu":
        return a.relu()
    if op == "exp_small":
        return (a * 0.1).exp()
    if op == "square":
        return a**2
    if op == "+":
        return a + b
    if op == "-":
        return b - a
    if op == "*":
        return a * b
    return a / (1.5 + (b * b if isinstance(b, Value) else b * b))


step = st.tuples(st.sampled_from(UNARY + BINARY), st.integers(0, 10), st.integers(0, 10))
kind = st.lists(step, min_size=1, max_size=6)


@st.composite
def row_programs(draw: st.DrawFn) -> dict:
    return {
        "kinds": draw(st.lists(kind, min_size=1, max_size=2)),
        "pattern": draw(st.lists(st.integers(0, 1), min_size=2, max_size=14)),
        "shared_node": draw(st.booleans()),
        "lazy_shared": draw(st.booleans()),
        "extra_term": draw(st.booleans()),
        "head": draw(st.sampled_from(["root", "mean", "log"])),
        "seed": draw(st.integers(0, 10_000)),
    }


def build(program: dict, numbers: list[float] | None = None) -> tuple[Value, list[Value]]:
    rng = random.Random(program["seed"])
    weights = [Value(rng.uniform(-1, 1), label=f"w{i}") for i in range(3)]
    for w, x in zip(weights, numbers or []):
        w.data = x
    shared: list[Value] = []
    if program["shared_node"] and not program["lazy_shared"]:
        shared.append(weights[0] * weights[1])  # computed before any row
    terms = []
    for row_index, which in enumerate(program["pattern"]):
        steps = program["kinds"][which % len(program["kinds"])]
        numbers = [rng.uniform(-2, 2), rng.uniform(-2, 2)]
        if program["shared_node"] and program["lazy_shared"] and not shared:
            shared.append(weights[0] * weights[1])  # first computed inside the first row: rows not contiguous
        values: list[Value] = [weights[0] * numbers[0] + weights[1] + weights[2] * numbers[1]]
        for op, i, j in steps:
            a = values[i % len(values)]
            sources: list[Value | float] = [*weights, *shared, *values, numbers[1], 2.0]
            b = sources[j % len(sources)]
            values.append(apply(op, a, b))
        terms.append(values[-1] * (1.0 if row_index % 2 else -0.5))
    if program["extra_term"]:
        terms.insert(len(terms) // 2, weights[2] * weights[2])
    loss = total(terms)
    if program["head"] == "mean":
        loss = loss * (1.0 / len(terms))
    elif program["head"] == "log":
        loss = (loss * loss + 1.0).log()
    return loss, weights


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row_programs(), st.floats(-0.5, 0.5))
def test_random_row_programs_give_backwards_floats(program: dict, moved: float) -> None:
    loss, weights = build(program)
    c = compile(loss, weights)
    assert same(c(*[w.data for w in weights]), backward_numbers(loss, weights))
    # called elsewhere: the numbers of the graph the same code builds there (no branch: the same graph)
    numbers = [w.data + moved for w in weights]
    fresh, fresh_weights = build(program, numbers)
    try:
        got = c(*numbers)
    except (ArithmeticError, ValueError):
        with pytest.raises((ArithmeticError, ValueError)):
            backward_numbers(fresh, fresh_weights)
        return
    assert same(got, backward_numbers(fresh, fresh_weights))


@needs_node
def test_random_row_programs_in_javascript(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each row loop against the same graph written node by node, bit for bit, both in node.

    (Against Python, 1e-12 relative: V8's exp and tanh may round an ulp apart from C's.)
    """
    rng = random.Random(7)
    script, calls, expected = [], [], []
    for seed in range(12):
        program = {
            "kinds": [[(rng.choice(UNARY + BINARY), rng.randrange(10), rng.randrange(10)) for _ in range(4)]] * 2,
            "pattern": [rng.randrange(2) for _ in range(9)],
            "shared_node": seed % 2 == 0,
            "lazy_shared": seed % 4 == 0,
            "extra_term": seed % 3 == 0,
            "head": ("root", "mean", "log")[seed % 3],
            "seed": seed,
        }
        loss, weights = build(program)
        numbers = json.dumps([w.data for w in weights])
        for written, min_nodes in (("rows", 0), ("nodes", 10**9)):
            monkeypatch.setattr(repeats, "MIN_NODES", min_nodes)
            c = compile(loss, weights, name=f"{written}{seed}")
            assert ("row_numbers" in c.javascript) == (written == "rows")
            script.append(c.javascript)
            calls.append(f"{written}{seed}(...{numbers})")
        expected.append(backward_numbers(loss, weights))
    got = run_node("\n".join(script) + f"\nprocess.stdout.write(JSON.stringify([{', '.join(calls)}]));")
    for k, want in enumerate(expected):
        rows, nodes = got[2 * k], got[2 * k + 1]  # type: ignore[index]
        assert rows == nodes
        assert math.isclose(rows[0], want[0], rel_tol=1e-12)
        assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300) for a, b in zip(rows[1], want[1], strict=True))


def test_rows_the_user_compared_keep_their_checks() -> None:
    model = nn.Neuron(2, "sigmoid", weights=[0.5, -0.5], bias=0.0)
    rng = random.Random(1)
    terms, correct = [], 0
    for _ in range(6):
        p = model([rng.uniform(-1, 1), rng.uniform(-1, 1)])
        correct += p > 0.5  # the user's code compares each row's prediction
        terms.append(squared_error(p, 1.0))
    loss = total(terms)
    c = compile(loss, model.parameters())
    assert "raise _rt.path_changed" in c.source
    assert same(c(*[p.data for p in model.parameters()]), backward_numbers(loss, model.parameters()))
    with pytest.raises(CompileError, match="another path"):
        c(-5.0, 5.0, 0.0)


def test_a_graph_of_a_hundred_thousand_nodes_is_short() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    rng = random.Random(0)
    outputs = [model([rng.uniform(-1, 1), rng.uniform(-1, 1)]) for _ in range(1000)]
    loss = total([squared_error(out, 1.0) for out in outputs])
    c = compile(loss, model.parameters())
    assert len(c.nodes) > 100_000
    assert c.source.count("\n") < 2_000  # the row once, a line of numbers per row
    assert same(c(*[p.data for p in model.parameters()]), backward_numbers(loss, model.parameters()))
