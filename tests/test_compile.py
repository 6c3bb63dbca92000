"""autodiff.compile: the compiled function gives backward()'s floats, in Python and in JavaScript (node)."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import Program, expressions, finite_floats

from autodiff import Value, compile, linear, topological_order
from autodiff.losses import binary_cross_entropy, binary_cross_entropy_with_logits, squared_error

NODE = shutil.which("node") or ("/usr/bin/node" if os.path.exists("/usr/bin/node") else None)
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: the JavaScript is checked in node")


def same(a: float, b: float) -> bool:
    """Bit for bit, with any nan equal to any nan (a nan's sign bit is not part of the result)."""
    if a != a or b != b:
        return a != a and b != b
    return math.copysign(1.0, a) == math.copysign(1.0, b) and a == b


def engine(build: Callable[..., Value], point: Sequence[float], wrt: Sequence[int]) -> tuple[float, list[float]]:
    """Value and gradients by building the graph at ``point`` and calling backward()."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    root = build(*leaves)
    root.backward()
    return root.data, [leaves[i].grad for i in wrt]


# --- the tutorial's graphs ------------------------------------------------------------------------

LOSSES = {"squared": squared_error, "bce": binary_cross_entropy, "bce_logits": binary_cross_entropy_with_logits}


def neuron(loss: str, n_inputs: int, target: float) -> Callable[..., Value]:
    """w·x + b → sigmoid → loss, as a build function of (w1…wn, x1…xn, b)."""

    def build(*leaves: Value) -> Value:
        weights, inputs, bias = leaves[:n_inputs], leaves[n_inputs : 2 * n_inputs], leaves[-1]
        raw = linear(list(weights), list(inputs), bias)
        if loss == "bce_logits":
            return binary_cross_entropy_with_logits(raw, target)
        return LOSSES[loss](raw.sigmoid(), target)

    return build


def handwritten_neuron(loss: str, n_inputs: int, target: float) -> Callable[..., Value]:
    """The same neuron written with * and + (the tutorial's page 5 form)."""

    def build(*leaves: Value) -> Value:
        weights, inputs, bias = leaves[:n_inputs], leaves[n_inputs : 2 * n_inputs], leaves[-1]
        raw = bias
        for w, x in zip(weights, inputs):
            raw = w * x + raw
        return LOSSES[loss](raw.sigmoid(), target)

    return build


# The hand-written form ends in a sigmoid, so it pairs with the losses of a probability only.
@pytest.mark.parametrize(
    "make, loss",
    [
        (neuron, "squared"),
        (neuron, "bce"),
        (neuron, "bce_logits"),
        (handwritten_neuron, "squared"),
        (handwritten_neuron, "bce"),
    ],
)
@pytest.mark.parametrize("n_inputs", [1, 2])
def test_tutorial_graphs_bit_for_bit(loss: str, n_inputs: int, make: Callable[..., Callable[..., Value]]) -> None:
    for target in (0.0, 1.0):
        build = make(loss, n_inputs, target)
        start = [0.1] * n_inputs + [3.0] * n_inputs + [0.0]
        leaves = [Value(x) for x in start]
        root = build(*leaves)
        params = [*leaves[:n_inputs], leaves[-1]]
        wrt = [*range(n_inputs), 2 * n_inputs]
        c = compile(root, params)  # the x's and the target are baked in
        for w in (0.1, -4.0, 4.3019, 30.0, -40.0, 0.0):
            for b in (0.0, -10.508, 2.5, 700.0):
                point = [w] * n_inputs + [3.0] * n_inputs + [b]
                value, grads = c(*([w] * n_inputs), b)
                expected_value, expected_grads = engine(build, point, wrt)
                assert same(value, expected_value), (w, b)
                assert all(same(g, e) for g, e in zip(grads, expected_grads, strict=True)), (
                    w,
                    b,
                    grads,
                    expected_grads,
                )


def test_every_leaf_as_input_including_data_and_target() -> None:
    w, b, x = Value(0.1, label="w"), Value(0.0, label="b"), Value(3.0, label="hours")
    y = Value(1.0, label="passed")
    loss = squared_error(linear([w], [x], b).sigmoid(), 1.0) + (y - w) * x  # y and x both take part
    c = compile(loss, [w, b, x, y])
    value, grads = c(0.7, -1.25, 2.0, 0.0)
    expected_value, expected = engine(
        lambda w, b, x, y: squared_error(linear([w], [x], b).sigmoid(), 1.0) + (y - w) * x,
        [0.7, -1.25, 2.0, 0.0],
        range(4),
    )
    assert same(value, expected_value) and all(same(g, e) for g, e in zip(grads, expected, strict=True))


# --- random graphs over every op --------------------------------------------------------------------


def call_both(program: Program, point: Sequence[float], wrt: Sequence[int]) -> tuple[tuple, tuple] | None:
    """(compiled, engine) results at ``point`` from a graph recorded at program.leaf_values; None where undefined."""
    root, leaves = program.build()
    c = compile(root, [leaves[i] for i in wrt])
    try:
        expected = engine(program, point, wrt)
    except (ArithmeticError, ValueError):
        with pytest.raises((ArithmeticError, ValueError)):
            c(*[point[i] for i in wrt])
        return None
    return c(*[point[i] for i in wrt]), expected


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(expressions(max_leaves=3, max_ops=10), st.data())
def test_random_graphs_bit_identical_to_backward(program: Program, data: st.DataObject) -> None:
    """Bit-identical, not merely close: the same float operations in the same order (see autodiff.compile)."""
    point = [data.draw(finite_floats(-3.0, 3.0)) for _ in range(program.n_leaves)]
    root, leaves = program.build()
    used = [i for i, leaf in enumerate(leaves) if any(node is leaf for node in topological_order(root))]
    wrt = sorted(data.draw(st.sets(st.sampled_from(used), min_size=1)))
    # The graph's constants are baked in; leaves outside wrt keep their recorded values at the call too.
    point = [point[i] if i in wrt else program.leaf_values[i] for i in range(program.n_leaves)]
    both = call_both(program, point, wrt)
    if both is None:
        return
    (value, grads), (expected_value, expected_grads) = both
    assert same(value, expected_value)
    assert all(same(g, e) for g, e in zip(grads, expected_grads, strict=True)), (grads, expected_grads)


def test_shared_sub_expressions_accumulate_in_backwards_order() -> None:
    def build(x: Value) -> Value:
        h = x * x
        h.label = "h"
        return (h * h + h.tanh() - h.sigmoid() * x) ** 3.0

    x = Value(0.3, label="x")
    c = compile(build(x), [x])
    assert c.source.count("d_h +=") == 3  # h * h, tanh(h), sigmoid(h): four contributions, one assignment
    for point in (0.3, -1.7, 2.0, 0.0, -0.0):
        value, (grad,) = c(point)
        expected_value, (expected_grad,) = engine(build, [point], [0])
        assert same(value, expected_value) and same(grad, expected_grad)


# --- JavaScript, run in node ----------------------------------------------------------------------


def run_node(script: str) -> object:
    result = subprocess.run([NODE, "-"], input=script, capture_output=True, text=True, timeout=60)  # type: ignore[list-item]
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def close(a: float | None, b: float, rel: float = 1e-12) -> bool:
    """JSON null is how node prints NaN and ±Infinity; those must match the engine's nan/inf."""
    if a is None:
        return not math.isfinite(b)
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


def js_calls(c: Callable, name: str, args: Sequence[float]) -> str:
    return f"{c.javascript}\nout.push({name}({', '.join(map(repr, args))}));"


@needs_node
def test_javascript_tutorial_graphs_match_the_engine() -> None:
    cases = []
    script = ["const out = [];"]
    for loss in LOSSES:
        for n in (1, 2):
            build = neuron(loss, n, 1.0)
            leaves = [Value(x) for x in [0.1] * n + [3.0] * n + [0.0]]
            c = compile(build(*leaves), [*leaves[:n], leaves[-1]], name=f"f_{loss}_{n}")
            script.append(c.javascript)
            for w, b in ((0.1, 0.0), (-4.0, 2.5), (4.3, -10.5)):
                script.append(f"out.push(f_{loss}_{n}({', '.join(map(repr, [w] * n + [b]))}));")
                cases.append(engine(build, [w] * n + [3.0] * n + [b], [*range(n), 2 * n]))
    results = run_node("\n".join(script) + "\nconsole.log(JSON.stringify(out));")
    for (value, grads), (expected_value, expected_grads) in zip(results, cases, strict=True):  # type: ignore[arg-type]
        assert close(value, expected_value)
        assert all(close(g, e) for g, e in zip(grads, expected_grads, strict=True))


def trace_expected(root: Value) -> tuple[list[float], list[float], list[tuple[float, ...]]]:
    nodes = topological_order(root)
    for node in nodes:
        node.grad = 0.0
    root.backward()
    return [n.data for n in nodes], [n.grad for n in nodes], [n.local_derivatives() for n in nodes]


@needs_node
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(expressions(max_leaves=3, max_ops=8), min_size=12, max_size=12))
def test_javascript_random_graphs_match_the_engine(programs: list[Program]) -> None:
    """Both JS functions, every op: 1e-12 relative (JS's exp, log, tanh may differ from C's by an ulp)."""
    script = ["const out = [];"]
    expected = []
    for k, program in enumerate(programs):
        if not program.well_conditioned():  # overflow or a relu kink: nothing to compare to 1e-12
            continue
        root, leaves = program.build()
        in_graph = set(topological_order(root))
        used = [i for i, leaf in enumerate(leaves) if leaf in in_graph]
        c = compile(root, [leaves[i] for i in used], name=f"f{k}")
        script.append(c.javascript)
        script.append(c.javascript_trace(f"t{k}"))
        leaf_data = [n.data for n in c.nodes if n.is_leaf]
        args = ", ".join(repr(program.leaf_values[i]) for i in used)
        script.append(f"out.push([f{k}({args}), t{k}({json.dumps(leaf_data)})]);")
        value, grads = engine(program, program.leaf_values, used)
        fresh_root, _ = program.build()
        expected.append(((value, grads), trace_expected(fresh_root)))
    results = run_node("\n".join(script) + "\nconsole.log(JSON.stringify(out));")
    for ((js_value, js_grads), trace), ((value, grads), (data, grad, local)) in zip(results, expected, strict=True):  # type: ignore[arg-type]
        assert close(js_value, value)
        assert all(close(g, e) for g, e in zip(js_grads, grads, strict=True))
        assert all(close(a, b) for a, b in zip(trace["data"], data, strict=True))
        assert all(close(a, b) for a, b in zip(trace["grad"], grad, strict=True))
        for js_local, engine_local in zip(trace["local"], local, strict=True):
            assert all(close(a, b) for a, b in zip(js_local, engine_local, strict=True))


@needs_node
def test_javascript_trace_lets_a_page_set_any_leaf() -> None:
    w, b, x = Value(0.1, label="w"), Value(0.0, label="b"), Value(3.0, label="x")
    loss = squared_error(linear([w], [x], b).sigmoid(), 1.0)
    c = compile(loss, [w, b])
    leaves = [n for n in c.nodes if n.is_leaf]
    new = {w: 0.5, b: -1.0, x: 2.0}
    values = [new.get(n, n.data) for n in leaves]
    result = run_node(c.javascript_trace("step") + f"\nconsole.log(JSON.stringify(step({json.dumps(values)})));")
    expected = trace_expected(squared_error(linear([Value(0.5)], [Value(2.0)], Value(-1.0)).sigmoid(), 1.0))
    assert all(close(a, e) for a, e in zip(result["data"], expected[0], strict=True))  # type: ignore[index]
    assert all(close(a, e) for a, e in zip(result["grad"], expected[1], strict=True))  # type: ignore[index]
