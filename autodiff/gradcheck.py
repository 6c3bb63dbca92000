"""Gradient checking: backward's gradients against central differences, as torch.autograd.gradcheck.

For each input x_i, backprop gives ∂f/∂x_i; the central difference
``(f(…, x_i + eps, …) − f(…, x_i − eps, …)) / (2·eps)`` estimates the same number from the
forward pass alone. They agree when ``|backward − numeric| ≤ tol + rtol·|numeric|`` (PyTorch's
allclose rule with ``tol`` as its ``atol``). Each evaluation gets fresh leaves, so the caller's
Values (and their ``grad``) are never touched.

``gradgradcheck`` does the same one order up, as torch.autograd.gradgradcheck: the second
derivatives from ``grad(..., create_graph=True)`` against central differences of backward's
first derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autodiff.grad import hessian
from autodiff.value import Value, _check_number

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "numerical_gradient"]


class GradcheckError(RuntimeError):
    """Backward and central differences disagree for one input (PyTorch raises the same name).

    From ``gradgradcheck``, ``index`` is the pair (i, j) of ∂²f/∂x_i∂x_j and ``label`` names both.

    Attributes:
        index: The input's position (a pair (i, j) from ``gradgradcheck``).
        label: The input's label, or both labels.
        analytic: The derivative backward (or grad of grad) gave.
        numeric: The central differences' estimate.
    """

    def __init__(self, message: str, index: int | tuple[int, int], label: str, analytic: float, numeric: float) -> None:
        super().__init__(message)
        self.index = index
        self.label = label
        self.analytic = analytic
        self.numeric = numeric


def _leaves(points: Sequence[float], labels: Sequence[str]) -> list[Value]:
    return [Value(x, label=label) for x, label in zip(points, labels)]


def numerical_gradient(f: Callable[..., Value], inputs: Sequence[Value | float], eps: float = 1e-6) -> list[float]:
    """∂f/∂x_i for each input by central differences: the forward pass only, no backward.

    Args:
        f: Takes one Value per input, positionally, and returns a Value.
        inputs: The point: Values or numbers.
        eps: The step, a positive number: (f(x + eps) − f(x − eps)) / (2·eps).

    Returns:
        One estimate per input.

    Raises:
        ValueError: ``eps`` is not a positive finite number.
    """
    points, labels = _points_and_labels(inputs)
    return _central_differences(f, points, labels, _positive(eps, "eps"))


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    eps: float = 1e-6,
    tol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when backward's ∂f/∂x_i matches central differences for every input.

    ``f`` takes one Value per input (positionally) and returns a Value. On the first input whose
    gradients disagree it raises ``GradcheckError`` naming that input (label or index) and both
    numbers, or returns False when ``raise_exception=False``, as torch.autograd.gradcheck does.
    A nan on either side counts as a disagreement.

    Args:
        f: Takes one Value per input, positionally, and returns a Value.
        inputs: The point to check at: Values (their labels name them in messages) or numbers.
        eps: The central differences' step, a positive number.
        tol: The absolute part of the allowed difference.
        rtol: The relative part: backward and numeric agree when
            |backward − numeric| ≤ tol + rtol·|numeric|.
        raise_exception: Raise on a disagreement (the default), or return False.

    Returns:
        True when every input agrees; False on the first that does not, if ``raise_exception`` is False.

    Raises:
        GradcheckError: An input's gradients disagree (with ``raise_exception``), naming it and both numbers.
        ValueError: ``eps``, ``tol`` or ``rtol`` is not a valid number.
    """
    points, labels = _points_and_labels(inputs)
    eps, tol, rtol = _settings(eps, tol, rtol)
    analytic = _backward_gradient(f, points, labels)
    numeric = _central_differences(f, points, labels, eps)

    for i, (a, n) in enumerate(zip(analytic, numeric)):
        if _agree(a, n, tol, rtol):
            continue
        name = f"input {i} ({labels[i]!r})" if labels[i] != f"x{i}" else f"input {i}"
        message = (
            f"gradcheck: {name} at {points[i]!r} has backward gradient {a!r} but central differences "
            f"give {n!r} (eps={eps!r}; allowed difference {tol!r} + {rtol!r}·|numeric|)"
        )
        if raise_exception:
            raise GradcheckError(message, i, labels[i], a, n)
        return False
    return True


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    eps: float = 1e-6,
    tol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when every second derivative ∂²f/∂x_i∂x_j matches central differences of first ones.

    The analytic side is ``autodiff.hessian`` (the first derivatives built as Values with
    ``create_graph=True``, then differentiated again); the numeric side is
    ``(∂f/∂x_i at x + eps·e_j − ∂f/∂x_i at x − eps·e_j) / (2·eps)`` with ∂f/∂x_i from backward().
    The first pair (i, j) that disagrees raises ``GradcheckError`` with both numbers, or returns
    False when ``raise_exception=False``; a nan on either side counts as a disagreement.

    Args:
        f: Takes one Value per input, positionally, and returns a Value.
        inputs: The point to check at: Values (their labels name them in messages) or numbers.
        eps: The central differences' step, a positive number.
        tol: The absolute part of the allowed difference.
        rtol: The relative part: backward and numeric agree when
            |backward − numeric| ≤ tol + rtol·|numeric|.
        raise_exception: Raise on a disagreement (the default), or return False.

    Returns:
        True when every pair agrees; False on the first that does not, if ``raise_exception`` is False.

    Raises:
        GradcheckError: A pair's second derivatives disagree (with ``raise_exception``), naming both
            inputs and both numbers.
        ValueError: ``eps``, ``tol`` or ``rtol`` is not a valid number.
    """
    points, labels = _points_and_labels(inputs)
    eps, tol, rtol = _settings(eps, tol, rtol)
    leaves, out = _evaluate(f, points, labels, "gradgradcheck")
    analytic = hessian(out, leaves)
    for j in range(len(points)):
        up, down = list(points), list(points)
        up[j] += eps
        down[j] -= eps
        above, below = _backward_gradient(f, up, labels), _backward_gradient(f, down, labels)
        for i in range(len(points)):
            a, n = analytic[i][j], (above[i] - below[i]) / (2.0 * eps)
            if _agree(a, n, tol, rtol):
                continue
            message = (
                f"gradgradcheck: ∂²f/∂{labels[i]}∂{labels[j]} at {_at(points, labels)} is {a!r} by grad of grad, but "
                f"central differences of backward's ∂f/∂{labels[i]} give {n!r} (eps={eps!r}; allowed difference "
                f"{tol!r} + {rtol!r}·|numeric|)"
            )
            if raise_exception:
                raise GradcheckError(message, (i, j), f"{labels[i]}, {labels[j]}", a, n)
            return False
    return True


def _evaluate(
    f: Callable[..., Value], points: Sequence[float], labels: Sequence[str], who: str = "gradcheck"
) -> tuple[list[Value], Value]:
    """Fresh leaves at ``points`` and ``f`` of them, refusing an ``f`` that does not return a Value."""
    leaves = _leaves(points, labels)
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{who} needs f to return a Value, got {type(out).__name__} {out!r}")
    return leaves, out


def _backward_gradient(f: Callable[..., Value], points: Sequence[float], labels: Sequence[str]) -> list[float]:
    leaves, out = _evaluate(f, points, labels)
    out.backward()
    return [leaf.grad for leaf in leaves]


def _settings(eps: float, tol: float, rtol: float) -> tuple[float, float, float]:
    return _positive(eps, "eps"), _non_negative(tol, "tol"), _non_negative(rtol, "rtol")


def _agree(analytic: float, numeric: float, tol: float, rtol: float) -> bool:
    # analytic == numeric first: equal infinities agree; a nan on either side never does
    return analytic == numeric or abs(analytic - numeric) <= tol + rtol * abs(numeric)


def _at(points: Sequence[float], labels: Sequence[str]) -> str:
    return "(" + ", ".join(f"{label}={x!r}" for label, x in zip(labels, points)) + ")"


def _central_differences(
    f: Callable[..., Value], points: Sequence[float], labels: Sequence[str], eps: float
) -> list[float]:
    grads = []
    for i in range(len(points)):
        up, down = list(points), list(points)
        up[i] += eps
        down[i] -= eps
        grads.append((_evaluate(f, up, labels)[1].data - _evaluate(f, down, labels)[1].data) / (2.0 * eps))
    return grads


def _points_and_labels(inputs: Sequence[Value | float]) -> tuple[list[float], list[str]]:
    if isinstance(inputs, (Value, int, float)):
        inputs = [inputs]
    if not isinstance(inputs, Sequence) or isinstance(inputs, str):
        raise TypeError(f"gradcheck needs a list of Values or numbers, got {type(inputs).__name__} {inputs!r}")
    if not inputs:
        raise ValueError("gradcheck needs at least one input, got an empty list")
    points, labels = [], []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            points.append(x.data)
            labels.append(x.label or f"x{i}")
        else:
            points.append(_check_number(x, f"gradcheck input {i}"))
            labels.append(f"x{i}")
        if not math.isfinite(points[-1]):
            raise ValueError(f"gradcheck needs finite inputs, got input {i} = {points[-1]!r}")
    return points, labels


def _positive(x: float, what: str) -> float:
    x = _check_number(x, f"gradcheck {what}")
    if not (x > 0 and math.isfinite(x)):
        raise ValueError(f"gradcheck {what} must be a positive finite number, got {x!r}")
    return x


def _non_negative(x: float, what: str) -> float:
    x = _check_number(x, f"gradcheck {what}")
    if not (x >= 0 and math.isfinite(x)):
        raise ValueError(f"gradcheck {what} must be a finite number ≥ 0, got {x!r}")
    return x
