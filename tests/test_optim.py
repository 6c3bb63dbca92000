"""SGD (with and without momentum) and Adam against PyTorch's update equations, written out here."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value, optim
from autodiff.nn import Neuron

GRADS = st.lists(
    st.lists(st.floats(-10, 10, allow_nan=False), min_size=2, max_size=2),
    min_size=1,
    max_size=12,
)


def run(optimizer_class, grads: list[list[float]], start=(0.5, -1.5), **kwargs) -> list[list[float]]:
    """Parameters after each step, with each step's gradients set by hand."""
    params = [Value(x, label=f"p{i}") for i, x in enumerate(start)]
    optimizer = optimizer_class(params, **kwargs)
    trajectory = []
    for step_grads in grads:
        optimizer.zero_grad()
        for p, g in zip(params, step_grads):
            p.grad = g
        optimizer.step()
        trajectory.append([p.data for p in params])
    return trajectory


@given(grads=GRADS, lr=st.sampled_from([0.01, 0.1, 0.5]))
def test_sgd_is_p_minus_lr_times_grad(grads, lr) -> None:
    expected = [0.5, -1.5]
    for got, step_grads in zip(run(optim.SGD, grads, lr=lr), grads):
        expected = [p - lr * g for p, g in zip(expected, step_grads)]
        assert got == expected


@given(grads=GRADS, momentum=st.sampled_from([0.5, 0.9]))
def test_sgd_momentum_is_pytorchs(grads, momentum) -> None:
    """PyTorch: b₁ = g₁, then b_t = μ·b_{t−1} + g_t; p −= lr·b_t (no dampening, no Nesterov)."""
    lr = 0.1
    params = [0.5, -1.5]
    buffers = None
    for got, g in zip(run(optim.SGD, grads, lr=lr, momentum=momentum), grads):
        buffers = list(g) if buffers is None else [momentum * b + gi for b, gi in zip(buffers, g)]
        params = [p - lr * b for p, b in zip(params, buffers)]
        assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(got, params))


@given(grads=GRADS, lr=st.sampled_from([1e-3, 0.1]), betas=st.sampled_from([(0.9, 0.999), (0.5, 0.9)]))
def test_adam_is_pytorchs(grads, lr, betas) -> None:
    """m_t = β₁m + (1−β₁)g, v_t = β₂v + (1−β₂)g², p −= lr·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)."""
    beta1, beta2 = betas
    eps = 1e-8
    params = [0.5, -1.5]
    m = [0.0, 0.0]
    v = [0.0, 0.0]
    for t, (got, g) in enumerate(zip(run(optim.Adam, grads, lr=lr, betas=betas), grads), start=1):
        m = [beta1 * mi + (1 - beta1) * gi for mi, gi in zip(m, g)]
        v = [beta2 * vi + (1 - beta2) * gi * gi for vi, gi in zip(v, g)]
        m_hat = [mi / (1 - beta1**t) for mi in m]
        v_hat = [vi / (1 - beta2**t) for vi in v]
        params = [p - lr * mh / (math.sqrt(vh) + eps) for p, mh, vh in zip(params, m_hat, v_hat)]
        assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(got, params))


def test_adam_first_step_moves_each_parameter_by_about_lr() -> None:
    (after,) = run(optim.Adam, [[3.0, -0.001]], lr=0.01)
    assert math.isclose(after[0], 0.5 - 0.01, rel_tol=1e-6)
    assert math.isclose(after[1], -1.5 + 0.01, rel_tol=1e-4)


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"),
    [
        (optim.SGD, "SGD", {"lr": 0.1}),
        (optim.SGD, "SGD", {"lr": 0.1, "momentum": 0.9}),
        (optim.Adam, "Adam", {"lr": 0.05}),
        (optim.Adam, "Adam", {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6}),
    ],
)
def test_same_trajectory_as_pytorch(ours, theirs, kwargs) -> None:
    """Train the tutorial's neuron with BCE on both engines, 50 per-row epochs: same parameters."""
    torch = pytest.importorskip("torch")
    from autodiff.datasets import STUDY_SLEEP
    from autodiff.losses import binary_cross_entropy

    neuron = Neuron(2, "sigmoid", weights=[0.1, 0.1], bias=0.0)
    optimizer = ours(neuron.parameters(), **kwargs)
    w = torch.tensor([0.1, 0.1], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch_optimizer = getattr(torch.optim, theirs)([w, b], **kwargs)
    for _ in range(50):
        for features, y in STUDY_SLEEP.rows:
            optimizer.zero_grad()
            binary_cross_entropy(neuron(list(features)), y).backward()
            optimizer.step()
            torch_optimizer.zero_grad()
            p = torch.sigmoid(w @ torch.tensor(features, dtype=torch.float64) + b)
            torch.nn.functional.binary_cross_entropy(p, torch.tensor(y, dtype=torch.float64)).backward()
            torch_optimizer.step()
    ours_now = [p.data for p in neuron.parameters()]
    theirs_now = [*w.tolist(), b.item()]
    assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(ours_now, theirs_now))


def test_zero_grad_resets_the_parameters_grads() -> None:
    params = [Value(1.0), Value(2.0)]
    sgd = optim.SGD(params, lr=0.1)
    (params[0] * params[1]).backward()
    sgd.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_optimizers_accept_a_generator_of_parameters() -> None:
    neuron = Neuron(2, weights=[0.1, 0.2])
    assert len(optim.Adam(p for p in neuron.parameters()).params) == 3


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: optim.SGD([], lr=0.1), ValueError, "at least one parameter"),
        (lambda: optim.SGD([1.0], lr=0.1), TypeError, "parameters must be Values, got float"),
        (lambda: optim.SGD(Neuron(1), lr=0.1), TypeError, "got Neuron; pass model.parameters()"),
        (lambda: optim.SGD(Value(1.0), lr=0.1), TypeError, "a list of parameter Values, got Value"),
        (lambda: optim.SGD([Value(1.0)], lr=0.0), ValueError, "SGD learning rate lr must be a positive"),
        (lambda: optim.SGD([Value(1.0)], lr=-1), ValueError, "got -1"),
        (lambda: optim.SGD([Value(1.0)], lr=0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
        (lambda: optim.Adam([Value(1.0)], lr=math.inf), ValueError, "Adam learning rate lr must be"),
        (lambda: optim.Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be in \[0, 1\)"),
        (lambda: optim.Adam([Value(1.0)], eps=0.0), ValueError, "Adam eps must be a positive"),
    ],
)
def test_bad_arguments(build, error, message: str) -> None:
    with pytest.raises(error, match=message):
        build()
