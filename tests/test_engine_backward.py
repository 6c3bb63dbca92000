"""backward(): repeated use of a node, accumulation across calls, and deterministic graphs."""

from __future__ import annotations

import math

from hypothesis import assume, given
from strategies import expressions

from autodiff import Value, topological_order


def test_a_node_used_twice_gets_both_contributions() -> None:
    a = Value(3.0, label="a")
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0
    assert c.grad == 1.0


def test_a_node_used_twice_by_multiplication() -> None:
    a = Value(3.0, label="a")
    (a * a).backward()  # d(a²)/da = 2a
    assert a.grad == 6.0


def test_leaf_gradients_accumulate_across_backward_calls() -> None:
    """As in PyTorch: leaves add up, so a second backward doubles them."""
    w = Value(2.0, label="w")
    x = Value(5.0, label="x")
    z = w * x
    y = z * z  # y = (wx)², dy/dw = 2wx·x = 100, dy/dz = 2z = 20
    y.backward()
    assert (w.grad, x.grad, z.grad) == (100.0, 40.0, 20.0)
    y.backward()
    assert w.grad == 200.0 and x.grad == 80.0  # leaves double
    assert z.grad == 20.0  # intermediates hold this pass's gradient, not a compounded one
    assert y.grad == 1.0


def test_intermediates_do_not_compound_into_leaves() -> None:
    """If intermediate grads compounded, the second pass would push 2× upstream into the leaves."""
    a = Value(1.5, label="a")
    h = a.tanh()
    out = h * h
    out.backward()
    first = a.grad
    out.backward()
    out.backward()
    assert math.isclose(a.grad, 3 * first, rel_tol=1e-15)


def test_zero_grad_between_passes_gives_the_same_gradient() -> None:
    a = Value(0.7, label="a")
    out = (a * 3.0).sigmoid()
    out.backward()
    first = a.grad
    a.zero_grad()
    out.backward()
    assert a.grad == first


def test_backward_of_a_leaf() -> None:
    a = Value(2.0, label="a")
    a.backward()
    assert a.grad == 1.0


def test_unreached_values_keep_zero_grad() -> None:
    a, unused = Value(1.0, label="a"), Value(2.0, label="unused")
    _ = unused * 3.0
    (a * 2.0).backward()
    assert unused.grad == 0.0


def signature(root: Value) -> list[tuple[str, str, tuple[int, ...]]]:
    """The graph as (op, label, parent positions) in topological order: what 'the same graph' means."""
    order = topological_order(root)
    position = {id(node): i for i, node in enumerate(order)}
    return [(node.op, node.label, tuple(position[id(p)] for p in node.parents)) for node in order]


@given(expressions())
def test_the_same_code_builds_the_same_graph(program) -> None:
    assume(program.well_conditioned())
    first, _ = program.build()
    second, _ = program.build()
    assert signature(first) == signature(second)
    assert [n.data for n in topological_order(first)] == [n.data for n in topological_order(second)]


def test_operand_order_is_kept() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    assert (a - b).parents == (a, b)
    assert (b - a).parents == (b, a)
    assert [p.label for p in (a / b).parents] == ["a", "b"]


def test_topological_order_puts_parents_first() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    index = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is e
    for node in order:
        for parent in node.parents:
            assert index[id(parent)] < index[id(node)]
    assert len(order) == len({id(n) for n in order})


def test_a_bad_break_at_raises_before_touching_any_grad() -> None:
    """A break_at naming nothing, a leaf, or a foreign node is refused with every grad unchanged."""
    import pytest

    w, x, b = Value(0.5, label="w"), Value(3.0, label="x"), Value(-1.0, label="b")
    z = w * x + b
    z.label = "z"
    p = z.sigmoid()
    p.label = "p"
    loss = (1.0 - p) ** 2
    loss.backward()  # grads from a first pass: a refused second call must leave them as they are
    nodes = topological_order(loss)
    before = [n.grad for n in nodes]
    for bad, error in (("nowhere", ValueError), ("w", ValueError), (Value(1.0) * 2, ValueError), (3, TypeError)):
        with pytest.raises(error):
            loss.backward(break_at=bad)
        assert [n.grad for n in nodes] == before, bad


def test_import_autodiff_backward_gives_the_module() -> None:
    """``autodiff.backward`` is the module (the function is ``loss.backward()`` or the module's ``backward``)."""
    import importlib
    import types

    import autodiff
    import autodiff.backward

    module = importlib.import_module("autodiff.backward")
    assert isinstance(autodiff.backward, types.ModuleType) and autodiff.backward is module
    from autodiff import backward

    assert backward is module
    x = Value(2.0, label="x")
    module.backward(x * x)
    assert x.grad == 4.0
