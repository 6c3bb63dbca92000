"""grad (to any order), jvp, hessian, hvp and gradgradcheck on random graphs with shared nodes.

Oracles: sympy's exact Hessian, PyTorch's ``torch.autograd.grad(..., create_graph=True)`` in
float64, backward() itself for first derivatives (grad must not differ from it by a bit), and
the defining identities written out here: jvp = gradient · tangent, hvp = Hessian × vector.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest
import sympy
from hypothesis import assume, given, note
from hypothesis import strategies as st
from strategies import FLOAT_LIB, Program, finite_floats, programs

import autodiff
from autodiff import GradcheckError, Value, grad, gradgradcheck, hessian, hvp, jvp
from autodiff.losses import binary_cross_entropy
from autodiff.ops import Op

# --- helpers -----------------------------------------------------------------------------------


def built(program: Program) -> tuple[Value, list[Value]]:
    assume(program.well_conditioned())
    note(str(program))
    return program.build()


def exact_hessian(program: Program) -> list[list[float]]:
    expression, symbols = program.sympy()
    at = {s: sympy.Float(x, 30) for s, x in zip(symbols, program.leaf_values)}
    return [[float(sympy.diff(expression, a, b).evalf(30, subs=at)) for b in symbols] for a in symbols]


def close(got: float, expected: float, scale: float, rel: float = 1e-8) -> bool:
    """Within ``rel`` of the expected number or of ``scale`` (the size of the numbers summed).

    The 1e-13 floor is for an exact 0 that sympy evaluates as a tiny noise such as 2e-143.
    """
    return abs(got - expected) <= rel * max(abs(expected), scale) + 1e-13


@contextmanager
def counting_new_values() -> Iterator[list[int]]:
    """Count every Value or Constant made inside the block: by Value(...) or by the engine's _new."""
    made = [0]
    new, init = autodiff.value._new, Value.__init__

    def counted_new(cls: type) -> object:
        made[0] += 1
        return new(cls)

    def counted_init(self: Value, *args: object, **kwargs: object) -> None:
        made[0] += 1
        init(self, *args, **kwargs)  # type: ignore[arg-type]

    autodiff.value._new, Value.__init__ = counted_new, counted_init  # type: ignore[method-assign]
    try:
        yield made
    finally:
        autodiff.value._new, Value.__init__ = new, init  # type: ignore[method-assign]


shared_graphs = programs(max_leaves=3, max_ops=7).filter(lambda p: p.uses_shared_nodes())

# --- grad: floats equal to backward's, .grad untouched, no nodes built ------------------------


@given(programs(max_leaves=3, max_ops=10))
def test_grad_gives_backwards_numbers_bit_for_bit_and_touches_no_grad(program: Program) -> None:
    try:
        root, leaves = program.build()
    except (ArithmeticError, ValueError):
        assume(False)
    sentinels = [float(i) + 0.5 for i in range(len(leaves))]
    for leaf, s in zip(leaves, sentinels):
        leaf.grad = s
    inner = autodiff.topological_order(root)
    inner_grads = [node.grad for node in inner]
    got = grad(root, leaves)
    assert [leaf.grad for leaf in leaves] == sentinels  # untouched
    assert [node.grad for node in inner] == inner_grads
    for leaf in leaves:
        leaf.grad = 0.0
    root.backward()
    same = [g == leaf.grad or (math.isnan(g) and math.isnan(leaf.grad)) for g, leaf in zip(got, leaves)]
    assert all(same), (got, [leaf.grad for leaf in leaves])


@given(shared_graphs)
def test_create_graph_false_builds_no_nodes(program: Program) -> None:
    root, leaves = built(program)
    with counting_new_values() as made:
        first = grad(root, leaves)
    assert made == [0]
    assert all(type(g) is float for g in first)


def test_the_node_count_sees_create_graph_nodes() -> None:
    """The counter above is not blind: σ' = p·(1 − p) as Values is two new nodes (and a Constant)."""
    x = Value(0.3, label="x")
    root = x.sigmoid()
    with counting_new_values() as made:
        kept = grad(root, [x], create_graph=True)
    assert made == [3]
    assert kept[0].op == "*" and kept[0].parents[0] is root


def test_create_graph_results_are_values_and_grads_stay_put() -> None:
    w, b = Value(0.5, label="w"), Value(-0.25, label="b")
    w.grad, b.grad = 7.0, 8.0
    loss = binary_cross_entropy((w * 3.0 + b).sigmoid(), 1.0)
    d_w, d_b = grad(loss, [w, b], create_graph=True)
    assert (w.grad, b.grad) == (7.0, 8.0)
    p = 1 / (1 + math.exp(-(0.5 * 3.0 - 0.25)))
    assert math.isclose(d_w.data, (p - 1) * 3.0, rel_tol=1e-12)  # the tutorial's (p − y)·x
    assert math.isclose(d_b.data, p - 1, rel_tol=1e-12)
    # PyTorch's meaning of backward() on a derivative: second derivatives accumulate in .grad
    w.grad = b.grad = 0.0
    d_w.backward()
    assert math.isclose(w.grad, p * (1 - p) * 9.0, rel_tol=1e-9)  # ∂²/∂w² = p(1 − p)·x²
    assert math.isclose(b.grad, p * (1 - p) * 3.0, rel_tol=1e-9)


def test_to_any_order() -> None:
    """d⁵/dx⁵ of e^(2x)·x at x = 0.3 is 2⁵·e^(2x)·x + 5·2⁴·e^(2x), written out."""
    x = Value(0.3, label="x")
    f = (x * 2.0).exp() * x
    for _ in range(4):
        (f,) = grad(f, [x], create_graph=True)
    (fifth,) = grad(f, [x])
    assert math.isclose(fifth, (32 * 0.3 + 80) * math.exp(0.6), rel_tol=1e-12)


def test_unused_inputs_inner_nodes_and_repeats() -> None:
    x, y, unused = Value(2.0, label="x"), Value(3.0, label="y"), Value(4.0, label="u")
    h = x * y
    out = h * x
    assert grad(out, [unused, x, x]) == (0.0, 12.0, 12.0)  # x²y: 2xy
    assert grad(out, [h]) == (2.0,)  # an inner node: ∂out/∂h with h as the variable
    assert grad(x, [x]) == (1.0,) and grad(x, x) == (1.0,)
    (d,) = grad(out, [unused], create_graph=True)
    assert isinstance(d, Value) and d.data == 0.0 and d.is_leaf
    (d,) = grad(x + 1.0, [x], create_graph=True)
    assert isinstance(d, Value) and d.data == 1.0 and grad(d, [x]) == (0.0,)


def test_constant_factors_add_no_nodes_to_the_derivative() -> None:
    """∂(3w)/∂w is the number 3 and ∂(w − c)/∂w is 1: only what varies with w becomes a node."""
    w = Value(0.5, label="w")
    (d,) = grad((w * 3.0 - 1.0) ** 2, [w], create_graph=True)
    # 2·(3w − 1)·3: a Mul of (2·(3w − 1)) by 3.0; the graph reuses the forward's node 3w − 1
    assert math.isclose(d.data, 2 * (1.5 - 1.0) * 3.0)
    assert d.op == "*" and d.parents[1].data == 3.0
    (square,) = [n for n in autodiff.topological_order(d) if n.op == "-"]
    assert square.parents[0].op == "*" and square.parents[0].parents[0] is w


def test_deep_chains_need_no_recursion() -> None:
    """20,000 operations deep: every walk is iterative, in both modes and at the second order."""

    def chain(at: float) -> tuple[Value, Value]:
        x = Value(at, label="x")
        y = x
        for i in range(20_000):
            y = (y * 1.0001).tanh() if i % 2 else y + x * 0.0001
        return y, x

    def backward_slope(at: float) -> float:
        y, x = chain(at)
        y.backward()
        return x.grad

    y, x = chain(0.5)
    (slope,) = grad(y, [x], create_graph=True)
    assert math.isclose(slope.data, backward_slope(0.5), rel_tol=1e-12)
    curvature = grad(slope, [x])[0]
    numeric = (backward_slope(0.5 + 1e-5) - backward_slope(0.5 - 1e-5)) / 2e-5
    assert math.isclose(curvature, numeric, rel_tol=1e-5)
    assert math.isclose(curvature, hvp(y, [x], [1.0])[0], rel_tol=1e-12)


# --- Hessians on random graphs with shared nodes ------------------------------------------------


@given(shared_graphs)
def test_hessian_matches_sympy(program: Program) -> None:
    root, leaves = built(program)
    got = hessian(root, leaves)
    exact = exact_hessian(program)
    scale = max(abs(x) for row in exact for x in row)
    for i, j in [(i, j) for i in range(len(leaves)) for j in range(len(leaves))]:
        assert close(got[i][j], exact[i][j], scale), (i, j, got[i][j], exact[i][j])


def torch_hessian(torch: ModuleType, program: Program, first_by: list[int] | None = None) -> list[list[float]]:
    """The same program on float64 tensors, differentiated twice by torch.autograd.grad.

    Row i is the gradient, by every leaf, of ∂out/∂x_i taken with ``create_graph`` over the leaves
    ``first_by`` (all by default) only, so the rows are those of the first grad's inputs.
    """
    lib = {
        **{op: fn for op, fn in FLOAT_LIB.items() if op in ("+", "-", "*", "/", "neg", "**", "**k")},
        "exp": torch.exp,
        "log": torch.log,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "sum": lambda *terms: sum(terms[1:], terms[0]),
        "linear": lambda *a: sum((w * x for w, x in zip(a[: len(a) // 2], a[len(a) // 2 : -1])), a[-1]),
    }
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program.leaf_values]
    out = program.run(leaves, lib)
    chosen = leaves if first_by is None else [leaves[i] for i in first_by]
    firsts = torch.autograd.grad(out, chosen, create_graph=True, allow_unused=True)
    rows = []
    for first in firsts:
        if first is None or not first.requires_grad:
            rows.append([0.0] * len(leaves))
            continue
        seconds = torch.autograd.grad(first, leaves, retain_graph=True, allow_unused=True)
        rows.append([0.0 if s is None else float(s) for s in seconds])
    return rows


@given(shared_graphs)
def test_hessian_matches_torch_create_graph(program: Program) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is the second oracle for Hessians (pip install torch)")
    root, leaves = built(program)
    # PyTorch differentiates sigmoid and tanh from their output, whose 1 − out cancels for large
    # inputs (relative error ≈ 1e-16·e^|z|: 4e-8 at z = 19.6, where ours agrees with sympy to the
    # last digit). It is an oracle only where that stays small; sympy covers the tails.
    trace = program._trace(program.leaf_values) or []
    assume(all(abs(z) <= 6.0 for op, z in trace if op in ("sigmoid", "tanh")))
    # PyTorch's a ** b also drops ∂²/∂a∂b = a⁻¹·(…) at b = 0 exactly ((x² + ¼) ** y at (1, 0): it
    # gives 0, sympy and we give 1.6); such exponents are sympy's to check.
    exponents: list[float] = []
    program.run(program.leaf_values, {**FLOAT_LIB, "**": lambda a, b: exponents.append(b) or a**b})
    assume(all(b != 0 for b in exponents))
    got = hessian(root, leaves)
    expected = torch_hessian(torch, program)
    scale = max(abs(x) for row in expected for x in row)
    for i in range(len(leaves)):
        for j in range(len(leaves)):
            assert close(got[i][j], expected[i][j], scale, rel=1e-9), (i, j, got[i][j], expected[i][j])


def test_mixed_partials_see_the_leaves_left_out_of_the_first_grad() -> None:
    """f = x0²·x1 at (2, 3): ∂²f/∂x0∂x1 = 2·x0 = 4 whichever way the product is written."""
    x0, x1 = Value(2.0, label="x0"), Value(3.0, label="x1")
    (g,) = grad((x0 * x1) * x0, [x0], create_graph=True)
    assert g.data == 12.0 and grad(g, [x1]) == (4.0,)
    (g,) = grad((x0 * x0) * x1, [x0], create_graph=True)
    assert g.data == 12.0 and grad(g, [x1]) == (4.0,)
    assert grad(g, [x0, x1]) == (6.0, 4.0)  # ∂(2·x0·x1)/∂x0 = 2·x1


def test_a_derivative_taken_inside_a_closure_still_depends_on_the_enclosing_variable() -> None:
    """HIPS/autograd's test_enclosing_scope_ref: d/dx [x · (d/dy x·y at y = 2)] = d/dx x² = 2x."""
    x = Value(3.0, label="x")

    def inner_slope(at: float) -> Value:
        y = Value(at, label="y")
        (slope,) = grad(x * y, [y], create_graph=True)  # x itself: the graph must keep it
        return slope

    assert grad(x * inner_slope(2.0), [x]) == (6.0,)
    (first,) = grad(x * inner_slope(2.0), [x], create_graph=True)
    assert first.data == 6.0 and grad(first, [x]) == (2.0,)


@given(shared_graphs, st.data())
def test_second_derivatives_after_a_grad_by_some_leaves_match_torch(program: Program, data: st.DataObject) -> None:
    """torch float64 double backward with the first grad over a random subset of the leaves."""
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle for double backward (pip install torch)")
    root, leaves = built(program)
    trace = program._trace(program.leaf_values) or []
    assume(all(abs(z) <= 6.0 for op, z in trace if op in ("sigmoid", "tanh")))  # see the Hessian test
    exponents: list[float] = []
    program.run(program.leaf_values, {**FLOAT_LIB, "**": lambda a, b: exponents.append(b) or a**b})
    assume(all(b != 0 for b in exponents))
    first_by = sorted(data.draw(st.sets(st.integers(0, len(leaves) - 1), min_size=1), label="first grad by"))
    firsts = grad(root, [leaves[i] for i in first_by], create_graph=True)
    got = [grad(first, leaves) for first in firsts]
    expected = torch_hessian(torch, program, first_by)
    scale = max(abs(x) for row in expected for x in row)
    for row, i in enumerate(first_by):
        for j in range(len(leaves)):
            assert close(got[row][j], expected[row][j], scale, rel=1e-9), (i, j, got[row][j], expected[row][j])


@given(programs(max_leaves=2, max_ops=4))
def test_third_derivatives_match_sympy(program: Program) -> None:
    root, leaves = built(program)
    expression, symbols = program.sympy()
    at = {s: sympy.Float(x, 30) for s, x in zip(symbols, program.leaf_values)}
    firsts = grad(root, leaves, create_graph=True)
    for i, first in enumerate(firsts):
        for j, second in enumerate(grad(first, leaves, create_graph=True)):
            got = grad(second, leaves)
            exact = [float(sympy.diff(expression, symbols[i], symbols[j], s).evalf(30, subs=at)) for s in symbols]
            scale = max(abs(x) for x in exact)
            assert all(close(g, e, scale, rel=1e-7) for g, e in zip(got, exact)), (i, j, got, exact)


# --- forward mode -----------------------------------------------------------------------------


@given(shared_graphs, st.lists(finite_floats(-3, 3), min_size=3, max_size=3))
def test_jvp_is_the_gradient_dotted_with_the_tangent(program: Program, tangents: list[float]) -> None:
    root, leaves = built(program)
    tangents = tangents[: len(leaves)]
    gradient = grad(root, leaves)
    expected = math.fsum(g * t for g, t in zip(gradient, tangents))
    scale = math.fsum(abs(g * t) for g, t in zip(gradient, tangents))
    assert close(jvp(root, leaves, tangents), expected, scale, rel=1e-12)


@given(shared_graphs, st.lists(finite_floats(-3, 3), min_size=3, max_size=3))
def test_hvp_is_the_hessian_times_the_vector(program: Program, vector: list[float]) -> None:
    root, leaves = built(program)
    vector = vector[: len(leaves)]
    matrix = hessian(root, leaves)
    got = hvp(root, leaves, vector)
    for row, value in zip(matrix, got):
        scale = math.fsum(abs(h * v) for h, v in zip(row, vector))
        assert close(value, math.fsum(h * v for h, v in zip(row, vector)), scale, rel=1e-10)


def test_jvp_of_several_outputs_is_one_forward_walk() -> None:
    x = Value(0.7, label="x")
    outputs = [x.sigmoid(), x * x, x.tanh() + x]
    s = 1 / (1 + math.exp(-0.7))
    assert jvp(outputs, [x], [1.0]) == pytest.approx([s * (1 - s), 1.4, 1 - math.tanh(0.7) ** 2 + 1], rel=1e-15)
    assert jvp(outputs[0], x, 2.0) == pytest.approx(2 * s * (1 - s), rel=1e-15)
    y = Value(1.0, label="y")  # not in any output: tangent 0
    assert jvp(outputs, [y], [1.0]) == (0.0, 0.0, 0.0)


def test_jvp_on_an_inner_node_agrees_with_grad() -> None:
    x = Value(0.3, label="x")
    h = x.exp()
    out = h * x
    gx, gh = grad(out, [x, h])
    assert jvp(out, [x, h], [0.5, -2.0]) == pytest.approx(0.5 * gx - 2.0 * gh, rel=1e-15)


# --- gradgradcheck ------------------------------------------------------------------------------


@given(shared_graphs)
def test_gradgradcheck_passes_on_random_graphs(program: Program) -> None:
    assume(program.well_conditioned(h=1e-4))
    # central differences of first derivatives lose about half the digits: PyTorch's defaults too
    assert gradgradcheck(program, list(program.leaf_values), eps=1e-6, tol=1e-4, rtol=1e-3)


class FloatOnlyCube(Op):
    """An op whose derivative is right but written for floats only: the next order sees a constant."""

    name = "cube"

    @staticmethod
    def forward(a: float) -> float:
        return a**3

    @staticmethod
    def derivatives(a: float, out: float) -> tuple[float]:
        return (3.0 * math.pow(a, 2),)  # math.pow reads a Value's number: the graph stops here


def test_gradgradcheck_reports_the_first_disagreement_with_both_numbers() -> None:
    def f(x: Value, y: Value) -> Value:
        return x._apply(FloatOnlyCube) * y

    assert autodiff.gradcheck(f, [1.5, 2.0])  # first derivatives are fine
    with pytest.raises(GradcheckError) as caught:
        gradgradcheck(f, [Value(1.5, label="x"), Value(2.0, label="y")])
    error = caught.value
    assert error.index == (0, 0) and error.label == "x, x"
    assert error.analytic == 0.0 and error.numeric == pytest.approx(6 * 1.5 * 2.0, rel=1e-6)
    message = str(error)
    assert "∂²f/∂x∂x at (x=1.5, y=2.0) is 0.0 by grad of grad" in message and repr(error.numeric) in message
    assert gradgradcheck(f, [1.5, 2.0], raise_exception=False) is False


# --- bad input: one sentence naming the value ---------------------------------------------------


def test_bad_arguments_get_one_sentence() -> None:
    x = Value(1.0, label="x")
    cases = [
        (lambda: grad(3.0, [x]), TypeError, "grad needs a Value as its output, got float 3.0"),  # type: ignore[arg-type]
        (lambda: grad(x * 2, []), ValueError, "grad needs at least one input"),
        (lambda: grad(x * 2, [x, 2.0]), TypeError, "got input 1 = float 2.0"),  # type: ignore[list-item]
        (lambda: grad(x * 2, [x], create_graph="yes"), TypeError, "create_graph needs True or False"),  # type: ignore[arg-type]
        (lambda: jvp(x * 2, [x], [1.0, 2.0]), ValueError, "jvp needs one number per input: 1 inputs, 2 numbers"),
        (lambda: jvp(x * 2, [x], ["a"]), TypeError, "jvp entry 0 needs a real number"),  # type: ignore[list-item]
        (lambda: jvp([], [x], [1.0]), TypeError, "jvp needs a Value or a non-empty list"),
        (lambda: hvp(x * x, [x], [1.0, 2.0]), ValueError, "one number per input"),
        (lambda: hessian(x * x, "x"), TypeError, "hessian needs a list of Values"),  # type: ignore[arg-type]
    ]
    for call, kind, words in cases:
        with pytest.raises(kind, match=None) as caught:
            call()
        assert words in str(caught.value) and "\n" not in str(caught.value), str(caught.value)


# --- visible: the derivative is a graph of its own -----------------------------------------------


def test_viz_draws_the_graph_create_graph_built() -> None:
    viz = pytest.importorskip("viz")
    w, b = Value(0.5, label="w"), Value(0.0, label="b")
    probability = (w * 3.0 + b).sigmoid()
    probability.label = "probability"
    (slope,) = grad(binary_cross_entropy(probability, 1.0), [w], create_graph=True)
    nodes = autodiff.topological_order(slope)
    assert probability in nodes and w in nodes  # the derivative is computed from the forward's nodes
    svg = viz.draw(slope).svg()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    assert "probability" in svg and "sigmoid" in svg and svg.count('<g id="node') >= len(nodes)


# --- the README's example runs and prints what it says ---------------------------------------------


def test_readme_example_prints_what_its_comments_say(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    page = Path(__file__).resolve().parent.parent / "docs" / "site-src" / "guide" / "higher-order.md"
    readme = page.read_text(encoding="utf-8")
    section = readme.split("## Derivatives of derivatives", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    promised = [line.split("# ", 1)[1].split(":")[0].strip() for line in code.splitlines() if "print(" in line]
    assert len(printed) == len(promised) == 2
    assert printed[0] == promised[0]
    assert printed[1] == promised[1]
    # and the promise itself, by hand: σ'' = 9·p(1 − p)(1 − 2p) at p = σ(1.5)
    p = 1 / (1 + math.exp(-1.5))
    assert f"{9 * p * (1 - p) * (1 - 2 * p):.4f}" == printed[1]
