"""autodiff.losses against formulas written out here, mpmath at extremes and PyTorch when installed."""

from __future__ import annotations

import math

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value
from autodiff.losses import binary_cross_entropy, binary_cross_entropy_with_logits, mse, squared_error


def floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def test_squared_error_is_the_tutorials() -> None:
    assert math.isclose(squared_error(0.7, 1.0), 0.09, rel_tol=1e-12)  # page 4's example
    p = Value(0.7, label="p")
    loss = squared_error(p, 1.0)
    loss.backward()
    assert math.isclose(loss.data, 0.09, rel_tol=1e-12)
    assert math.isclose(p.grad, 2 * (0.7 - 1.0), rel_tol=1e-12)


def test_mse_is_the_mean() -> None:
    predictions = [Value(0.2), Value(0.9), Value(0.4)]
    targets = [0.0, 1.0, 1.0]
    loss = mse(predictions, targets)
    loss.backward()
    assert math.isclose(loss.data, (0.04 + 0.01 + 0.36) / 3, rel_tol=1e-12)
    for p, y in zip(predictions, targets):
        assert math.isclose(p.grad, 2 * (p.data - y) / 3, rel_tol=1e-12)
    assert math.isclose(mse([0.2, 0.9, 0.4], targets), (0.04 + 0.01 + 0.36) / 3, rel_tol=1e-12)


def test_mse_needs_matching_lengths() -> None:
    with pytest.raises(ValueError, match="as many targets as predictions.*got 2 and 1"):
        mse([0.1, 0.2], [1.0])
    with pytest.raises(ValueError, match="got 0 and 0"):
        mse([], [])


@given(p=floats(1e-300, 1 - 1e-16), y=st.sampled_from([0.0, 1.0]))
def test_bce_value_and_gradient(p: float, y: float) -> None:
    """PyTorch's BCELoss: the loss of −[y ln p + (1 − y) ln(1 − p)], gradient (p − y) / max(p(1 − p), 1e-12)."""
    prob = Value(p, label="p")
    loss = binary_cross_entropy(prob, y)
    loss.backward()
    expected = -(y * max(math.log(p), -100.0) + (1 - y) * math.log(1 - p))  # each log floored at −100
    assert math.isclose(loss.data, expected, rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(prob.grad, (p - y) / max(p * (1 - p), 1e-12), rel_tol=1e-12)
    assert binary_cross_entropy(p, y) == loss.data


@pytest.mark.parametrize(("p", "y", "loss", "grad"), [(0.0, 1.0, 100.0, -1e12), (1.0, 0.0, 100.0, 1e12)])
def test_bce_is_finite_at_the_ends_as_in_pytorch(p: float, y: float, loss: float, grad: float) -> None:
    """PyTorch clamps each log at −100 and the gradient's denominator p(1 − p) at 1e-12."""
    prob = Value(p)
    out = binary_cross_entropy(prob, y)
    out.backward()
    assert out.data == loss
    assert prob.grad == grad
    assert binary_cross_entropy(p, 1.0 - y) == 0.0


def test_bce_refuses_a_probability_outside_0_1() -> None:
    with pytest.raises(ValueError, match=r"probability in \[0, 1\], got 1.5"):
        binary_cross_entropy(Value(1.5), 1.0)
    with pytest.raises(ValueError, match=r"probability in \[0, 1\], got -0.1"):
        binary_cross_entropy(-0.1, 1.0)


def test_bce_through_a_sigmoid_is_the_tutorials_hand_rule() -> None:
    w, b = Value(0.1, label="w"), Value(0.0, label="b")
    p = (w * 3.0 + b).sigmoid()
    binary_cross_entropy(p, 1.0).backward()
    assert math.isclose(w.grad, (p.data - 1.0) * 3.0, rel_tol=1e-12)
    assert math.isclose(b.grad, p.data - 1.0, rel_tol=1e-12)


def mp_bce_logits(z: float, y: float) -> tuple[float, float]:
    """(loss, d loss/dz) of −[y ln σ(z) + (1 − y) ln(1 − σ(z))] at 60 digits."""
    with mpmath.workdps(60):
        z_ = mpmath.mpf(z)
        # −ln σ(z) = ln(1 + e^−z) and −ln(1 − σ(z)) = ln(1 + e^z): no 1 − s to cancel.
        loss = y * mpmath.log1p(mpmath.exp(-z_)) + (1 - y) * mpmath.log1p(mpmath.exp(z_))
        s = 1 / (1 + mpmath.exp(-z_))
        return float(loss), float(s - y)


@pytest.mark.parametrize("z", [-1000.0, -40.0, -1.0, 0.0, 0.5, 40.0, 1000.0, 1e308, -1e308])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_bce_with_logits_is_stable_and_exact(z: float, y: float) -> None:
    raw = Value(z, label="z")
    loss = binary_cross_entropy_with_logits(raw, y)
    loss.backward()
    expected, grad = mp_bce_logits(z, y)
    assert math.isfinite(loss.data) and math.isfinite(raw.grad)
    assert math.isclose(loss.data, expected, rel_tol=1e-14, abs_tol=1e-300)
    assert math.isclose(raw.grad, grad, rel_tol=1e-14, abs_tol=1e-16)


@given(z=floats(-10, 10), y=st.sampled_from([0.0, 1.0]))
def test_bce_with_logits_equals_bce_of_sigmoid(z: float, y: float) -> None:
    a, b = Value(z), Value(z)
    via_logits = binary_cross_entropy_with_logits(a, y)
    via_probability = binary_cross_entropy(b.sigmoid(), y)
    via_logits.backward()
    via_probability.backward()
    assert math.isclose(via_logits.data, via_probability.data, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(a.grad, b.grad, rel_tol=1e-9, abs_tol=1e-12)


def test_why_the_logits_form_exists() -> None:
    """At z = −28, σ(z) ≈ 6.9e-13: p(1 − p) falls under the 1e-12 clamp, so BCE on the probability
    gets the gradient wrong (≈ −0.69 instead of σ(z) − 1 ≈ −1); the logits form does not."""
    a, b = Value(-28.0), Value(-28.0)
    binary_cross_entropy_with_logits(a, 1.0).backward()
    binary_cross_entropy(b.sigmoid(), 1.0).backward()
    exact = 1.0 / (1.0 + math.exp(28.0)) - 1.0
    assert math.isclose(a.grad, exact, rel_tol=1e-15)
    assert abs(b.grad - exact) > 0.3


@pytest.mark.parametrize("loss", [squared_error, binary_cross_entropy, binary_cross_entropy_with_logits])
def test_a_bad_target_is_named(loss) -> None:
    with pytest.raises(TypeError, match="target needs a real number.*got str"):
        loss(0.5, "1")


def test_same_numbers_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for p, y in [(0.3, 1.0), (0.9, 0.0), (0.0, 1.0), (1.0, 0.0), (1e-30, 1.0)]:
        tp = torch.tensor(p, dtype=torch.float64, requires_grad=True)
        expected = torch.nn.functional.binary_cross_entropy(tp, torch.tensor(y, dtype=torch.float64))
        expected.backward()
        prob = Value(p)
        got = binary_cross_entropy(prob, y)
        got.backward()
        assert math.isclose(got.data, expected.item(), rel_tol=1e-12), (p, y)
        # PyTorch's clamp is the float32 constant 1e-12f = 9.99999996e-13: 4e-9 apart where it bites.
        assert math.isclose(prob.grad, tp.grad.item(), rel_tol=1e-12 if p * (1 - p) > 1e-12 else 1e-8), (p, y)
    for z, y in [(-1000.0, 1.0), (-3.0, 0.0), (0.0, 1.0), (2.5, 1.0), (1000.0, 0.0)]:
        tz = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        expected = torch.nn.functional.binary_cross_entropy_with_logits(tz, torch.tensor(y, dtype=torch.float64))
        expected.backward()
        raw = Value(z)
        got = binary_cross_entropy_with_logits(raw, y)
        got.backward()
        assert math.isclose(got.data, expected.item(), rel_tol=1e-12), (z, y)
        assert math.isclose(raw.grad, tz.grad.item(), rel_tol=1e-12, abs_tol=1e-300), (z, y)
