"""backward_steps: the chain rule one node at a time, leaving exactly backward()'s gradients."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, linear, total
from autodiff.stepper import Step, backward_steps

# --- random expression graphs, built twice from one recipe ------------------------------------

UNARY = ("exp", "log", "tanh", "sigmoid", "relu", "neg")
BINARY = ("+", "-", "*", "/", "**")

finite = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False, allow_infinity=False)
instruction = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(UNARY), st.integers(0, 10**6)),
    st.tuples(st.just("binary"), st.sampled_from(BINARY), st.integers(0, 10**6), st.integers(0, 10**6)),
    # an operand that is a plain Python number (a Constant), on either side
    st.tuples(st.just("const"), st.sampled_from(BINARY), st.integers(0, 10**6), finite, st.booleans()),
    # the n-ary nodes: a neuron's raw output w1*x1 + w2*x2 + b, and a sum
    st.tuples(st.just("linear"), st.lists(st.integers(0, 10**6), min_size=5, max_size=5)),
    st.tuples(st.just("total"), st.lists(st.integers(0, 10**6), min_size=1, max_size=4)),
)
recipes = st.tuples(
    st.lists(finite, min_size=1, max_size=4),  # leaves
    st.lists(instruction, min_size=1, max_size=30),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=3),  # which values the root sums
    st.lists(finite, max_size=6),  # stale gradients left on nodes by an earlier pass
)


def _apply(kind: str, op: str, a: Value, b: Value | float | None = None, flip: bool = False) -> Value:
    if kind == "unary":
        return -a if op == "neg" else getattr(a, op)()
    left, right = (b, a) if flip else (a, b)
    return {
        "+": lambda: left + right,
        "-": lambda: left - right,
        "*": lambda: left * right,
        "/": lambda: left / right,
        "**": lambda: left**right,
    }[op]()


def build(recipe: tuple) -> tuple[Value, list[Value]]:
    """A graph from the recipe; operands pick earlier values by index, so sub-expressions are shared."""
    leaves, instructions, root_terms, stale = recipe
    pool = [Value(x, label=f"x{i}") for i, x in enumerate(leaves)]
    for ins in instructions:
        try:
            if ins[0] == "unary":
                node = _apply("unary", ins[1], pool[ins[2] % len(pool)])
            elif ins[0] == "linear":
                w1, w2, x1, x2, b = (pool[i % len(pool)] for i in ins[1])
                node = linear([w1, w2], [x1, x2], b)
            elif ins[0] == "total":
                node = total([pool[i % len(pool)] for i in ins[1]])
            elif ins[0] == "binary":
                node = _apply("binary", ins[1], pool[ins[2] % len(pool)], pool[ins[3] % len(pool)])
            else:
                node = _apply("const", ins[1], pool[ins[2] % len(pool)], ins[3], flip=ins[4])
        except (ValueError, ZeroDivisionError, OverflowError):
            continue  # log of a negative, 0 ** -1, ...: the same in both copies, so skip it
        pool.append(node)
    root = pool[root_terms[0] % len(pool)]
    for t in root_terms[1:]:
        root = root + pool[t % len(pool)]
    for i, g in enumerate(stale):
        pool[(i * 7) % len(pool)].grad = g
    return root, pool


def same(a: float, b: float) -> bool:
    """Exactly equal floats, counting nan as equal to nan (inf - inf and 0 * inf happen)."""
    return a == b or (math.isnan(a) and math.isnan(b))


@settings(max_examples=300, deadline=None)
@given(recipes)
def test_steps_leave_exactly_the_gradients_backward_leaves(recipe: tuple) -> None:
    root_a, pool_a = build(recipe)
    root_b, pool_b = build(recipe)
    for _ in range(2):  # twice: leaves accumulate, inner nodes are reset, in both
        root_a.backward()
        steps = list(backward_steps(root_b))
        for a, b in zip(pool_a, pool_b):
            assert same(a.grad, b.grad), (a, b)
        assert same(root_a.grad, root_b.grad)
        # one step per computed node the root depends on, each once
        assert len(steps) == len({id(s.node) for s in steps}) == len(_computed_nodes(root_b))
        assert {id(s.node) for s in steps} == _computed_nodes(root_b)


def _computed_nodes(root: Value) -> set[int]:
    """ids of the non-leaf values ``root`` depends on (itself included), by a plain graph walk."""
    seen: dict[int, Value] = {}
    todo = [root]
    while todo:
        v = todo.pop()
        if id(v) not in seen:
            seen[id(v)] = v
            todo.extend(v.parents)
    return {i for i, v in seen.items() if v.parents}


@settings(max_examples=100, deadline=None)
@given(recipes)
def test_each_step_is_upstream_times_local_and_records_the_running_grad(recipe: tuple) -> None:
    root, _ = build(recipe)
    for step in backward_steps(root):
        assert same(step.upstream, step.node.grad)  # complete by the time the node is processed
        local = step.node.op_class.derivatives(*[p.data for p in step.node.parents], step.node.data)
        assert len(step.inputs) == len(step.node.parents)
        for part, parent, d in zip(step.inputs, step.node.parents, local):
            assert part.value is parent
            assert same(part.local_derivative, d)
            assert same(part.contribution, step.upstream * d)
            # grad_after is the running total at that moment; later steps may add more
        assert step.op == step.node.op


# --- the tutorial's row, by hand ---------------------------------------------------------------


def tutorial_row() -> tuple[Value, Value, Value, Value, Value, Value]:
    w, b = Value(0.1, label="w"), Value(0.0, label="b")
    x, y = Value(3.0, label="x"), Value(1.0, label="y")
    z = linear([w], [x], b)
    z.label = "z"
    p = z.sigmoid()
    p.label = "p"
    loss = (p - y) ** 2
    loss.label = "L"
    return w, b, x, z, p, loss


def test_tutorial_row_steps_by_hand() -> None:
    w, b, x, z, p_node, loss = tutorial_row()
    steps = list(backward_steps(loss))
    assert [s.op for s in steps] == ["**", "-", "sigmoid", "linear"]

    p = 1.0 / (1.0 + math.exp(-0.3))
    dl_dp = 2 * (p - 1.0)
    dp_dz = p * (1.0 - p)
    dl_dz = dl_dp * dp_dz
    sig, lin = steps[2], steps[3]
    assert sig.node is p_node and math.isclose(sig.upstream, dl_dp, rel_tol=1e-12)
    assert math.isclose(sig.inputs[0].local_derivative, dp_dz, rel_tol=1e-12)
    assert lin.node is z and math.isclose(lin.upstream, dl_dz, rel_tol=1e-12)
    assert [i.value for i in lin.inputs] == [w, x, b]
    assert lin.local_derivatives == (3.0, 0.1, 1.0)
    assert math.isclose(lin.inputs[0].contribution, dl_dz * 3, rel_tol=1e-12)
    assert math.isclose(w.grad, dl_dz * 3, rel_tol=1e-12) and math.isclose(b.grad, dl_dz, rel_tol=1e-12)

    # The example line, with numbers from the arithmetic above.
    first = str(lin).splitlines()[0]
    assert first == f"z = w*x + b   dL/dw += dL/dz × ∂z/∂w = {dl_dz:.4g} × 3 = {dl_dz * 3:.4g}"
    assert first == "z = w*x + b   dL/dw += dL/dz × ∂z/∂w = -0.2081 × 3 = -0.6242"
    assert str(sig) == f"p = sigmoid(z)   dL/dz += dL/dp × ∂p/∂z = {dl_dp:.4g} × {dp_dz:.4g} = {dl_dz:.4g}"


def test_unlabelled_nodes_get_short_formula_names_and_constants_are_not_printed() -> None:
    a = Value(2.0, label="a")
    loss = (a * 3.0).tanh() ** 2  # nothing labelled but a
    text = "\n".join(str(s) for s in backward_steps(loss))
    assert "dL/d(tanh(a*3))" in text
    assert "dL/d2" not in text  # the constant exponent gets no line
    t = math.tanh(6.0)
    assert text.splitlines()[0].startswith("L = (tanh(a*3))**2   dL/d(tanh(a*3)) += dL/dL × ")
    assert f"∂(tanh(a*3))/∂(a*3) = {2 * t:.4g} × {1 - t * t:.4g}" in text


def test_steps_are_lazy_and_stopping_early_leaves_partial_gradients() -> None:
    w, b, x, z, p, loss = tutorial_row()
    it = loss.backward_steps()
    assert loss.grad == 0.0  # nothing happens until iteration starts
    first = next(it)
    assert isinstance(first, Step) and first.node is loss and loss.grad == 1.0
    assert w.grad == 0.0  # not reached yet


def test_deep_shared_graph_prints_bounded_names() -> None:
    x = Value(0.5, label="x")
    v = x
    for _ in range(200):
        v = v * v + v  # each level uses the previous twice: exponential if names were expanded
    lengths = [len(line) for s in backward_steps(v.tanh()) for line in s.lines()]
    assert len(lengths) == 2 * 200 * 2 + 1 and max(lengths) < 250


def test_backward_steps_needs_a_value() -> None:
    with pytest.raises(TypeError, match="needs a Value"):
        list(backward_steps(3.0))  # type: ignore[arg-type]
