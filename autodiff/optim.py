"""Optimizers: turn gradients into parameter updates, named and behaving as in PyTorch."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autodiff.backward import zero_grad
from autodiff.value import Value


def _positive(x: float, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not x > 0 or math.isinf(x):
        raise ValueError(f"{what} must be a positive finite number, got {x!r}")
    return float(x)


class Optimizer:
    """Holds the parameters; ``zero_grad()`` then ``loss.backward()`` then ``step()``.

    Args:
        params: The Values to update, usually ``model.parameters()``.

    Raises:
        TypeError: ``params`` is not a list of Values (a model instead of its parameters, say).
        ValueError: ``params`` is empty.
    """

    def __init__(self, params: Iterable[Value]) -> None:
        if isinstance(params, Value) or not isinstance(params, Iterable):
            hint = "; pass model.parameters()" if hasattr(params, "parameters") else ""
            raise TypeError(f"an optimizer needs a list of parameter Values, got {type(params).__name__}{hint}")
        self.params = list(params)
        if not self.params:
            raise ValueError("an optimizer needs at least one parameter, got none")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"an optimizer's parameters must be Values, got {type(p).__name__} {p!r}")
        if len({id(p) for p in self.params}) < len(self.params):  # a repeat would be updated twice per step
            twice = next(p for i, p in enumerate(self.params) if any(p is q for q in self.params[:i]))
            raise ValueError(f"an optimizer's parameters must each appear once, got {twice!r} more than once")

    def zero_grad(self) -> None:
        """Reset every parameter's grad to 0 (backward accumulates into it)."""
        zero_grad(self.params)

    def step(self) -> None:  # pragma: no cover - every optimizer overrides it
        """Update every parameter from its ``.grad``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent: ``weight −= learning_rate × grad`` (with optional momentum, PyTorch's form).

    Args:
        params: The Values to update, usually ``model.parameters()``.
        lr: The learning rate, a positive finite number.
        momentum: In [0, 1); 0 is the tutorial's plain update.

    Raises:
        ValueError: ``lr`` is not a positive finite number, or ``momentum`` is outside [0, 1).
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _positive(lr, "SGD learning rate lr")
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        """Move each parameter against its gradient: ``p −= lr × grad`` (or the momentum velocity)."""
        lr = self.lr
        if not self.momentum:  # decided once per step, not once per parameter: step runs per row
            for p in self.params:
                p.data -= lr * p.grad
            return
        momentum, velocity = self.momentum, self.velocity
        for i, p in enumerate(self.params):
            # PyTorch: v ← momentum·v + grad (v starts as the first grad), then p ← p − lr·v
            previous = velocity[i]
            update = p.grad if previous is None else momentum * previous + p.grad
            velocity[i] = update
            p.data -= lr * update


class Adam(Optimizer):
    """Adam (Kingma & Ba), as ``torch.optim.Adam`` computes it.

    Args:
        params: The Values to update, usually ``model.parameters()``.
        lr: The learning rate, a positive finite number.
        betas: The decay rates of the running means of the gradient and of its square, each in [0, 1).
        eps: Added to the denominator, a positive finite number.

    Raises:
        ValueError: ``lr`` or ``eps`` is not a positive finite number, or a beta is outside [0, 1).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params)
        self.lr = _positive(lr, "Adam learning rate lr")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam betas must be a pair (beta1, beta2) such as (0.9, 0.999), got {betas!r}")
        beta1, beta2 = betas
        for name, beta in (("betas[0]", beta1), ("betas[1]", beta2)):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam {name} must be in [0, 1), got {beta!r}")
        self.betas = (float(beta1), float(beta2))
        self.eps = _positive(eps, "Adam eps")
        self.t = 0
        self.m = [0.0] * len(self.params)  # running mean of gradients
        self.v = [0.0] * len(self.params)  # running mean of squared gradients

    def step(self) -> None:
        """Update each parameter from its bias-corrected running means of grad and grad²."""
        beta1, beta2 = self.betas
        self.t += 1
        correction1 = 1.0 - beta1**self.t
        correction2 = 1.0 - beta2**self.t
        for i, p in enumerate(self.params):
            g = p.grad
            self.m[i] = beta1 * self.m[i] + (1.0 - beta1) * g
            self.v[i] = beta2 * self.v[i] + (1.0 - beta2) * g * g
            m_hat = self.m[i] / correction1
            v_hat = self.v[i] / correction2
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)
