"""Every op's first, second and third derivatives against sympy's exact ones, at many points.

The engine's side: ``autodiff.grad(..., create_graph=True)`` applied again and again, so each
order is the op table's ``derivatives`` run on Values (a graph) and then differentiated. sympy's
side: the op written as a formula, differentiated symbolically, evaluated at 30 digits. The
points include the tails where sigmoid's and tanh's derivatives switch to their input form.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import pytest
import sympy
from hypothesis import assume, example, given
from hypothesis import strategies as st

import autodiff
from autodiff import Value, grad
from autodiff.losses import EPS, binary_cross_entropy, binary_cross_entropy_with_logits
from autodiff.ops import SIGMOID_FROM_INPUT_ABOVE, TANH_FROM_INPUT_BEYOND

ORDERS = 3


def floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from_zero(low: float, high: float, gap: float = 1e-2) -> st.SearchStrategy[float]:
    return floats(low, high).filter(lambda x: abs(x) >= gap)


def sym_sigmoid(z: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-z))


def sym_bce(p: sympy.Expr, y: int) -> sympy.Expr:
    return -(y * sympy.log(p) + (1 - y) * sympy.log(1 - p))


@dataclass(frozen=True)
class Case:
    """An op on n operands: how autodiff builds it, how sympy writes it, where to sample it."""

    name: str
    build: Callable[..., Value]
    exact: Callable[..., sympy.Expr]
    points: st.SearchStrategy[tuple[float, ...]]
    # The size of the terms the k-th derivative's graph adds up, where that exceeds the result:
    # BCE's rule (p − y)/(p(1 − p)) differentiated k − 1 more times sums terms of size 1/pᵏ near
    # p = 0 (as PyTorch's does) to get a result of size 1, so the error is relative to those.
    term_size: Callable[[tuple[float, ...], int], float] = lambda point, order: 0.0


def bce_terms(point: tuple[float, ...], order: int) -> float:
    p = point[0]
    return 1.0 / min(p, 1.0 - p) ** order


def bce_logits_terms(point: tuple[float, ...], order: int) -> float:
    """Its first derivative is σ(z) − y, a difference of two numbers of size 1 (PyTorch's form too)."""
    return 1.0 if order == 1 else 0.0


def singles(a: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, ...]]:
    return st.tuples(a)


moderate = floats(-30, 30)
CASES = [
    Case("+", lambda a, b: a + b, lambda a, b: a + b, st.tuples(moderate, moderate)),
    Case("-", lambda a, b: a - b, lambda a, b: a - b, st.tuples(moderate, moderate)),
    Case("*", lambda a, b: a * b, lambda a, b: a * b, st.tuples(moderate, moderate)),
    Case("/", lambda a, b: a / b, lambda a, b: a / b, st.tuples(moderate, away_from_zero(-30, 30))),
    Case("neg", lambda a: -a, lambda a: -a, singles(moderate)),
    Case("** Value", lambda a, b: a**b, lambda a, b: a**b, st.tuples(floats(1e-2, 10), floats(-4, 4))),
    Case("number ** Value", lambda b: 2.0**b, lambda b: 2**b, singles(floats(-50, 50))),
    Case("exp", lambda a: a.exp(), sympy.exp, singles(floats(-300, 300))),
    Case("log", lambda a: a.log(), sympy.log, singles(floats(1e-3, 1e6))),
    Case("tanh", lambda a: a.tanh(), sympy.tanh, singles(floats(-150, 150))),
    Case("sigmoid", lambda a: a.sigmoid(), sym_sigmoid, singles(floats(-300, 300))),
    Case(
        "relu", lambda a: a.relu(), lambda a: sympy.Piecewise((a, a > 0), (0, True)), singles(away_from_zero(-30, 30))
    ),
    Case("total", lambda a, b, c: autodiff.total([a, b, c]), lambda a, b, c: a + b + c, st.tuples(*[moderate] * 3)),
    Case(
        "linear",
        lambda w1, w2, x1, x2, b: autodiff.linear([w1, w2], [x1, x2], b),
        lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b,
        st.tuples(*[floats(-10, 10)] * 5),
    ),
    Case(
        "bce", lambda p: binary_cross_entropy(p, 1.0), lambda p: sym_bce(p, 1), singles(floats(1e-4, 0.9999)), bce_terms
    ),
    Case(
        "bce target 0",
        lambda p: binary_cross_entropy(p, 0.0),
        lambda p: sym_bce(p, 0),
        singles(floats(1e-4, 0.9999)),
        bce_terms,
    ),
    Case(
        "bce_logits",
        lambda z: binary_cross_entropy_with_logits(z, 1.0),
        lambda z: sym_bce(sym_sigmoid(z), 1),
        singles(floats(-300, 300)),
        bce_logits_terms,
    ),
    Case(
        "bce_logits target 0",
        lambda z: binary_cross_entropy_with_logits(z, 0.0),
        lambda z: sym_bce(sym_sigmoid(z), 0),
        singles(floats(-300, 300)),
        bce_logits_terms,
    ),
]


def engine_derivatives(case: Case, point: tuple[float, ...]) -> list[dict[tuple[int, ...], float]]:
    """Orders 1…3: {(i,): ∂f/∂xᵢ}, {(i, j): ∂²f/∂xᵢ∂xⱼ}, … each order the gradient of the last."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    current: dict[tuple[int, ...], Value] = {(): case.build(*leaves)}
    orders = []
    for order in range(1, ORDERS + 1):
        last = order == ORDERS
        following: dict[tuple[int, ...], Value] = {}
        for index, f in current.items():
            for i, derivative in enumerate(grad(f, leaves, create_graph=not last)):
                following[(*index, i)] = derivative
        orders.append({index: float(d) for index, d in following.items()})
        current = following
    return orders


@functools.cache
def exact_functions(name: str, n: int) -> list[dict[tuple[int, ...], Callable[..., object]]]:
    """sympy's exact derivatives of orders 1…3, compiled to mpmath functions."""
    case = next(c for c in CASES if c.name == name)
    symbols = sympy.symbols(f"x0:{n}", real=True)
    expression = case.exact(*symbols)
    orders = []
    for order in range(1, ORDERS + 1):
        functions = {}
        for index in itertools.product(range(n), repeat=order):
            derivative = sympy.diff(expression, *[symbols[i] for i in index])
            functions[index] = sympy.lambdify(symbols, derivative, "mpmath")
        orders.append(functions)
    return orders


def exact_derivatives(case: Case, point: tuple[float, ...]) -> list[dict[tuple[int, ...], float]]:
    # 400 digits: sympy writes tanh' as 1 − tanh², which at x = 150 cancels the first 130 digits.
    with mpmath.workdps(400):
        at = [mpmath.mpf(x) for x in point]
        return [
            {index: float(f(*at)) for index, f in functions.items()}
            for functions in exact_functions(case.name, len(point))
        ]


def assert_close_to_exact(case: Case, point: tuple[float, ...]) -> None:
    """Each derivative within 1e-9 of the larger of its own size and the previous order's.

    Differentiating p·(1 − p) near p = ½ subtracts nearly equal terms of the previous order's
    size, so that size is the right yardstick for the error; in the tails every order has the
    same tiny size (e^−|z|), which makes the check relative there: the accurate forms must hold.
    """
    got = engine_derivatives(case, point)
    exact = exact_derivatives(case, point)
    for order in range(ORDERS):
        previous = max((abs(x) for x in exact[order - 1].values()), default=0.0) if order else 0.0
        terms = case.term_size(point, order + 1)
        for index, expected in exact[order].items():
            tolerance = 1e-9 * max(abs(expected), previous, terms) + 1e-300
            assert abs(got[order][index] - expected) <= tolerance, (
                case.name,
                point,
                index,
                got[order][index],
                expected,
            )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@given(data=st.data())
def test_derivatives_to_third_order_match_sympy(case: Case, data: st.DataObject) -> None:
    assert_close_to_exact(case, data.draw(case.points, label="point"))


TAILS = {
    "sigmoid": [SIGMOID_FROM_INPUT_ABOVE, math.nextafter(SIGMOID_FROM_INPUT_ABOVE, 9), 2.5, 10.0, 36.0, 100.0, 700.0],
    "tanh": [TANH_FROM_INPUT_BEYOND, math.nextafter(TANH_FROM_INPUT_BEYOND, 9), 3.0, 20.0, 150.0, 350.0],
    "bce_logits": [5.0, 36.0, 300.0],
}


@pytest.mark.parametrize("name", sorted(TAILS))
def test_stable_tails_stay_accurate_at_every_order(name: str) -> None:
    """Beyond the switch points the derivatives are far below 1: their graphs must be built from the
    input form (e/(1 + e)² with e = e^−z), or σ''(36) would be the difference of two roundings of 1."""
    case = next(c for c in CASES if c.name == name)
    for z in TAILS[name]:
        for point in ((z,), (-z,)):
            assert_close_to_exact(case, point)
        if name != "bce_logits":
            first, second, third = (engine_derivatives(case, (z,))[k][(0,) * (k + 1)] for k in range(3))
            assert first > 0 and second != 0 and third != 0  # not the 0 of the output form's 1 − 1


@given(k=st.sampled_from([-3, -2, -1, 0, 1, 2, 3, 4, 0.5, -0.5, 1.5, 2.5, math.pi]), a=floats(-10, 10))
@example(k=2, a=0.0)
@example(k=3, a=0.0)
@example(k=4, a=0.0)
@example(k=1, a=0.0)
@example(k=0, a=0.0)
def test_power_by_constant_to_third_order_matches_sympy(k: float, a: float) -> None:
    """x ** k, including x = 0 for whole k ≥ 0: (x³)''' = 6 there, though every lower order is 0."""
    if k != int(k):
        assume(a >= 1e-2)  # a fractional power of a negative number is not real
    elif k < 1:
        assume(abs(a) >= 1e-2 or k == 0)  # a pole at 0
    x = Value(a, label="x")
    first = grad(x**k, [x], create_graph=True)[0]
    second = grad(first, [x], create_graph=True)[0]
    third = grad(second, [x])[0]
    s = sympy.Symbol("x", real=True)
    exponent = sympy.Float(k, 30) if k == math.pi else sympy.nsimplify(k)
    for order, got in enumerate((float(first), float(second), third), start=1):
        expected = float(sympy.diff(s**exponent, s, order).evalf(30, subs={s: sympy.Float(a, 30)}))
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-300), (k, a, order, got, expected)


def test_bce_keeps_its_clamp_in_every_order() -> None:
    """Near p = 0 the gradient's denominator p(1 − p) is held at EPS (PyTorch's clamp); the first
    derivative is then (p − y)/EPS, a straight line in p, so its own slope is 1/EPS, and so on."""
    p = Value(1e-14, label="p")
    first = grad(binary_cross_entropy(p, 1.0), [p], create_graph=True)[0]
    assert first.data == (1e-14 - 1.0) / EPS
    second = grad(first, [p], create_graph=True)[0]
    assert second.data == 1.0 / EPS
    assert grad(second, [p])[0] == 0.0
    # Away from the clamp the second derivative is the exact 1/p² (target 1): sympy's, written out.
    p = Value(0.25, label="p")
    first = grad(binary_cross_entropy(p, 1.0), [p], create_graph=True)[0]
    assert math.isclose(grad(first, [p])[0], 1 / 0.25**2, rel_tol=1e-12)


def test_bce_floor_is_a_constant_for_the_next_order() -> None:
    """∂BCE/∂y = ln(1 − p) − ln p with each log floored at −100: below the floor it is a constant."""
    p = Value(1e-50, label="p")
    y = Value(1.0, label="y")
    from autodiff.losses import BinaryCrossEntropy
    from autodiff.value import _node

    loss = _node(BinaryCrossEntropy, (p, y), BinaryCrossEntropy.forward(p.data, y.data))
    d_p, d_y = grad(loss, [p, y], create_graph=True)
    assert d_y.data == math.log1p(-1e-50) + 100.0  # ln(1 − p) − (−100), the floor
    assert grad(d_y, [p])[0] == pytest.approx(-1.0, abs=1e-12)  # only ln(1 − p) moves with p


def test_relu_second_derivative_is_zero_on_both_sides() -> None:
    for a in (-2.0, 3.0):
        x = Value(a)
        first = grad(x.relu() * x.relu(), [x], create_graph=True)[0]
        assert grad(first, [x])[0] == (2.0 if a > 0 else 0.0)  # (relu x)² is x² for x > 0, 0 below
