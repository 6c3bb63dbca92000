"""autodiff.compile's checks of the user's comparisons: every one that built the graph, and only those.

A compiled function called where the code that built its graph would branch differently must raise
CompileError naming the comparison, never give the numbers of the recorded path (Python and node).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import CompileError, Value, compile, grad, hessian, relu

NODE = shutil.which("node") or ("/usr/bin/node" if os.path.exists("/usr/bin/node") else None)
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: the JavaScript is checked in node")


def test_a_leaf_updated_after_the_graph_was_built_keeps_its_check() -> None:
    """The graph was built at w = 1.0 (w > 0 True); an SGD step moved w before compiling."""
    w = Value(1.0, label="w")
    y = w * 2.0 if w > 0 else w * -3.0
    w.data = 0.9
    c = compile(y, [w])
    assert c(0.5) == (1.0, (2.0,))
    with pytest.raises(CompileError, match=r"w > 0\.0 was True, but for these numbers it is False"):
        c(-1.0)


def test_the_engines_own_comparisons_add_no_check() -> None:
    """relu's derivative compares ``a > 0`` on a Value under create_graph; that chose no path of the user's."""
    w = Value(0.5, label="w")
    z = w * 3.0
    y = relu(z) * z
    grad(y, [w], create_graph=True)
    hessian(y, [w])
    c = compile(y, [w])
    assert "path_changed" not in c.source
    assert c(-1.0)[0] == 0.0


def test_a_comparison_of_the_finished_graph_adds_no_check() -> None:
    w = Value(0.5, label="w")
    loss = (w - 2.0) ** 2
    assert loss > 1.0  # logging the loss: made after the graph, so it chose nothing in it
    c = compile(loss, [w])
    assert "path_changed" not in c.source
    assert c(2.0) == (0.0, (0.0,))


def test_a_freed_values_comparisons_do_not_reach_a_new_value() -> None:
    for _ in range(200):  # temporaries compared and freed; new Values may reuse their memory
        temporary = Value(5.0)
        assert temporary > 1.0
        del temporary
    leaves = [Value(5.0) for _ in range(200)]
    c = compile(sum(leaves[1:], leaves[0]), leaves)
    assert "path_changed" not in c.source
    assert c(*[-5.0] * 200)[0] == -1000.0


def test_the_check_comes_before_the_other_paths_own_error() -> None:
    """At w = −1 the other path would take log of a negative: the answer is the check, not the log's error."""
    w = Value(1.0, label="w")
    loss = (w * 2.0).log() if w > 0.0 else (w * -2.0).log()
    c = compile(loss, [w])
    with pytest.raises(CompileError, match=r"w > 0\.0 was True"):
        c(-1.0)


def test_a_failing_check_after_arithmetic_that_fails_is_still_named() -> None:
    """The check sits after the node it compares; the node's log fails first at −1: the engine's words."""
    w = Value(2.0, label="w")
    h = w.log()
    h.label = "h"
    loss = h * 3.0 if h > 0.5 else h * h
    c = compile(loss, [w])
    with pytest.raises(CompileError, match=r"h > 0\.5 was True, but for these numbers it is False"):
        c(1.0)
    with pytest.raises(ValueError, match=r"^log needs a positive value"):
        c(-1.0)


# --- random programs with data-dependent branches ----------------------------------------------------

# Each step maps (h, u) to a new h; a step's two ops are the branches of one comparison. Only + − × ÷,
# squares and relu: the same IEEE floats in Python and JavaScript, so both must take the same path.
OPS: list[Callable[[Value, Value], Value]] = [
    lambda h, u: h * u + 1.0,
    lambda h, u: (h - u) * (h + 0.5),
    lambda h, u: h * h - u,
    lambda h, u: relu(h) - u * 0.5,
    lambda h, u: h / (1.0 + u * u),
    lambda h, u: u - h * 0.75,
]
COMPARE = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
Step = tuple[int, int, str, float | None]  # (op if True, op if False, comparison, threshold or None: compare with u)

steps = st.lists(
    st.tuples(
        st.integers(0, len(OPS) - 1),
        st.integers(0, len(OPS) - 1),
        st.sampled_from(sorted(COMPARE)),
        st.one_of(st.none(), st.floats(-2.0, 2.0)),
    ),
    min_size=1,
    max_size=4,
)
points = st.tuples(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))


def build(program: list[Step], w: Value, u: Value) -> tuple[Value, list[bool]]:
    """Run ``program`` on leaves w and u: the root and the path its comparisons took."""
    h, path = w * 1.5, []
    for if_true, if_false, op, threshold in program:
        taken = COMPARE[op](h, u if threshold is None else threshold)
        path.append(taken)
        h = OPS[if_true if taken else if_false](h, u)
    return h, path


def engine(program: list[Step], point: tuple[float, float]) -> tuple[tuple[float, tuple[float, float]], list[bool]]:
    w, u = Value(point[0]), Value(point[1])
    root, path = build(program, w, u)
    root.backward()
    return (root.data, (w.grad, u.grad)), path


@settings(max_examples=150, deadline=None)
@given(steps, points, st.lists(points, min_size=1, max_size=5))
def test_a_compiled_program_gives_its_paths_numbers_or_refuses(
    program: list[Step], at: tuple[float, float], calls: list[tuple[float, float]]
) -> None:
    w, u = Value(at[0], label="w"), Value(at[1], label="u")
    root, recorded = build(program, w, u)
    grad(root, [w], create_graph=True)  # the engine's comparisons (relu's) must change nothing
    assert (root > 0.0) == (root.data > 0.0)  # logging the finished graph: chose nothing in it
    elsewhere = Value(at[0]) * 2.0
    assert (elsewhere < 1.0) == (elsewhere.data < 1.0)  # … nor did a Value outside the graph
    if not math.isfinite(root.data):
        return
    c = compile(root, [w, u])
    for point in calls:
        expected, path = engine(program, point)
        if path == recorded:
            assert c(*point) == expected
        else:
            with pytest.raises(CompileError, match=r"the graph was recorded where .* was (True|False)"):
                c(*point)


@needs_node
@settings(max_examples=4, deadline=None)
@given(st.lists(st.tuples(steps, points, st.lists(points, min_size=1, max_size=4)), min_size=25, max_size=25))
def test_the_javascript_gives_its_paths_numbers_or_throws_compile_error(
    cases: list[tuple[list[Step], tuple[float, float], list[tuple[float, float]]]],
) -> None:
    script = ["const out = [];"]
    expected = []
    for k, (program, at, calls) in enumerate(cases):
        w, u = Value(at[0], label="w"), Value(at[1], label="u")
        root, recorded = build(program, w, u)
        c = compile(root, [w, u], name=f"f{k}")
        script.append(c.javascript)
        for point in calls:
            result, path = engine(program, point)
            expected.append((result, path == recorded))
            script.append(
                f"try {{ out.push(f{k}({point[0]!r}, {point[1]!r})); }} "
                "catch (e) { out.push([e.name, e.comparison, e.recorded]); }"
            )
    results = json.loads(
        subprocess.run(
            [NODE, "-"],  # type: ignore[list-item]
            input="\n".join(script) + "\nconsole.log(JSON.stringify(out));",
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    )
    for js, ((value, grads), same_path) in zip(results, expected, strict=True):
        if not same_path:
            assert js[0] == "CompileError" and isinstance(js[1], str) and isinstance(js[2], bool)
            continue
        assert [js[0], *js[1]] == [_json(value), *map(_json, grads)]


def _json(x: float) -> float | None:
    """How node's JSON.stringify writes a number: nan and ±inf as null."""
    return x if math.isfinite(x) else None
