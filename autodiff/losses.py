"""Loss functions: how wrong a prediction is, as a Value to backpropagate from.

Each takes a Value (and gives a Value) or a plain number (and gives a float), so the same function
is both the training objective and a metric to print. A target is a plain number or a leaf Value
(``Value(1.0, label="passed")``), so a drawn graph can name the column it came from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autodiff.ops import Op, PowConst
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
    """The tutorial's loss: (actual − prediction)²."""
    y = _target(target)
    if isinstance(prediction, Value):
        return (y - prediction) ** 2
    y = _target_number(y)
    # The op's own forward, so a plain number gives exactly what a Value would (inf past double range).
    return PowConst.forward(y - _check_number(prediction, "prediction"), 2.0)


def mse(predictions: Sequence[Operand], targets: Sequence[Operand]) -> Value | float:
    """Mean squared error over several predictions."""
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


def _clamped_log(x: float) -> float:
    if x != x:  # nan in, nan out: a diverged probability must not look like a finite loss
        return x
    return max(math.log(x), LOG_FLOOR) if x > 0 else LOG_FLOOR


class BinaryCrossEntropy(Op):
    """−[y·ln p + (1 − y)·ln(1 − p)] for a probability p and a 0/1 target y."""

    name = "bce"
    forward_code = "-(y * clamped_log(p) + (1.0 - y) * clamped_log(1.0 - p)) + 0.0"
    derivatives_code = (f"(p - y) / max(p * (1.0 - p), {EPS!r})", "clamped_log(1.0 - p) - clamped_log(p)")

    @staticmethod
    def forward(p: float, y: float) -> float:
        # + 0.0 turns −0.0 (a perfect prediction) into 0.0, the number a learner expects to see.
        return -(y * _clamped_log(p) + (1.0 - y) * _clamped_log(1.0 - p)) + 0.0

    @staticmethod
    def derivatives(p: float, y: float, out: float) -> tuple[float, float]:
        # ∂/∂p = (p − y) / (p(1 − p)); through a sigmoid, × p(1 − p) leaves the tutorial's (p − y).
        # ∂/∂y = ln(1 − p) − ln p
        return (p - y) / max(p * (1.0 - p), EPS), _clamped_log(1.0 - p) - _clamped_log(p)


class BinaryCrossEntropyWithLogits(Op):
    """Binary cross-entropy of sigmoid(z) computed from the raw score z, stable for any z."""

    name = "bce_logits"
    forward_code = (
        "((z * (1.0 - y) if y != 1.0 else 0.0) if z >= 0 else (-z * y if y != 0.0 else 0.0)) + log1p(exp(-abs(z)))"
    )
    derivatives_code = ("(1.0 / (1.0 + exp(-z)) if z >= 0 else (e := exp(z)) / (1.0 + e)) - y", "-z")

    @staticmethod
    def forward(z: float, y: float) -> float:
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
        # ∂/∂z = sigmoid(z) − y, ∂/∂y = −z
        if z >= 0:
            p = 1.0 / (1.0 + math.exp(-z))
        else:
            e = math.exp(z)
            p = e / (1.0 + e)
        return p - y, -z


def _apply(op: type[Op], x: Operand, target: Operand, what: str) -> Value | float:
    y = _target(target)
    if isinstance(x, Value):
        parents = (x, _as_value(y))
        return _node(op, parents, op.forward(x.data, parents[1].data))
    return op.forward(_check_number(x, what), _target_number(y))


def binary_cross_entropy(probability: Operand, target: Operand) -> Value | float:
    """−[y·ln p + (1 − y)·ln(1 − p)]; finite even at p = 0 or 1 (each log floored at −100)."""
    p = probability.data if isinstance(probability, Value) else _check_number(probability, "probability")
    if not 0.0 <= p <= 1.0 and p == p:
        raise ValueError(f"binary_cross_entropy needs a probability in [0, 1], got {p!r}")
    return _apply(BinaryCrossEntropy, probability, target, "probability")


def binary_cross_entropy_with_logits(raw: Operand, target: Operand) -> Value | float:
    """Binary cross-entropy of sigmoid(raw), computed from the raw score for stability."""
    return _apply(BinaryCrossEntropyWithLogits, raw, target, "raw")


LOSSES = {
    "squared_error": squared_error,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
}
