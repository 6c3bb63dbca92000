"""The engine's speed tricks give exactly what the plain op-table code gives.

``backward`` takes a fast path (autodiff.fast_path.backward_fast: common ops' derivative templates
written inline, leaves skipped in the walk), and ``linear``/``total``/arithmetic build nodes without the
general ``_apply``. The oracle here is a reference written in this file from the op table alone:
a depth-first order and ``op_class.derivatives`` for every node. Gradients must be equal, not
close: the stepper promises the same float operations in the same order as ``backward``.
"""

from __future__ import annotations

import gc
import math
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import Program, finite_floats, programs

import autodiff
from autodiff import Constant, Value, linear, ops, topological_order, total
from autodiff.backward import gc_paused
from autodiff.losses import binary_cross_entropy, binary_cross_entropy_with_logits
from autodiff.ops import Linear, Op, Sum
from autodiff.walk import computed_nodes as _computed_nodes

# --- the reference: written from the op table, sharing no code with autodiff.backward ---------


def reference_order(root: Value) -> list[Value]:
    """Depth-first post-order, parents in operand order (iterative, like the engine's promise)."""
    order: list[Value] = []
    seen = {id(root)}
    stack = [(root, 0)]
    while stack:
        node, i = stack.pop()
        if i < len(node.parents):
            stack.append((node, i + 1))
            parent = node.parents[i]
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, 0))
        else:
            order.append(node)
    return order


def reference_backward(root: Value) -> None:
    order = reference_order(root)
    for node in order:
        if node.op_class is not None:
            node.grad = 0.0
    root.grad += 1.0
    for node in reversed(order):
        if node.op_class is None:
            continue
        local = node.op_class.derivatives(*[p.data for p in node.parents], node.data)
        for parent, derivative in zip(node.parents, local):
            parent.grad += node.grad * derivative


def same(a: float, b: float) -> bool:
    """Equal as floats, with nan equal to nan (an overflowing graph gives nan in both)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def grads_by_fast_and_reference(root: Value) -> tuple[list[float], list[float]]:
    nodes = reference_order(root)
    for node in nodes:
        node.grad = 0.0
    root.backward()
    fast = [node.grad for node in nodes]
    for node in nodes:
        node.grad = 0.0
    reference_backward(root)
    return fast, [node.grad for node in nodes]


def build(program: Program) -> Value:
    try:
        root, _ = program.build()
    except (ArithmeticError, ValueError):
        assume(False)  # a forward pass that raises (e.g. 0 ** -1) has no gradients to compare
    return root


# Wide leaves too: overflow to inf and nan must take the same path through both backwards.
WIDE = st.one_of(finite_floats(), st.floats(-1e3, 1e3), st.sampled_from([0.0, -0.0, 1e308, -1e-308]))


@given(programs(max_leaves=4, max_ops=25, leaf_values=WIDE))
def test_fast_backward_equals_the_op_table_exactly(program: Program) -> None:
    root = build(program)
    fast, reference = grads_by_fast_and_reference(root)
    assert all(same(f, r) for f, r in zip(fast, reference)), (str(program), fast, reference)


@given(programs(max_leaves=3, max_ops=12))
def test_break_at_path_equals_the_fast_path(program: Program) -> None:
    """backward(break_at=...) walks the op table; with breakpoints off it must agree bit for bit."""
    root = build(program)
    assume(root.op_class is not None)
    nodes = reference_order(root)
    root.backward()
    fast = [n.grad for n in nodes]
    for n in nodes:
        n.grad = 0.0
    import os

    old = os.environ.get("PYTHONBREAKPOINT")
    os.environ["PYTHONBREAKPOINT"] = "0"
    try:
        root.backward(break_at=root)
    finally:
        if old is None:
            del os.environ["PYTHONBREAKPOINT"]
        else:
            os.environ["PYTHONBREAKPOINT"] = old
    assert all(same(f, n.grad) for f, n in zip(fast, nodes))


@given(programs(max_leaves=4, max_ops=25))
def test_topological_order_is_the_depth_first_order(program: Program) -> None:
    root = build(program)
    expected = reference_order(root)
    assert [id(n) for n in topological_order(root)] == [id(n) for n in expected]
    # the fast path's walk: the same order with the leaves left out
    assert [id(n) for n in _computed_nodes(root)] == [id(n) for n in expected if n.op_class is not None]


@given(st.lists(st.tuples(finite_floats(-1e3, 1e3), finite_floats(-1e3, 1e3)), min_size=1, max_size=20), WIDE)
def test_linear_forward_equals_the_op_table(pairs: list[tuple[float, float]], bias: float) -> None:
    weights = [Value(w) for w, _ in pairs]
    inputs = [x for _, x in pairs]  # plain numbers: wrapped as Constants
    node = linear(weights, inputs, Value(bias))
    assert all(type(p) is Constant for p in node.parents[len(pairs) : 2 * len(pairs)])
    assert same(node.data, Linear.forward(*[p.data for p in node.parents]))
    fast, reference = grads_by_fast_and_reference(node)
    assert all(same(f, r) for f, r in zip(fast, reference))


@given(st.lists(WIDE, min_size=1, max_size=20))
def test_total_forward_equals_the_op_table(terms: list[float]) -> None:
    node = total([Value(t) if i % 2 else t for i, t in enumerate(terms)])
    assert same(node.data, Sum.forward(*terms))


def test_same_value_as_weight_and_input_accumulates_in_table_order() -> None:
    """linear(w, w, b): the weight loop then the input loop, as the table lists them."""
    rng = random.Random(7)
    for _ in range(200):
        a, b, c = (Value(rng.uniform(-3, 3)) for _ in range(3))
        root = linear([a, b, a], [b, a, c], a) * b
        fast, reference = grads_by_fast_and_reference(root)
        assert fast == reference


class Cube(Op):
    """An op defined outside autodiff.ops: backward must still use its derivatives."""

    name = "cube"

    @staticmethod
    def forward(a: float) -> float:
        return a**3

    @staticmethod
    def derivatives(a: float, out: float) -> tuple[float]:
        return (3 * a * a,)


def test_ops_outside_the_table_go_through_their_derivatives() -> None:
    x = Value(1.5)
    p = (x * 0.3).sigmoid()
    root = total([x._apply(Cube), binary_cross_entropy(p, 1.0), binary_cross_entropy_with_logits(x, 0.0)])
    fast, reference = grads_by_fast_and_reference(root)
    assert fast == reference
    assert x.grad == reference[reference_order(root).index(x)]


def test_leaf_root_gets_gradient_one() -> None:
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0  # a leaf accumulates, as before


@pytest.mark.parametrize("enabled", [True, False])
def test_backward_restores_the_collectors_state(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        x = Value(1.0, label="x")
        (x * x).backward()
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError):
            (x * x).backward(break_at="nowhere")  # an error inside backward
        assert gc.isenabled() is enabled
        with gc_paused():
            assert not gc.isenabled()
            with gc_paused():
                pass
            assert not gc.isenabled()  # the inner block leaves it to the outer one
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_no_collection_falls_inside_backward() -> None:
    """backward() leaves the collector on, because its walk allocates next to nothing; prove it."""
    x = Value(0.5, label="x")
    y = x
    with gc_paused():  # building is where collections happen; keep them out of the count
        for i in range(100_000):
            y = total([y, x * 0.5, x]) if i % 1000 == 0 else (y * 1.00001 + x).tanh() if i % 2 else y + x
    collections: list[dict[str, int]] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info)

    gc.collect()
    gc.callbacks.append(count)
    try:
        assert gc.isenabled()
        y.backward()
    finally:
        gc.callbacks.remove(count)
    assert collections == []
    assert x.grad != 0.0


def test_arithmetic_fast_paths_keep_their_errors_and_constants() -> None:
    x = Value(2.0, label="x")
    for node in (x + 1, 1 + x, x - 1, 1 - x, x * 1, 1 * x, x / 1, 1 / x, x**2):
        assert any(type(p) is Constant for p in node.parents)
    assert (x**2).parents[1].data == 2.0 and type((x**2).parents[1].data) is float
    with pytest.raises(TypeError, match="operand"):
        x + "1"  # type: ignore[operator]
    with pytest.raises(TypeError, match=r"\*\* exponent"):
        x ** "2"  # type: ignore[operator]
    with pytest.raises(ZeroDivisionError):
        x / 0


def test_repr_of_a_deep_chain_is_short_and_does_not_recurse() -> None:
    y = Value(0.5, label="x")
    for _ in range(50_000):
        y = (y * 1.0001).tanh()
    assert len(repr(y)) < 200
    assert "(…)" in y.formula()
    z = Value(1.0001)
    for _ in range(40):
        z = z * z  # shared: a full formula would have 2**40 terms
    assert len(z.formula()) < 1000
    assert autodiff.Value is Value


def test_sigmoid_and_tanh_switch_forms_at_the_same_point_in_both_paths() -> None:
    """Their derivatives come from the output or from the input (where 1 − out cancels); the fast
    path must switch exactly where the op table does, and agree bit for bit on both sides."""
    from autodiff.ops import SIGMOID_FROM_INPUT_ABOVE, TANH_FROM_INPUT_BEYOND

    points = [0.0, -0.0, 1e-300, 0.5, 3.0, 20.0, 36.0, 700.0, 1e308, math.inf, math.nan]
    for edge in (SIGMOID_FROM_INPUT_ABOVE, TANH_FROM_INPUT_BEYOND):
        points += [edge, math.nextafter(edge, 0.0), math.nextafter(edge, math.inf)]
    points += [-z for z in points]
    rng = random.Random(3)
    points += [rng.uniform(-40.0, 40.0) for _ in range(500)]
    for z in points:
        for op in ("sigmoid", "tanh"):
            x = Value(z)
            root = getattr(x, op)() * 0.7  # an upstream other than 1
            fast, reference = grads_by_fast_and_reference(root)
            assert all(same(f, r) for f, r in zip(fast, reference)), (op, z, fast, reference)


def test_parents_read_back_in_operand_order_however_they_are_stored() -> None:
    """Nodes keep one or two parents in slots and more in a tuple; ``parents`` is always the tuple."""
    from autodiff.value import _node

    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    assert a.parents == () and Constant(1.0).parents == ()
    assert a.tanh().parents == (a,)
    assert (a * b).parents == (a, b) and (b * a).parents == (b, a)
    assert total([a]).parents == (a,) and total([a, b]).parents == (a, b) and total([a, b, c]).parents == (a, b, c)
    assert linear([a], [b], c).parents == (a, b, c)
    assert linear([], [], c).parents == (c,)
    for parents in [(), (a,), (a, b), (a, b, c), (a, a, a, a)]:
        node = _node(Sum, parents, 0.0)
        assert node.parents == parents
        node.parents = tuple(reversed(parents))  # still assignable, as when it was a plain slot
        assert node.parents == tuple(reversed(parents))
    # the fast path reads the slots directly: odd shapes must still match the table exactly
    for root in (linear([], [], a) * b, total([a, b]) * total([c]), _node(Sum, (), 0.0) + a):
        fast, reference = grads_by_fast_and_reference(root)
        assert fast == reference


def test_squares_take_the_tables_derivative_bit_for_bit() -> None:
    """The fast path writes out ∂(x²)/∂x; it must be the table's 2·x¹, signed zeros included."""
    for x in (0.0, -0.0, 5e-324, -5e-324, 1.5, -3.0, 1e308, -1e308, math.inf, -math.inf, math.nan):
        for upstream in (1.0, -0.5, math.inf, 0.0):
            leaf = Value(x)
            root = (leaf**2) * upstream
            fast, reference = grads_by_fast_and_reference(root)
            assert all(same(f, r) and math.copysign(1, f) == math.copysign(1, r) for f, r in zip(fast, reference)), (
                x,
                upstream,
                fast,
                reference,
            )


OPERATORS = {  # method name → (op, operands in the order the node keeps them)
    "__add__": (ops.Add, False),
    "__radd__": (ops.Add, True),
    "__sub__": (ops.Sub, False),
    "__rsub__": (ops.Sub, True),
    "__mul__": (ops.Mul, False),
    "__rmul__": (ops.Mul, True),
    "__truediv__": (ops.Div, False),
    "__rtruediv__": (ops.Div, True),
}


@given(WIDE, st.one_of(WIDE, st.integers(-5, 5), st.fractions(max_denominator=7)), st.booleans())
def test_operator_methods_build_the_op_tables_node(x: float, other: object, other_is_value: bool) -> None:
    """Each operator method builds its node in place; the node must be the op table's, exactly."""
    value = Value(x, label="x")
    operand = Value(float(other), label="y") if other_is_value else other
    for name, (op, reflected) in OPERATORS.items():
        if reflected and other_is_value:
            continue  # Python calls __r*__ only for a plain number on the left
        try:
            node = getattr(value, name)(operand)
        except ZeroDivisionError:
            assert op is ops.Div and (x == 0 if reflected else float(other) == 0)
            continue
        assert node.op_class is op and node.label == "" and node.grad == 0.0
        left, right = node.parents
        assert (right if reflected else left) is value  # self on the left unless reflected
        other_node = left if reflected else right
        if other_is_value:
            assert other_node is operand
        else:
            assert type(other_node) is Constant and other_node.data == float(other)
            assert type(other_node.data) is float and other_node.is_leaf and other_node.parents == ()
        assert same(node.data, op.forward(left.data, right.data))


@given(WIDE, st.sampled_from(["exp", "log", "tanh", "sigmoid", "relu", "__neg__"]))
def test_unary_methods_and_apply_build_the_same_node(x: float, name: str) -> None:
    value = Value(x)
    op = {"__neg__": ops.Neg, **ops.UNARY}[name]
    try:
        expected = op.forward(x)
    except (ValueError, OverflowError):
        return
    for node in (getattr(value, name)(), value._apply(op)):
        assert node.op_class is op and node.parents == (value,) and same(node.data, expected)


def test_operator_methods_are_plain_methods_of_value() -> None:
    """Each is its own ``def`` in value.py, so stepping into ``w * x`` lands in ``Value.__mul__``."""
    import inspect

    for name in [*OPERATORS, "__neg__", "__pow__", "exp", "log", "tanh", "sigmoid", "relu"]:
        method = getattr(Value, name)
        assert method.__name__ == method.__code__.co_name == name
        assert method.__qualname__ == method.__code__.co_qualname == f"Value.{name}"
        assert method.__code__.co_filename == autodiff.value.__file__
        assert inspect.getsource(method).lstrip().startswith(f"def {name}(self")
        assert method.__doc__


def test_a_square_is_the_correctly_rounded_product() -> None:
    """x ** 2 is computed as x * x (no pow call); Value ** Value gives the same number."""
    rng = random.Random(11)
    for x in [rng.uniform(-1e3, 1e3) for _ in range(500)] + [0.0, -0.0, 1e200, -1e200, math.inf, math.nan]:
        square = (Value(x) ** 2).data
        assert same(square, x * x)
        assert same((Value(x) ** Value(2.0)).data, square)
