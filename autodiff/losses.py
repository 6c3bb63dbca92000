"""Loss functions: how wrong a prediction is, as a Value to backpropagate from.

Each takes a Value (and gives a Value) or a plain number (and gives a float), so the same function
is both the training objective and a metric to print. A target is a plain number or a leaf Value
(``Value(1.0, label="passed")``), so a drawn graph can name the column it came from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autodiff.ops import _NUMBERS, Op, PowConst, Scalar, Sigmoid
from autodiff.value import Operand, Value, _as_value, _check_number, _node, total

# PyTorch's BCELoss clamps each log at -100 so p = 0 or 1 gives a large finite loss, not inf.
LOG_FLOOR = -100.0
# …and keeps the gradient's denominator p(1 − p) away from zero.
EPS = 1e-12


def _target(target: Operand) -> float | Value:
    """The target as given: a leaf Value stays itself (a labelled column), anything else a float."""
    if isinstance(target, Value):
        if not target.is_leaf:
            raise ValueError(f"a loss's target must be a number or a leaf Value, got the computed {target!r}")
        return target
    return _check_number(target, "target")


def _target_number(target: float | Value) -> float:
    return target.data if isinstance(target, Value) else target


def squared_error(prediction: Operand, target: Operand) -> Value | float:
    """The tutorial's loss: (actual − prediction)².

    Args:
        prediction: The model's output, a Value (to backpropagate from) or a number.
        target: The actual value, a number or a leaf Value (``Value(1.0, label="passed")``).

    Returns:
        A Value when ``prediction`` is one, else a float: ``squared_error(0.7, 1.0)`` is 0.09.

    Raises:
        TypeError: ``prediction`` or ``target`` is not a number or a Value.
        ValueError: ``target`` is a computed Value rather than a leaf.
    """
    y = _target(target)
    if isinstance(prediction, Value):
        return (y - prediction) ** 2
    y = _target_number(y)
    # The op's own forward, so a plain number gives exactly what a Value would (inf past double range).
    return PowConst.forward(y - _check_number(prediction, "prediction"), 2.0)


def mse(predictions: Sequence[Operand], targets: Sequence[Operand]) -> Value | float:
    """Mean squared error over several predictions.

    Args:
        predictions: The model's outputs, Values or numbers.
        targets: The actual values, one per prediction.

    Returns:
        The mean of ``squared_error`` over the pairs: a Value if any prediction is one, else a float.

    Raises:
        ValueError: The two lists differ in length, or are empty.
    """
    if len(predictions) != len(targets) or not predictions:
        raise ValueError(
            f"mse needs as many targets as predictions (at least one), got {len(predictions)} and {len(targets)}"
        )
    errors = [squared_error(p, t) for p, t in zip(predictions, targets)]
    if all(not isinstance(e, Value) for e in errors):
        return math.fsum(errors) / len(errors)  # type: ignore[arg-type]
    return total(errors) / len(errors)


# _clamped_log below as a template for autodiff.compile (held to it by tests/test_compile_templates.py).
CLAMPED_LOG_CODE = f"x if x != x else (max(log(x), {LOG_FLOOR!r}) if x > 0 else {LOG_FLOOR!r})"


def _clamped_log(x: Scalar) -> Scalar:
    """Ln x floored at LOG_FLOOR, for a float or (in a derivative's graph) a Value; nan stays nan."""
    if x > 0:
        # The dispatch written inline, not a call: this runs twice per row of training.
        # A Value below the floor gives the float LOG_FLOOR: a constant, whose slope is 0.
        return max(math.log(x) if isinstance(x, _NUMBERS) else x.log(), LOG_FLOOR)
    # nan in, nan out: a diverged probability must not look like a finite loss
    return x if math.isnan(x) else LOG_FLOOR


class BinaryCrossEntropy(Op):
    """−[y·ln p + (1 − y)·ln(1 − p)] for a probability p and a 0/1 target y."""

    name = "bce"
    forward_text = "−[{1}·log({0}) + (1 − {1})·log(1 − {0})]"
    derivatives_text = ("({0} − {1}) / ({0} × (1 − {0}))", "log(1 − {0}) − log({0})")
    forward_code = "-(y * clamped_log(p) + (1.0 - y) * clamped_log(1.0 - p)) + 0.0"
    derivatives_code = (f"(p - y) / max(p * (1.0 - p), {EPS!r})", "clamped_log(1.0 - p) - clamped_log(p)")

    @staticmethod
    def forward(p: float, y: float) -> float:
        """The loss at probability ``p`` and target ``y``, each log floored at −100."""
        # + 0.0 turns −0.0 (a perfect prediction) into 0.0, the number a learner expects to see.
        return -(y * _clamped_log(p) + (1.0 - y) * _clamped_log(1.0 - p)) + 0.0

    @staticmethod
    def derivatives(p: float, y: float, out: float) -> tuple[float, float]:
        """∂loss/∂p, with p(1 − p) kept at least 1e-12, and ∂loss/∂y."""
        # ∂/∂p = (p − y) / (p(1 − p)); through a sigmoid, × p(1 − p) leaves the tutorial's (p − y).
        # ∂/∂y = ln(1 − p) − ln p
        return (p - y) / max(p * (1.0 - p), EPS), _clamped_log(1.0 - p) - _clamped_log(p)


class BinaryCrossEntropyWithLogits(Op):
    """Binary cross-entropy of sigmoid(z) computed from the raw score z, stable for any z."""

    name = "bce_logits"
    forward_text = "log(1 + exp({0})) − {1}·{0}"
    derivatives_text = ("sigmoid({0}) − {1}", "−{0}")
    forward_code = (
        "((z * (1.0 - y) if y != 1.0 else 0.0) if z >= 0 else (-z * y if y != 0.0 else 0.0)) + log1p(exp(-abs(z)))"
    )
    derivatives_code = ("(1.0 / (1.0 + exp(-z)) if z >= 0 else (e := exp(z)) / (1.0 + e)) - y", "-z")

    @staticmethod
    def forward(z: float, y: float) -> float:
        """The loss at raw score ``z`` and target ``y``, exact for any z (no exponential overflows)."""
        # max(z, 0) − z·y + ln(1 + e^−|z|), never exponentiating a positive number. The first two
        # terms are written as z(1 − y) or −z·y so z = ±inf with a target that zeroes them gives the
        # limit 0 instead of inf − inf or inf·0.
        if z >= 0:
            linear_part = z * (1.0 - y) if y != 1.0 else 0.0
        else:
            linear_part = -z * y if y != 0.0 else 0.0
        return linear_part + math.log1p(math.exp(-abs(z)))

    @staticmethod
    def derivatives(z: float, y: float, out: float) -> tuple[float, float]:
        """∂loss/∂z = sigmoid(z) − y (the tutorial's error), and ∂loss/∂y = −z."""
        # ∂/∂z = sigmoid(z) − y, ∂/∂y = −z
        return (Sigmoid.forward(z) if isinstance(z, _NUMBERS) else z.sigmoid()) - y, -z


def _apply(op: type[Op], x: Operand, target: Operand, what: str) -> Value | float:
    y = _target(target)
    if isinstance(x, Value):
        parents = (x, _as_value(y))
        return _node(op, parents, op.forward(x.data, parents[1].data))
    return op.forward(_check_number(x, what), _target_number(y))


def binary_cross_entropy(probability: Operand, target: Operand) -> Value | float:
    """Binary cross-entropy −[y·ln p + (1 − y)·ln(1 − p)]: the loss whose gradient is the tutorial's rule.

    Finite even at p = 0 or 1: each log is floored at −100 and the gradient's p(1 − p) at 1e-12, as
    PyTorch's ``BCELoss`` does. Past a raw score of about ±28 that clamp makes the gradient too
    small; ``binary_cross_entropy_with_logits`` is exact there.

    Args:
        probability: The predicted probability p in [0, 1], a Value or a number.
        target: The label y, 0 or 1: a number or a leaf Value.

    Returns:
        A Value when ``probability`` is one, else a float.

    Raises:
        ValueError: ``probability`` is outside [0, 1], or ``target`` is a computed Value.
        TypeError: An argument is not a number or a Value.
    """
    p = probability.data if isinstance(probability, Value) else _check_number(probability, "probability")
    if not 0.0 <= p <= 1.0 and p == p:
        raise ValueError(f"binary_cross_entropy needs a probability in [0, 1], got {p!r}")
    return _apply(BinaryCrossEntropy, probability, target, "probability")


def binary_cross_entropy_with_logits(raw: Operand, target: Operand) -> Value | float:
    """Binary cross-entropy of sigmoid(raw), computed from the raw score: exact at any raw score.

    Its gradient with respect to ``raw`` is sigmoid(raw) − target, the tutorial's error, with no clamp.

    Args:
        raw: The raw score z (before the sigmoid), a Value or a number.
        target: The label y, 0 or 1: a number or a leaf Value.

    Returns:
        A Value when ``raw`` is one, else a float.

    Raises:
        ValueError: ``target`` is a computed Value.
        TypeError: An argument is not a number or a Value.
    """
    return _apply(BinaryCrossEntropyWithLogits, raw, target, "raw")


LOSSES = {
    "squared_error": squared_error,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
}
