"""autodiff.compile on big graphs: wide nodes of any width, long chains, repeated labels, in Python and node.

Sizes, not times: the times are in benchmarks/compile_scale.py.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import random
import shutil
import subprocess

import pytest

from autodiff import Value, compile, linear, nn, total
from autodiff.losses import squared_error

NODE = shutil.which("node") or ("/usr/bin/node" if os.path.exists("/usr/bin/node") else None)
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: the JavaScript is checked in node")
compiler = importlib.import_module("autodiff.compile")  # the module; autodiff.compile is its function


def run_node(script: str, timeout: float = 120) -> object:
    result = subprocess.run([NODE, "-"], input=script, capture_output=True, text=True, timeout=timeout)  # type: ignore[list-item]
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def wide_neuron(weights: list[float], inputs: list[float], bias: float) -> tuple[Value, list[Value]]:
    """sigmoid(w·x + b) as one linear node of 2n + 1 operands, and its squared error against 1."""
    parameters = [Value(w) for w in [*weights, bias]]
    raw = linear(parameters[:-1], inputs, parameters[-1])
    return squared_error(raw.sigmoid(), 1.0), parameters


def random_neuron(n_inputs: int) -> tuple[list[float], list[float], float]:
    rng = random.Random(n_inputs)
    return [rng.uniform(-1, 1) for _ in range(n_inputs)], [rng.uniform(-1, 1) for _ in range(n_inputs)], 0.1


@pytest.mark.parametrize("n_inputs", [3, 4, 16, 200, 201, 250, 1000])  # template, one expression, _rt.linear
def test_a_wide_linear_node_compiles_to_backwards_floats(n_inputs: int) -> None:
    weights, inputs, bias = random_neuron(n_inputs)
    loss, parameters = wide_neuron(weights, inputs, bias)
    c = compile(loss, parameters)
    for moved in (0.0, 0.25):
        fresh, fresh_parameters = wide_neuron([w + moved for w in weights], inputs, bias - moved)
        fresh.backward()
        assert c(*[p.data for p in fresh_parameters]) == (fresh.data, tuple(p.grad for p in fresh_parameters))


def test_the_default_wide_neuron_compiles() -> None:
    neuron = nn.Neuron(250)  # 501 operands: once too deep for the template's expression tree
    c = compile(neuron([0.5] * 250), neuron.parameters())
    assert c(*[p.data for p in neuron.parameters()])[0] == neuron([0.5] * 250).data


def test_a_wide_node_is_one_line_each_way() -> None:
    loss, parameters = wide_neuron(*random_neuron(250))
    source = compile(loss, parameters).source
    body = source.split("# forward", 1)[1].split("        return", 1)[0]
    assert len(body.splitlines()) < 15  # a line per node each way, not one per operand (501 operands)
    sum_source = compile(total([p * 2.0 for p in parameters]), parameters).source
    assert sum_source.count("fsum(") == 1


@needs_node
def test_a_wide_neuron_in_javascript_and_its_trace() -> None:
    loss, parameters = wide_neuron(*random_neuron(250))
    c = compile(loss, parameters)
    loss.backward()
    leaves = [n.data for n in c.nodes if n.is_leaf]
    out = run_node(
        f"{c.javascript}\n{c.javascript_trace('t')}\n"
        f"console.log(JSON.stringify([value_and_grad({', '.join(repr(p.data) for p in parameters)}), "
        f"t({json.dumps(leaves)}).grad]));"
    )
    (value, grads), trace_grads = out  # type: ignore[misc]
    assert math.isclose(value, loss.data, rel_tol=1e-12)
    assert all(math.isclose(g, p.grad, rel_tol=1e-12, abs_tol=1e-300) for g, p in zip(grads, parameters, strict=True))
    by_node = dict(zip(c.nodes, trace_grads))
    assert all(math.isclose(by_node[p], p.grad, rel_tol=1e-12, abs_tol=1e-300) for p in parameters)


def test_repeated_labels_get_distinct_names_in_order() -> None:
    names = compiler.Names()
    assert [names("h") for _ in range(4)] == ["h", "h_2", "h_3", "h_4"]
    assert names("h_2") == "h_2_2"  # taken by the counter's names: the next free one
    assert names("h") == "h_5"


def chain(n: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = x
    for _ in range(n):
        y = y + x
        y.label = "h"
    return y, x


@needs_node
def test_javascript_of_a_200k_node_chain_runs_in_node() -> None:
    """No call stack that grows with the graph: past JS_LOCALS values the function keeps them in arrays."""
    root, x = chain(200_000)
    program = compiler._Program(root, [x], None)
    script = compiler._javascript_source(program, "f")
    assert run_node(script + "\nconsole.log(JSON.stringify(f(0.5)));") == [0.5 * 200_001, [200_001]]


@pytest.mark.slow
@needs_node
def test_javascript_of_a_million_node_chain_runs_in_node() -> None:
    root, x = chain(1_000_000)
    c = compile(root, [x], name="f")
    assert c(0.5) == (0.5 * 1_000_001, (1_000_001.0,))
    assert run_node(c.javascript + "\nconsole.log(JSON.stringify(f(0.5)));", timeout=600) == [
        0.5 * 1_000_001,
        [1_000_001],
    ]


@needs_node
def test_the_array_form_gives_the_same_numbers_and_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past JS_LOCALS names the values live in arrays; forced on a small graph with every kind of line."""
    monkeypatch.setattr(compiler, "JS_LOCALS", 0)
    w, b = Value(0.3, label="w"), Value(-0.2, label="b")
    raws = [linear([w, b, w, b], [x, 1.0, x * x, 0.5], b) for x in (0.1, 0.7, -1.3)]  # wide: 9 operands
    probabilities = [raw.sigmoid() for raw in raws]  # sigmoid's templates use temporaries
    loss = total([squared_error(p, 1.0) for p in probabilities])
    loss = loss * 2.0 if probabilities[0] > 0.4 else loss.exp()
    c = compile(loss, [w, b], name="f")
    assert "_rtv[" in c.javascript and "_rtt[" in c.javascript
    script = c.javascript + (
        "\nconst out = [f(0.3, -0.2), f(0.2, -0.3)];"
        "\ntry { f(3, 3); } catch (e) { out.push([e.name, e.comparison, e.recorded]); }"
        "\nconsole.log(JSON.stringify(out));"
    )
    first, second, refused = run_node(script)  # type: ignore[misc]
    for js, point in ((first, (0.3, -0.2)), (second, (0.2, -0.3))):
        value, grads = c(*point)
        assert math.isclose(js[0], value, rel_tol=1e-12)
        assert all(math.isclose(a, e, rel_tol=1e-12) for a, e in zip(js[1], grads, strict=True))
    assert refused[0] == "CompileError" and refused[2] is False and refused[1].endswith("> 0.4")
