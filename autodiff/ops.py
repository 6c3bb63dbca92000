"""The op table: every operation the engine knows, forward and local derivative side by side.

Each op is a class with two static methods:

    forward(*inputs)            -> the output's data (plain floats in, a float out)
    derivatives(*inputs, out)   -> ∂out/∂input for each input, in operand order

Backprop multiplies each local derivative by the upstream gradient (the chain rule), so one
breakpoint in ``derivatives`` stops exactly where that op's calculus happens.

``derivatives`` is written once for two kinds of argument: floats, for ``backward()``, and Values,
for ``autodiff.grad(..., create_graph=True)``, where the same formula records new nodes and so
can be differentiated again. So it uses only operators, comparisons (which read a Value's number),
``float(x) == …`` where it tests equality (== between Values is identity), and an exp and log that
pick math's for a float and the Value's method, a new node, for a Value. (``math.exp(value)``
would read the number and quietly cut the graph there.)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from autodiff.value import Value

INF = math.inf

# Where sigmoid's and tanh's derivatives switch from the output form (a multiply, from the rounded
# output) to the input form (an exp, from the input). The output form loses relative precision to
# cancellation in 1 − out, growing as e^|z|: 5 ulps at σ'(2), 2e-15 at tanh'(1), 2e-12 at tanh'(6).
# backward's fast path and the code templates below read these too, so every path switches at the same point.
SIGMOID_FROM_INPUT_ABOVE = 2.0
TANH_FROM_INPUT_BEYOND = 1.0

Scalar = Union[float, "Value"]  # noqa: UP007 - a string forward reference
_NUMBERS = (float, int)


# --- the math ``derivatives`` is written in: a float gives a float, a Value a new node ----------
# (Value's own module functions do the same, but value.py builds on this module, so they cannot
# be imported here.)


def _exp(x: Scalar) -> Scalar:
    return Exp.forward(x) if isinstance(x, _NUMBERS) else x.exp()


def _log(x: Scalar) -> Scalar:
    return Log.forward(x) if isinstance(x, _NUMBERS) else x.log()


class Op:
    """Base of the op table. ``name`` is what graphs and reprs show."""

    name = "?"
    # Code templates for autodiff.compile: forward and each local derivative once more, as Python
    # expressions over the methods' own parameter names (``out`` is the output). They must give the
    # very floats the methods give (tests/test_compile_templates.py holds them to it); autodiff.compile
    # turns them into straight-line Python and JavaScript. An op without them still compiles to Python,
    # by calls to its methods.
    forward_code: str | None = None
    derivatives_code: tuple[str, ...] | None = None
    # The same rules as a learner reads them, for pages (viz.studio's hover formulas): over the
    # operands {0}, {1}, … and the output {out}. A page names an op without them.
    forward_text: str | None = None
    derivatives_text: tuple[str, ...] | None = None

    @staticmethod
    def forward(*inputs: float) -> float:  # pragma: no cover - every op overrides it
        """The output's value from the inputs' values (plain floats in, a float out)."""
        raise NotImplementedError

    @staticmethod
    def derivatives(*inputs_and_out: float) -> tuple[float, ...]:  # pragma: no cover
        """The local derivatives ∂out/∂input, one per input in operand order, from the inputs and the output."""
        raise NotImplementedError


def defining_class(op: type[Op], *attributes: str) -> type[Op] | None:
    """The class that sets one of ``attributes`` for ``op``, if its forward and derivatives are ``op``'s too.

    Templates and texts belong to the class that wrote them: a subclass with its own forward or
    derivatives (a variant of Sigmoid, say) must not inherit code or a formula that no longer
    matches its math.

    Args:
        op: an op class.
        attributes: the class attributes asked for (``"forward_code"``, ``"forward_text"``…).

    Returns:
        The first class in ``op``'s MRO that sets one of them, or None when there is none or its
        forward or derivatives are not the ones ``op`` uses.
    """
    owner = next((c for c in op.__mro__ if any(a in c.__dict__ for a in attributes)), None)
    if owner is None or op.forward is not owner.forward or op.derivatives is not owner.derivatives:
        return None
    return owner


# --- arithmetic -------------------------------------------------------------------------------


class Add(Op):
    """Addition: out = a + b; ∂out/∂a = 1, ∂out/∂b = 1."""

    name = "+"
    forward_text = "{0} + {1}"
    derivatives_text = ("1", "1")
    forward_code = "a + b"
    derivatives_code = ("1.0", "1.0")

    @staticmethod
    def forward(a: float, b: float) -> float:
        """Return a + b."""
        return a + b

    @staticmethod
    def derivatives(a: float, b: float, out: float) -> tuple[float, float]:
        """Return (1, 1)."""
        # ∂(a + b)/∂a = 1, ∂(a + b)/∂b = 1
        return 1.0, 1.0


class Sub(Op):
    """Subtraction: out = a − b; ∂out/∂a = 1, ∂out/∂b = −1."""

    name = "-"
    forward_text = "{0} − {1}"
    derivatives_text = ("1", "−1")
    forward_code = "a - b"
    derivatives_code = ("1.0", "-1.0")

    @staticmethod
    def forward(a: float, b: float) -> float:
        """Return a − b."""
        return a - b

    @staticmethod
    def derivatives(a: float, b: float, out: float) -> tuple[float, float]:
        """Return (1, −1)."""
        # ∂(a − b)/∂a = 1, ∂(a − b)/∂b = −1
        return 1.0, -1.0


class Mul(Op):
    """Multiplication: out = a·b; ∂out/∂a = b, ∂out/∂b = a."""

    name = "*"
    forward_text = "{0} × {1}"
    derivatives_text = ("{1}", "{0}")
    forward_code = "a * b"
    derivatives_code = ("b", "a")

    @staticmethod
    def forward(a: float, b: float) -> float:
        """Return a·b."""
        return a * b

    @staticmethod
    def derivatives(a: float, b: float, out: float) -> tuple[float, float]:
        """Return (b, a)."""
        # ∂(a·b)/∂a = b, ∂(a·b)/∂b = a
        return b, a


class Div(Op):
    """Division: out = a / b; ∂out/∂a = 1/b, ∂out/∂b = −a/b² (= −out/b)."""

    name = "/"
    forward_text = "{0} / {1}"
    derivatives_text = ("1 / {1}", "−{out} / {1}")
    forward_code = "a / b"
    derivatives_code = ("1.0 / b", "-out / b")

    @staticmethod
    def forward(a: float, b: float) -> float:
        """Return a / b; raises ZeroDivisionError for b = 0."""
        if b == 0:
            raise ZeroDivisionError(f"division by zero: {a!r} / 0")
        return a / b

    @staticmethod
    def derivatives(a: float, b: float, out: float) -> tuple[float, float]:
        """Return (1/b, −out/b)."""
        # ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²
        return 1.0 / b, -out / b


class Neg(Op):
    """Negation: out = −a; ∂out/∂a = −1."""

    name = "neg"
    forward_text = "−{0}"
    derivatives_text = ("−1",)
    forward_code = "-a"
    derivatives_code = ("-1.0",)

    @staticmethod
    def forward(a: float) -> float:
        """Return −a."""
        return -a

    @staticmethod
    def derivatives(a: float, out: float) -> tuple[float]:
        """Return (−1,)."""
        # ∂(−a)/∂a = −1
        return (-1.0,)


def _power(base: float, exponent: float) -> float:
    """Return base ** exponent as a real number, inf on overflow, a clear error where it has no value."""
    if base == 0 and exponent < 0:
        raise ZeroDivisionError(f"** needs a non-zero base for a negative exponent, got 0 ** {exponent!r}")
    if base < 0 and math.isfinite(exponent) and exponent != int(exponent):  # nan/inf: IEEE pow below
        raise ValueError(
            f"** of a negative base needs a whole exponent, got {base!r} ** {exponent!r} (not a real number)"
        )
    try:
        return base**exponent
    except OverflowError:
        # |base| > 1 raised to a huge power: the real answer is ±inf.
        return -INF if base < 0 and int(exponent) % 2 else INF


class PowConst(Op):
    """Power by a constant: out = aᵏ with k a plain number; ∂out/∂a = k·aᵏ⁻¹, and no gradient flows into k."""

    name = "**"
    forward_text = "{0} ^ {1}"
    derivatives_text = ("{1} × {0} ^ ({1} − 1)", "{out} × log({0})")
    forward_code = "a * a if k == 2.0 else power(a, k)"
    # k * power(a, 1.0) is k * a exactly, written so for squares
    derivatives_code = (
        "0.0 if k == 0.0 else ((0.0 if k > 1.0 else (1.0 if k == 1.0 else inf)) if a == 0.0"
        " else (k * a if k == 2.0 else k * power(a, k - 1)))",
        "0.0",
    )

    @staticmethod
    def forward(a: float, k: float) -> float:
        """Return aᵏ (a·a for k = 2); raises where the power has no real value."""
        # Squares (every squared error) as a * a: one correctly rounded multiply, no pow call.
        return a * a if k == 2.0 else _power(a, k)

    @staticmethod
    def derivatives(a: float, k: float, out: float) -> tuple[float, float]:
        """Return (k·aᵏ⁻¹, 0): the constant k gets no gradient."""
        # ∂(aᵏ)/∂a = k·aᵏ⁻¹. Here k is a constant; Pow (a ** b) passes its exponent, which may be a
        # Value whose slope in k counts at the next order, so the shortcuts are for a number k.
        # (float() reads a Value's number, for == between Values compares identity.)
        number_k = isinstance(k, _NUMBERS)
        if float(k) == 0 and (number_k or float(a) == 0):
            return 0.0, 0.0  # a⁰ = 1 is flat in a
        if float(a) == 0:  # 0ᵏ⁻¹: 0 for k > 1, 0⁰ = 1 for k = 1, an infinite slope for k < 1
            if not k > 1:
                return (1.0 if float(k) == 1 else INF), 0.0
            if isinstance(a, _NUMBERS):
                return 0.0, 0.0  # +0.0 for a = −0.0 too; a Value keeps k·aᵏ⁻¹ for the next derivative
        if number_k and k == 2:
            return 2.0 * a, 0.0  # a square's slope, the same float as 2·a¹ (and no a**1 node in a graph)
        # aᵏ⁻¹: the real-number power for floats, a ** node for a Value (either one)
        return k * (_power(a, k - 1) if number_k and isinstance(a, _NUMBERS) else a ** (k - 1)), 0.0


class Pow(Op):
    """Power: out = aᵇ with both a Value; ∂out/∂a = b·aᵇ⁻¹, ∂out/∂b = aᵇ·ln a (for a > 0)."""

    name = "**"
    forward_text = "{0} ^ {1}"
    derivatives_text = ("{1} × {0} ^ ({1} − 1)", "{out} × log({0})")
    forward_code = "a * a if b == 2.0 else power(a, b)"
    derivatives_code = (
        "0.0 if b == 0.0 else ((0.0 if b > 1.0 else (1.0 if b == 1.0 else inf)) if a == 0.0"
        " else (b * a if b == 2.0 else b * power(a, b - 1)))",
        "out * log(a) if a > 0 else (0.0 if a == 0 and b > 0 else nan)",
    )

    @staticmethod
    def forward(a: float, b: float) -> float:
        """Return aᵇ, the same number as PowConst's."""
        return PowConst.forward(a, b)  # the same number as with a constant exponent

    @staticmethod
    def derivatives(a: float, b: float, out: float) -> tuple[float, float]:
        """Return (b·aᵇ⁻¹, aᵇ·ln a); the exponent's slope is 0 at a = 0 with b > 0, nan where a < 0 or b ≤ 0 = a."""
        # ∂(aᵇ)/∂a = b·aᵇ⁻¹, ∂(aᵇ)/∂b = aᵇ·ln a (only defined for a > 0)
        d_base = PowConst.derivatives(a, b, out)[0]
        if a > 0:
            d_exponent = out * _log(a)
        elif float(a) == 0 and b > 0:
            d_exponent = 0.0  # aᵇ is 0 on a whole neighbourhood of b
        else:
            d_exponent = math.nan  # aᵇ is not real-differentiable in b here
        return d_base, d_exponent


# --- functions ---------------------------------------------------------------------------------


class Exp(Op):
    """Exponential: out = eᵃ; ∂out/∂a = eᵃ (= out)."""

    name = "exp"
    forward_text = "exp({0})"
    derivatives_text = ("{out}",)
    forward_code = "inf if a > 709.782712893384 else exp(a)"  # the largest a with a finite eᵃ
    derivatives_code = ("out",)

    @staticmethod
    def forward(a: float) -> float:
        """Return eᵃ, inf where it overflows."""
        try:
            return math.exp(a)
        except OverflowError:
            return INF

    @staticmethod
    def derivatives(a: float, out: float) -> tuple[float]:
        """Return (out,)."""
        # ∂eᵃ/∂a = eᵃ
        return (out,)


class Log(Op):
    """Natural logarithm: out = ln a (a > 0); ∂out/∂a = 1/a."""

    name = "log"
    forward_text = "log({0})"
    derivatives_text = ("1 / {0}",)
    forward_code = "log(a)"
    derivatives_code = ("1.0 / a",)

    @staticmethod
    def forward(a: float) -> float:
        """Return ln a; nan for nan, ValueError for a ≤ 0."""
        if a > 0:
            return math.log(a)
        if a != a:  # nan in, nan out
            return math.nan
        raise ValueError(f"log needs a positive value, got {a!r}")

    @staticmethod
    def derivatives(a: float, out: float) -> tuple[float]:
        """Return (1/a,)."""
        # ∂ln a/∂a = 1/a
        return (1.0 / a,)


class Tanh(Op):
    """Hyperbolic tangent: out = tanh a; ∂out/∂a = 1 − tanh²a."""

    name = "tanh"
    forward_text = "tanh({0})"
    derivatives_text = ("1 − {out}²",)
    forward_code = "tanh(a)"
    derivatives_code = (
        f"4.0 * (e := exp(-2.0 * abs(a))) / ((d := 1.0 + e) * d)"
        f" if a > {TANH_FROM_INPUT_BEYOND!r} or a < {-TANH_FROM_INPUT_BEYOND!r} else 1.0 - out * out",
    )

    @staticmethod
    def forward(a: float) -> float:
        """Return tanh a."""
        return math.tanh(a)

    @staticmethod
    def derivatives(a: float, out: float) -> tuple[float]:
        """Return (1 − out²,), computed from a where |a| > 1 (accurate there)."""
        # ∂tanh a/∂a = 1 − tanh²a. Far from 0, out is within a few ulps of ±1 and 1 − out² keeps
        # only those few bits (tanh'(20) would be 0, not 1.7e-17), so there it is computed from a:
        # 1 − tanh²a = 4e/(1 + e)² with e = e^−2|a|, accurate to a few ulps for any a.
        if a > TANH_FROM_INPUT_BEYOND:
            e = _exp(-2.0 * a)
        elif a < -TANH_FROM_INPUT_BEYOND:
            e = _exp(2.0 * a)
        else:
            return (1.0 - out * out,)
        d = 1.0 + e
        return (4.0 * e / (d * d),)


class Sigmoid(Op):
    """Sigmoid: p = 1 / (1 + e^-z); ∂p/∂z = p(1 − p)."""

    name = "sigmoid"
    forward_text = "1 / (1 + exp(−{0}))"
    derivatives_text = ("{out} × (1 − {out})",)
    forward_code = "1.0 / (1.0 + exp(-z)) if z >= 0 else (e := exp(z)) / (1.0 + e)"
    derivatives_code = (
        f"(e := exp(-z)) / ((d := 1.0 + e) * d) if z > {SIGMOID_FROM_INPUT_ABOVE!r} else out * (1.0 - out)",
    )

    @staticmethod
    def forward(z: float) -> float:
        """Return σ(z), in the form whose exp cannot overflow."""
        # Two forms so exp never overflows: for z ≥ 0, e^−z ≤ 1; for z < 0, e^z < 1.
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    @staticmethod
    def derivatives(z: float, out: float) -> tuple[float]:
        """Return (out·(1 − out),), computed from z where z > 2 (accurate there)."""
        # ∂σ(z)/∂z = σ(z)·(1 − σ(z)). For large z, out is within a few ulps of 1 and 1 − out keeps
        # only those bits (σ'(36) would be 4% off), so there it is computed from z:
        # σ(z)·(1 − σ(z)) = e/(1 + e)² with e = e^−z. (For z < 0, out is small and exact enough.)
        if z > SIGMOID_FROM_INPUT_ABOVE:
            e = _exp(-z)
            d = 1.0 + e
            return (e / (d * d),)
        return (out * (1.0 - out),)


class Relu(Op):
    """Rectifier: out = max(0, a); ∂out/∂a = 1 where a > 0, else 0 (nan passes through)."""

    name = "relu"
    forward_text = "max(0, {0})"
    derivatives_text = ("1 if {0} > 0, else 0",)
    forward_code = "a if a > 0 or a != a else 0.0"
    derivatives_code = ("1.0 if a > 0 else (0.0 if a <= 0 else nan)",)

    @staticmethod
    def forward(a: float) -> float:
        """Return max(0, a); nan stays nan."""
        # nan passes through (as in PyTorch): a diverged value must not turn into a tidy 0.
        return a if a > 0 or a != a else 0.0

    @staticmethod
    def derivatives(a: float, out: float) -> tuple[float]:
        """Return (1,) where a > 0, (0,) where a ≤ 0, (nan,) for nan."""
        # ∂relu(a)/∂a = 1 where a > 0, else 0 (0 at the kink, as PyTorch does); nan at nan
        return (1.0 if a > 0 else (0.0 if a <= 0 else math.nan),)


# --- n-ary ops: one node for a whole sum, so big models stay small graphs ----------------------


class Sum(Op):
    """An n-ary sum: out = t₁ + … + tₙ, correctly rounded (math.fsum); ∂out/∂tⱼ = 1."""

    name = "sum"

    @staticmethod
    def forward(*terms: float) -> float:
        """Return the correctly rounded sum (math.fsum), scaled where a partial sum overflows; nan for inf − inf."""
        try:
            return math.fsum(terms)
        except OverflowError:  # a partial sum beyond double range: add the terms scaled down, exactly
            scale = 2.0 ** (len(terms) - 1).bit_length()
            return math.fsum([t / scale for t in terms]) * scale
        except ValueError:  # inf + (−inf): no value, as with +
            return math.nan

    @staticmethod
    def derivatives(*terms_and_out: float) -> tuple[float, ...]:
        """Return 1 for each term."""
        # ∂(Σ tᵢ)/∂tⱼ = 1
        return (1.0,) * (len(terms_and_out) - 1)

    @staticmethod
    def code_for(n: int) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
        """(parameter names, forward_code, derivatives_code) for a sum of n terms (fsum is this forward)."""
        terms = tuple(f"t{i}" for i in range(n))
        return terms, f"fsum({', '.join(terms)})", ("1.0",) * n


class Linear(Op):
    """A neuron's raw output: raw = w1*x1 + … + wn*xn + b; ∂raw/∂wᵢ = xᵢ, ∂raw/∂xᵢ = wᵢ, ∂raw/∂b = 1.

    Its operands are (w1…wn, x1…xn, b).
    """

    name = "linear"

    @staticmethod
    def forward(*weights_inputs_bias: float) -> float:
        """Return b + Σ wᵢ·xᵢ, added left to right."""
        n = (len(weights_inputs_bias) - 1) // 2
        weights, inputs = weights_inputs_bias[:n], weights_inputs_bias[n : 2 * n]
        raw = weights_inputs_bias[-1]
        for weight, x in zip(weights, inputs):
            raw += weight * x
        return raw

    @staticmethod
    def derivatives(*weights_inputs_bias_out: float) -> tuple[float, ...]:
        """Return (x₁…xₙ, w₁…wₙ, 1): ∂raw/∂wᵢ = xᵢ, ∂raw/∂xᵢ = wᵢ, ∂raw/∂b = 1."""
        # ∂raw/∂wᵢ = xᵢ, ∂raw/∂xᵢ = wᵢ, ∂raw/∂b = 1
        n = (len(weights_inputs_bias_out) - 2) // 2
        weights = weights_inputs_bias_out[:n]
        inputs = weights_inputs_bias_out[n : 2 * n]
        return (*inputs, *weights, 1.0)

    @staticmethod
    def code_for(n: int) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
        """(parameter names, forward_code, derivatives_code) for n operands: n // 2 weights and inputs, a bias."""
        k = (n - 1) // 2
        weights, inputs = [f"w{i}" for i in range(k)], [f"x{i}" for i in range(k)]
        forward = " + ".join(["b", *[f"{w} * {x}" for w, x in zip(weights, inputs)]])
        return (*weights, *inputs, "b"), forward, (*inputs, *weights, "1.0")


UNARY = {"exp": Exp, "log": Log, "tanh": Tanh, "sigmoid": Sigmoid, "relu": Relu}


TEMPLATE_NAMES = {
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "fsum": Sum.forward,  # math.fsum with the table's overflow and inf − inf handling
    "power": _power,
    "inf": math.inf,
    "nan": math.nan,
}
"""What ``forward_code`` and ``derivatives_code`` templates may call, besides operators and ``abs``."""
