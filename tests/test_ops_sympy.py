"""Every op's forward value and derivative against sympy's exact derivative, at many points.

Each case builds the op on Values with autodiff, backpropagates, and compares every operand's
grad with sympy's symbolic derivative evaluated at 30 significant digits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mpmath
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

import autodiff
from autodiff import Value
from autodiff.losses import binary_cross_entropy, binary_cross_entropy_with_logits


def floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from_zero(low: float, high: float, gap: float = 1e-3) -> st.SearchStrategy[float]:
    return floats(low, high).filter(lambda x: abs(x) >= gap)


def sym_sigmoid(z):
    return 1 / (1 + sympy.exp(-z))


def sym_bce(p, y):
    return -(y * sympy.log(p) + (1 - y) * sympy.log(1 - p))


@dataclass
class Case:
    """An op on n operands: how autodiff builds it, how sympy writes it, where to sample it."""

    name: str
    build: Callable[..., Value]
    exact: Callable[..., sympy.Expr]
    points: st.SearchStrategy[tuple[float, ...]]
    differentiate: Sequence[int] | None = None  # operands whose grad we check (default: all)


def pairs(a: st.SearchStrategy[float], b: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, ...]]:
    return st.tuples(a, b)


def singles(a: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, ...]]:
    return st.tuples(a)


wide = floats(-1e6, 1e6)
CASES = [
    Case("+", lambda a, b: a + b, lambda a, b: a + b, pairs(wide, wide)),
    Case("-", lambda a, b: a - b, lambda a, b: a - b, pairs(wide, wide)),
    Case("*", lambda a, b: a * b, lambda a, b: a * b, pairs(wide, wide)),
    Case("/", lambda a, b: a / b, lambda a, b: a / b, pairs(wide, away_from_zero(-1e3, 1e3))),
    Case("number + Value", lambda a: 2.5 + a, lambda a: 2.5 + a, singles(wide)),
    Case("number - Value", lambda a: 2.5 - a, lambda a: sympy.Float(2.5) - a, singles(wide)),
    Case("number * Value", lambda a: 2.5 * a, lambda a: 2.5 * a, singles(wide)),
    Case("number / Value", lambda a: 2.5 / a, lambda a: 2.5 / a, singles(away_from_zero(-1e3, 1e3))),
    Case("neg", lambda a: -a, lambda a: -a, singles(wide)),
    Case("** Value", lambda a, b: a**b, lambda a, b: a**b, pairs(floats(1e-3, 10), floats(-5, 5))),
    Case("number ** Value", lambda b: 2.0**b, lambda b: 2**b, singles(floats(-50, 50))),
    Case("exp", lambda a: a.exp(), sympy.exp, singles(floats(-700, 700))),
    Case("log", lambda a: a.log(), sympy.log, singles(floats(1e-300, 1e300))),
    Case("tanh", lambda a: a.tanh(), sympy.tanh, singles(floats(-30, 30))),
    Case("sigmoid", lambda a: a.sigmoid(), sym_sigmoid, singles(floats(-700, 700))),
    Case(
        "relu", lambda a: a.relu(), lambda a: sympy.Piecewise((a, a > 0), (0, True)), singles(away_from_zero(-1e6, 1e6))
    ),
    Case("module sigmoid", autodiff.sigmoid, sym_sigmoid, singles(floats(-50, 50))),
    Case("module exp", autodiff.exp, sympy.exp, singles(floats(-50, 50))),
    Case("module log", autodiff.log, sympy.log, singles(floats(1e-6, 1e6))),
    Case("module tanh", autodiff.tanh, sympy.tanh, singles(floats(-20, 20))),
    Case(
        "bce",
        lambda p: binary_cross_entropy(p, 1.0),
        lambda p: sym_bce(p, 1),
        singles(floats(1e-6, 1 - 1e-6)),
    ),
    Case(
        "bce target 0",
        lambda p: binary_cross_entropy(p, 0.0),
        lambda p: sym_bce(p, 0),
        singles(floats(1e-6, 1 - 1e-6)),
    ),
    Case(
        "bce_logits",
        lambda z: binary_cross_entropy_with_logits(z, 1.0),
        lambda z: sym_bce(sym_sigmoid(z), 1),
        singles(floats(-30, 30)),
    ),
    Case(
        "bce_logits target 0",
        lambda z: binary_cross_entropy_with_logits(z, 0.0),
        lambda z: sym_bce(sym_sigmoid(z), 0),
        singles(floats(-30, 30)),
    ),
]


def exact_value_and_gradient(expression, symbols, point):
    at = {s: sympy.Float(x, 30) for s, x in zip(symbols, point)}
    value = float(expression.evalf(30, subs=at))
    return value, [float(sympy.diff(expression, s).evalf(30, subs=at)) for s in symbols]


def check(case: Case, point: tuple[float, ...]) -> None:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    out = case.build(*leaves)
    out.backward()
    symbols = sympy.symbols(f"x0:{len(point)}", real=True)
    value, gradient = exact_value_and_gradient(case.exact(*symbols), symbols, point)
    # Relative 1e-12 is a few ulps; the absolute 1e-15 floor covers saturating functions whose
    # derivative is below double precision's resolution of their output (tanh'(30) ≈ 3.5e-26).
    assert math.isclose(out.data, value, rel_tol=1e-12, abs_tol=1e-15), (case.name, point, out.data, value)
    for i in case.differentiate or range(len(point)):
        assert math.isclose(leaves[i].grad, gradient[i], rel_tol=1e-12, abs_tol=1e-15), (
            case.name,
            point,
            i,
            leaves[i].grad,
            gradient[i],
        )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@given(data=st.data())
def test_op_derivative_matches_sympy(case: Case, data: st.DataObject) -> None:
    check(case, data.draw(case.points, label="point"))


CONST_EXPONENTS = [-3, -2, -1, 0, 1, 2, 3, 4, 0.5, -0.5, 1.5, 2.5, math.pi]


@given(k=st.sampled_from(CONST_EXPONENTS), a=floats(-10, 10))
def test_power_by_constant_matches_sympy(k: float, a: float) -> None:
    if k != int(k):
        assume(a >= 1e-3)  # a fractional power of a negative number is not real
    elif k < 1:
        assume(abs(a) >= 1e-3)  # a non-positive power has a pole (or, for 0, a 0⁰) at a = 0
    x = Value(a, label="x")
    out = x**k
    out.backward()
    s = sympy.Symbol("x", real=True)
    exact = s ** sympy.nsimplify(k) if k != math.pi else s**sympy.pi
    value, (gradient,) = exact_value_and_gradient(exact, [s], (a,))
    if k == math.pi:  # the float k is pi rounded; compare against that exponent, not sympy.pi
        value, (gradient,) = exact_value_and_gradient(s ** sympy.Float(k, 30), [s], (a,))
    assert math.isclose(out.data, value, rel_tol=1e-12, abs_tol=1e-300)
    assert math.isclose(x.grad, gradient, rel_tol=1e-12, abs_tol=1e-300), (k, a, x.grad, gradient)


@given(terms=st.lists(floats(-1e6, 1e6), min_size=1, max_size=8))
def test_total_matches_sympy(terms: list[float]) -> None:
    leaves = [Value(x, label=f"t{i}") for i, x in enumerate(terms)]
    out = autodiff.total(leaves)
    out.backward()
    symbols = sympy.symbols(f"t0:{len(terms)}", real=True)
    value, gradient = exact_value_and_gradient(sympy.Add(*symbols), symbols, terms)
    assert math.isclose(out.data, value, rel_tol=1e-12, abs_tol=1e-9)
    assert [leaf.grad for leaf in leaves] == gradient


@given(n=st.integers(1, 5), data=st.data())
def test_linear_matches_sympy(n: int, data: st.DataObject) -> None:
    numbers = data.draw(st.lists(floats(-100, 100), min_size=2 * n + 1, max_size=2 * n + 1))
    leaves = [Value(x, label=f"v{i}") for i, x in enumerate(numbers)]
    out = autodiff.linear(leaves[:n], leaves[n : 2 * n], leaves[-1])
    out.backward()
    ws = sympy.symbols(f"w0:{n}", real=True)
    xs = sympy.symbols(f"x0:{n}", real=True)
    b = sympy.Symbol("b", real=True)
    symbols = [*ws, *xs, b]
    expression = sum((w * x for w, x in zip(ws, xs)), b)
    value, gradient = exact_value_and_gradient(expression, symbols, numbers)
    assert math.isclose(out.data, value, rel_tol=1e-9, abs_tol=1e-9)
    for leaf, expected in zip(leaves, gradient):
        assert math.isclose(leaf.grad, expected, rel_tol=1e-12, abs_tol=0.0)


# --- sigmoid at the extremes, against mpmath at 60 digits ---------------------------------------


def mp_sigmoid(z: float) -> tuple[float, float]:
    """σ(z) and σ'(z) rounded from 60-digit arithmetic."""
    with mpmath.workdps(60):
        s = 1 / (1 + mpmath.exp(-mpmath.mpf(z)))
        return float(s), float(s * (1 - s))


@pytest.mark.parametrize("z", [1000.0, -1000.0, 1e308, -1e308, 0.0, 1e-300, -1e-300])
def test_sigmoid_at_extremes_is_exact(z: float) -> None:
    """Where the correctly rounded answer is 0, ½ or 1, sigmoid gives exactly that, and a finite grad."""
    x = Value(z, label="z")
    p = x.sigmoid()
    p.backward()
    value, derivative = mp_sigmoid(z)
    assert p.data == value
    assert autodiff.sigmoid(z) == value
    assert math.isfinite(x.grad)
    assert math.isclose(x.grad, derivative, rel_tol=1e-12, abs_tol=1e-15)


@given(z=st.one_of(floats(-745, 745), st.sampled_from([-745.0, -708.5, -36.0, 36.0, 37.0, 709.0])))
def test_sigmoid_is_within_two_ulps_of_mpmath(z: float) -> None:
    """Elsewhere e/(1 + e) rounds twice, so allow 2 ulps (it is not correctly rounded, e.g. at z = -36)."""
    value, _ = mp_sigmoid(z)
    assert abs(autodiff.sigmoid(z) - value) <= 2 * math.ulp(value)


@pytest.mark.parametrize(("op", "z"), [("sigmoid", 30.0), ("sigmoid", 36.0), ("tanh", 20.0)])
def test_saturated_derivatives_keep_relative_precision(op: str, z: float) -> None:
    x = Value(z)
    getattr(x, op)().backward()
    with mpmath.workdps(60):
        derivative = float(mpmath.sech(z) ** 2) if op == "tanh" else mp_sigmoid(z)[1]
    assert math.isclose(x.grad, derivative, rel_tol=1e-12)
