"""Numerical edges: each function and loss at huge, tiny, zero, nan and infinite inputs.

What: for every (function, input) pair below, the engine's forward value and gradient are
compared with an independent oracle — the same mathematics evaluated by mpmath at 60 significant
digits (where an input is ±inf, mpmath's value is the limit as x → ±inf) — and the whole table is
compared with docs/numerical_edges.md, which this test generates.

Why: learners feed in everything. The documented promise is that nothing from the standard
library leaks out (no ``OverflowError``, no ``math domain error``), a non-real result is the
engine's own ``ValueError`` naming the value, a result beyond double range becomes ±inf, nan in
gives nan out, and gradients are finite wherever the mathematics is finite.

Regenerate the docs after a deliberate change with::

    UPDATE_DOCS=1 .venv/bin/python -m pytest tests/test_numerical_edges.py
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mpmath
import pytest

import autodiff
from autodiff import Value, losses

mp = mpmath.mp
mp.dps = 60
MPF = mpmath.mpf

DOC = Path(__file__).resolve().parent.parent / "docs" / "numerical_edges.md"
REGENERATE = "UPDATE_DOCS=1 .venv/bin/python -m pytest tests/test_numerical_edges.py"

INPUTS: tuple[float, ...] = (
    1e3,
    -1e3,
    1e308,
    -1e308,
    5e-324,
    -5e-324,
    0.0,
    -0.0,
    math.nan,
    math.inf,
    -math.inf,
)

# Messages the standard library uses; none may reach a user.
STDLIB_MESSAGES = (
    "math domain error",
    "math range error",
    "float division by zero",
    "cannot convert float",
    "Numerical result out of range",
    "complex",
)

Oracle = Callable[[MPF], "tuple[MPF, MPF] | None"]
"""Maps an input to (value, d value/d input) in exact-ish arithmetic, or None: no real value."""


# --- the oracle: mathematics in mpmath, written out independently of autodiff ----------------


def _is_nan(x: MPF) -> bool:
    return bool(mpmath.isnan(x))


def _sigmoid(x: MPF) -> MPF:
    if _is_nan(x):
        return x
    return 1 / (1 + mpmath.exp(-x))


def _sigmoid_slope(x: MPF) -> MPF:
    # σ'(x) = e^−|x| / (1 + e^−|x|)²: symmetric, and exact far out in either tail.
    if _is_nan(x):
        return x
    e = mpmath.exp(-abs(x))
    return e / (1 + e) ** 2


def _softplus(t: MPF) -> MPF:
    """ln(1 + eᵗ), exactly (mpmath's exponent range has no overflow)."""
    return mpmath.log(1 + mpmath.exp(t))


def oracle_sigmoid(x: MPF) -> tuple[MPF, MPF]:
    return _sigmoid(x), _sigmoid_slope(x)


def oracle_exp(x: MPF) -> tuple[MPF, MPF]:
    return mpmath.exp(x), mpmath.exp(x)


def oracle_log(x: MPF) -> tuple[MPF, MPF] | None:
    if _is_nan(x):
        return x, x
    if x <= 0:
        return None  # −inf at 0, not real below: no finite real value
    return mpmath.log(x), 1 / x


def oracle_tanh(x: MPF) -> tuple[MPF, MPF]:
    if _is_nan(x):
        return x, x
    return mpmath.tanh(x), mpmath.sech(x) ** 2


def oracle_relu(x: MPF) -> tuple[MPF, MPF]:
    if _is_nan(x):
        return x, x  # nan in, nan out: a diverged run must not look healthy
    # 0 at the kink (PyTorch's convention), the documented choice there.
    return (x, MPF(1)) if x > 0 else (MPF(0), MPF(0))


def oracle_squared_error(target: float) -> Oracle:
    y = MPF(target)

    def oracle(p: MPF) -> tuple[MPF, MPF]:
        return (y - p) ** 2, 2 * (p - y)

    return oracle


LOG_FLOOR = MPF(-100)  # the documented floor of each log in binary_cross_entropy (as PyTorch)
EPS = MPF("1e-12")  # the documented floor of p(1 − p) in its gradient (as PyTorch)


def _floored_log(x: MPF) -> MPF:
    return max(mpmath.log(x), LOG_FLOOR) if x > 0 else LOG_FLOOR


def oracle_bce(target: float) -> Oracle:
    y = MPF(target)

    def oracle(p: MPF) -> tuple[MPF, MPF] | None:
        if _is_nan(p):
            return p, p
        if not 0 <= p <= 1:
            return None  # not a probability
        value = -(y * _floored_log(p) + (1 - y) * _floored_log(1 - p))
        # PyTorch's BCELoss gradient, as documented: (p − y) / max(p(1 − p), 1e-12).
        return value, (p - y) / max(p * (1 - p), EPS)

    return oracle


def oracle_bce_logits(target: float) -> Oracle:
    y = MPF(target)

    def oracle(z: MPF) -> tuple[MPF, MPF]:
        if _is_nan(z):
            return z, z
        # −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = softplus(−z) for y = 1, softplus(z) for y = 0.
        value = _softplus(-z) if y == 1 else _softplus(z)
        return value, _sigmoid(z) - y

    return oracle


@dataclass(frozen=True)
class Function:
    """One row group of the table: how to apply it to a Value, and its oracle."""

    name: str
    apply: Callable[[Value], Value]
    apply_float: Callable[[float], float]
    oracle: Oracle


FUNCTIONS: tuple[Function, ...] = (
    Function("sigmoid(x)", lambda v: v.sigmoid(), autodiff.sigmoid, oracle_sigmoid),
    Function("exp(x)", lambda v: v.exp(), autodiff.exp, oracle_exp),
    Function("log(x)", lambda v: v.log(), autodiff.log, oracle_log),
    Function("tanh(x)", lambda v: v.tanh(), autodiff.tanh, oracle_tanh),
    Function("relu(x)", lambda v: v.relu(), autodiff.relu, oracle_relu),
    Function(
        "squared_error(x, 1)",
        lambda v: losses.squared_error(v, 1.0),
        lambda x: losses.squared_error(x, 1.0),
        oracle_squared_error(1.0),
    ),
    Function(
        "binary_cross_entropy(x, 1)",
        lambda v: losses.binary_cross_entropy(v, 1.0),
        lambda x: losses.binary_cross_entropy(x, 1.0),
        oracle_bce(1.0),
    ),
    Function(
        "binary_cross_entropy(x, 0)",
        lambda v: losses.binary_cross_entropy(v, 0.0),
        lambda x: losses.binary_cross_entropy(x, 0.0),
        oracle_bce(0.0),
    ),
    Function(
        "binary_cross_entropy_with_logits(x, 1)",
        lambda v: losses.binary_cross_entropy_with_logits(v, 1.0),
        lambda x: losses.binary_cross_entropy_with_logits(x, 1.0),
        oracle_bce_logits(1.0),
    ),
    Function(
        "binary_cross_entropy_with_logits(x, 0)",
        lambda v: losses.binary_cross_entropy_with_logits(v, 0.0),
        lambda x: losses.binary_cross_entropy_with_logits(x, 0.0),
        oracle_bce_logits(0.0),
    ),
)
BY_NAME = {f.name: f for f in FUNCTIONS}

# Rows where the engine disagrees with the mathematics today: each is a bug for the named owner.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


# --- running the engine ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the engine did: a value and gradient, or an error (type and message)."""

    value: float | None = None
    gradient: float | None = None
    error: BaseException | None = None


def run_engine(function: Function, x: float) -> Outcome:
    """Forward and backward through a Value; any exception is captured, not raised."""
    leaf = Value(x, label="x")
    try:
        out = function.apply(leaf)
        out.backward()
    except Exception as error:  # noqa: BLE001 - the test inspects whatever came out
        return Outcome(error=error)
    return Outcome(value=out.data, gradient=leaf.grad)


def _float(x: MPF) -> float:
    """The double nearest the exact value (±inf beyond range, 0 below it)."""
    return float(x)


def agrees(engine: float, exact: MPF) -> bool:
    """Engine's double matches the exact value: same nan/inf, else within 1e-13 relative.

    The 1e-300 absolute slack admits results that underflow (e.g. a true 5e-324 computed as 0).
    """
    if _is_nan(exact):
        return math.isnan(engine)
    nearest = _float(exact)
    if math.isinf(nearest):
        return engine == nearest
    return math.isfinite(engine) and abs(engine - nearest) <= 1e-13 * abs(nearest) + 1e-300


def _fmt(x: float) -> str:
    return repr(x)


def _describe(x: float, exact: MPF, what: str) -> str:
    """A note on how the double relates to the exact value, from the oracle alone."""
    if _is_nan(exact) or mpmath.isinf(exact):
        return ""
    if math.isinf(_float(exact)):
        return f"{what} beyond double range → {'-' if exact < 0 else ''}inf"
    if exact != 0 and _float(exact) == 0:
        return f"{what} underflows to 0"
    return ""


def table_row(function: Function, x: float) -> str:
    """One markdown row: input | value | gradient | what happens."""
    outcome = run_engine(function, x)
    expected = function.oracle(MPF(x))
    notes: list[str] = []
    if outcome.error is not None:
        value = f"{type(outcome.error).__name__}: {outcome.error}"
        gradient = "—"
        notes.append("no real value: the engine's own error")
    else:
        assert outcome.value is not None and outcome.gradient is not None
        value, gradient = _fmt(outcome.value), _fmt(outcome.gradient)
        if math.isnan(x):
            notes.append("nan propagates" if math.isnan(outcome.value) else "")
        if math.isinf(x):
            notes.append(f"limits as x → {'+' if x > 0 else '−'}∞")
        if expected is not None:
            notes.append(_describe(x, expected[0], "value"))
            notes.append(_describe(x, expected[1], "gradient"))
            if (function.name, _fmt(x)) in KNOWN_BUGS:
                notes.append("⚠ differs from the mathematics (known issue)")
    note = "; ".join(n for n in notes if n)
    return f"| `{_fmt(x)}` | `{value}` | `{gradient}` | {note} |"


def render_table() -> str:
    """The whole of docs/numerical_edges.md."""
    lines = [
        "# Numerical edges",
        "",
        "<!-- Generated by tests/test_numerical_edges.py; do not edit by hand. -->",
        f"<!-- Regenerate: {REGENERATE} -->",
        "",
        "What each function and loss gives at huge, tiny, zero, nan and infinite inputs: the forward",
        "value and the gradient d(output)/dx from `backward()`. Every row is checked against the same",
        "mathematics evaluated by mpmath at 60 digits (for ±inf inputs, the limit).",
        "",
        "The rules: nothing from Python's standard library leaks out (no `OverflowError`, no",
        "`math domain error`); where there is no finite real value the engine raises its own",
        "`ValueError` naming the value; a result beyond double range (about 1.8e308) is ±inf; nan in",
        "gives nan out; gradients are finite wherever the mathematics is finite and within double range.",
        "`binary_cross_entropy` floors each log at −100 and its gradient's p(1 − p) at 1e-12, as",
        "PyTorch's `BCELoss` does, so p = 0 or 1 gives a large finite loss instead of inf.",
        "",
    ]
    for function in FUNCTIONS:
        lines += [f"## `{function.name}`", "", "| x | value | gradient | note |", "|---|---|---|---|"]
        lines += [table_row(function, x) for x in INPUTS]
        lines.append("")
    return "\n".join(lines)


# --- the tests -------------------------------------------------------------------------------


def _cases() -> list[object]:
    cases = []
    for function in FUNCTIONS:
        for x in INPUTS:
            bug = KNOWN_BUGS.get((function.name, _fmt(x)))
            marks = [pytest.mark.xfail(reason=bug, strict=True)] if bug else []
            cases.append(pytest.param(function.name, x, marks=marks, id=f"{function.name}@{_fmt(x)}"))
    return cases


@pytest.mark.parametrize(("name", "x"), _cases())
def test_edge_matches_the_mathematics(name: str, x: float) -> None:
    """Forward value and gradient agree with mpmath; no-real-value cases raise our ValueError."""
    function = BY_NAME[name]
    outcome = run_engine(function, x)
    expected = function.oracle(MPF(x))
    if expected is None:
        assert isinstance(outcome.error, ValueError), f"{name} at {x!r}: expected ValueError, got {outcome}"
        message = str(outcome.error)
        assert repr(x) in message, f"the message should name the value {x!r}: {message!r}"
        assert not any(s in message for s in STDLIB_MESSAGES), f"standard-library message leaked: {message!r}"
        return
    assert outcome.error is None, f"{name} at {x!r} raised {type(outcome.error).__name__}: {outcome.error}"
    value, slope = expected
    assert agrees(outcome.value, value), f"{name} at {x!r}: value {outcome.value!r}, exact {mpmath.nstr(value, 17)}"
    assert agrees(outcome.gradient, slope), (
        f"{name} at {x!r}: gradient {outcome.gradient!r}, exact {mpmath.nstr(slope, 17)}"
    )


# The plain-float path (a number in, a float out) where it differs from the Value path today.
FLOAT_PATH_BUGS: dict[tuple[str, str], str] = {}


def _float_cases() -> list[object]:
    cases = []
    for function in FUNCTIONS:
        for x in INPUTS:
            bug = FLOAT_PATH_BUGS.get((function.name, _fmt(x)))
            marks = [pytest.mark.xfail(reason=bug, strict=True)] if bug else []
            cases.append(pytest.param(function.name, x, marks=marks, id=f"{function.name}@{_fmt(x)}"))
    return cases


@pytest.mark.parametrize(("name", "x"), _float_cases())
def test_plain_float_path_matches_value_path(name: str, x: float) -> None:
    """The same function on a plain float gives the Value's forward result (or the same error)."""
    function = BY_NAME[name]
    outcome = run_engine(function, x)
    try:
        result = function.apply_float(x)
    except ValueError as error:
        assert outcome.error is not None and str(outcome.error) == str(error)
        return
    assert outcome.error is None, outcome.error
    assert isinstance(result, float)
    assert result == outcome.value or (math.isnan(result) and math.isnan(outcome.value))


def test_finite_where_math_is_finite() -> None:
    """Every gradient whose exact value is a finite double comes out finite (summary of the rows)."""
    offenders = []
    for function in FUNCTIONS:
        for x in INPUTS:
            expected = function.oracle(MPF(x))
            if expected is None or not math.isfinite(_float(expected[1])):
                continue
            if (function.name, _fmt(x)) in KNOWN_BUGS:
                continue
            outcome = run_engine(function, x)
            if outcome.error is not None or not math.isfinite(outcome.gradient):
                offenders.append((function.name, x, outcome))
    assert not offenders


def test_docs_table_is_current() -> None:
    """docs/numerical_edges.md is exactly what the engine does now (regenerate with UPDATE_DOCS=1)."""
    text = render_table()
    if os.environ.get("UPDATE_DOCS") == "1":
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
        return
    assert DOC.exists(), f"{DOC} is missing; generate it with: {REGENERATE}"
    current = DOC.read_text(encoding="utf-8")
    assert current == text, (
        f"{DOC.name} no longer matches the engine's behaviour at the numerical edges. If the change is "
        f"intended, regenerate it with: {REGENERATE}  (or UPDATE_DOCS=1 make test)"
    )


POWER_CASES = [
    (base, exponent)
    for base in (-2.0, -0.5, -math.inf, 0.0, 2.0, math.nan)
    for exponent in (math.nan, math.inf, -math.inf, 2.0, 1e308)
    if not (base == 0 and exponent < 0)  # 0 ** negative is the engine's ZeroDivisionError, tested below
]


@pytest.mark.parametrize(("base", "exponent"), POWER_CASES)
def test_power_with_non_finite_operands_never_leaks(base: float, exponent: float) -> None:
    """``x ** k`` at nan/inf exponents gives IEEE 754 pow's answer (C's pow via math.pow), never
    the standard library's "cannot convert float NaN to integer" from a whole-exponent check."""
    x = Value(base)
    out = x**exponent
    out.backward()  # must not raise either
    try:
        expected = math.pow(base, exponent)
    except OverflowError:  # C pow overflowed: the real answer is ±inf
        expected = math.copysign(math.inf, base) if exponent % 2 == 1 else math.inf
    assert out.data == expected or (math.isnan(out.data) and math.isnan(expected))
    # The same through two Values (Pow, whose gradient also flows into the exponent).
    both = Value(base) ** Value(exponent)
    both.backward()
    assert both.data == out.data or (math.isnan(both.data) and math.isnan(out.data))


def test_zero_to_a_negative_power_is_the_engines_error() -> None:
    """0 ** −k has no value: the engine's ZeroDivisionError naming it, not Python's message."""
    with pytest.raises(ZeroDivisionError, match=r"0 \*\* -inf"):
        Value(0.0) ** -math.inf


@pytest.mark.parametrize(
    "terms",
    [
        (8.98846567431158e307, 8.98846567431158e307),  # found by tests/test_fuzz.py: fsum overflowed
        (1e308, 1e308, -1e308),  # a partial sum overflows, the total does not
        (1e308,) * 5 + (-1e308,) * 4,
        (1e308, 1e308, 1e308, -1e308, 5.0),
        (math.inf, -math.inf),  # no value: nan, as inf + (−inf) is
        (math.inf, 1.0),
        (5e-324, 5e-324, -1e-300),
    ],
)
def test_total_of_extreme_terms(terms: tuple[float, ...]) -> None:
    """``total`` (one Sum node, exact fsum) never leaks fsum's OverflowError or "-inf + inf" ValueError:
    the exact sum (mpmath, rounded once) when it is within range, ±inf beyond, nan for inf − inf."""
    leaves = [Value(t) for t in terms]
    out = autodiff.total(leaves)
    out.backward()
    if any(math.isinf(t) for t in terms):
        exact = math.inf if all(t != -math.inf for t in terms) else math.nan if math.inf in terms else -math.inf
        assert out.data == exact or (math.isnan(exact) and math.isnan(out.data))
    else:
        exact_mp = mpmath.fsum([MPF(t) for t in terms])
        assert out.data == _float(exact_mp), (out.data, mpmath.nstr(exact_mp, 20))
    assert all(leaf.grad == 1.0 for leaf in leaves)
