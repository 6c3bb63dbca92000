"""autodiff.gradcheck: passes correct gradients, and names the first input whose gradient is wrong."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from strategies import expressions

import autodiff
from autodiff import GradcheckError, Value, gradcheck, numerical_gradient
from autodiff.ops import Op


class SquareWithWrongDerivative(Op):
    """a², whose derivative claims to be a instead of 2a: the bug gradcheck must catch."""

    name = "bad_square"

    @staticmethod
    def forward(a: float) -> float:
        return a * a

    @staticmethod
    def derivatives(a: float, out: float) -> tuple[float]:
        return (a,)


def bad_square(x: Value) -> Value:
    return x._apply(SquareWithWrongDerivative)


def test_correct_gradients_pass() -> None:
    assert gradcheck(lambda a, b: (a * b).sigmoid() + a.log() - b**3, [Value(2.0, label="a"), 0.5]) is True


@given(expressions())
def test_every_well_conditioned_random_graph_passes(program) -> None:
    assume(program.well_conditioned())
    assert gradcheck(program, list(program.leaf_values))


def test_a_wrong_derivative_names_the_input_and_both_numbers() -> None:
    a, b = Value(1.0, label="a"), Value(3.0, label="b")
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b: a * 2.0 + bad_square(b), [a, b])
    error = caught.value
    assert (error.index, error.label) == (1, "b")
    assert error.analytic == 3.0  # what the wrong derivative says: b
    assert math.isclose(error.numeric, 6.0, rel_tol=1e-6)  # what the function does: 2b
    message = str(error)
    assert "input 1 ('b')" in message and "3.0" in message and "6.0" in message
    assert isinstance(error, RuntimeError)  # as torch.autograd.gradcheck's GradcheckError


def test_an_unlabelled_input_is_named_by_index() -> None:
    with pytest.raises(GradcheckError, match=r"input 0 at 2\.0 has backward gradient 2\.0"):
        gradcheck(bad_square, [2.0])


def test_raise_exception_false_returns_false() -> None:
    assert gradcheck(bad_square, [2.0], raise_exception=False) is False


def test_the_first_disagreeing_input_is_reported() -> None:
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b, c: a + bad_square(b) + bad_square(c), [1.0, 2.0, 3.0])
    assert caught.value.index == 1


def test_tolerances_are_absolute_plus_relative() -> None:
    """|backward − numeric| ≤ tol + rtol·|numeric|: the wrong derivative a vs 2a at a = 1e-3."""
    # backward says 1e-3, numeric says 2e-3: off by 1e-3.
    assert gradcheck(bad_square, [1e-3], tol=1.1e-3, rtol=0.0)
    assert not gradcheck(bad_square, [1e-3], tol=0.9e-3, rtol=0.0, raise_exception=False)
    assert gradcheck(bad_square, [1e-3], tol=0.0, rtol=0.51)
    assert not gradcheck(bad_square, [1e-3], tol=0.0, rtol=0.49, raise_exception=False)


def test_callers_values_are_left_alone() -> None:
    a = Value(2.0, label="a")
    a.grad = 7.0
    gradcheck(lambda a: a * a, [a])
    assert (a.data, a.grad) == (2.0, 7.0)


class IdentityWithNanDerivative(Op):
    name = "nan_identity"

    @staticmethod
    def forward(a: float) -> float:
        return a

    @staticmethod
    def derivatives(a: float, out: float) -> tuple[float]:
        return (math.nan,)


def test_a_nan_gradient_is_a_disagreement() -> None:
    with pytest.raises(GradcheckError, match="backward gradient nan but central differences give 0.99999"):
        gradcheck(lambda a: a._apply(IdentityWithNanDerivative), [1.0])


def test_numerical_gradient_is_central_differences() -> None:
    (g,) = numerical_gradient(lambda a: a * a * a, [2.0], eps=1e-3)
    assert math.isclose(g, ((2.001**3) - (1.999**3)) / 0.002, rel_tol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: gradcheck(lambda a: 3.0, [1.0]), TypeError, "f to return a Value, got float"),
        (lambda: gradcheck(lambda a: a, []), ValueError, "at least one input"),
        (lambda: gradcheck(lambda a: a, ["1"]), TypeError, "input 0 needs a real number.*got str"),
        (lambda: gradcheck(lambda a: a, [math.inf]), ValueError, "finite inputs, got input 0 = inf"),
        (lambda: gradcheck(lambda a: a, [1.0], eps=0.0), ValueError, "eps must be a positive"),
        (lambda: gradcheck(lambda a: a, [1.0], tol=-1.0), ValueError, "tol must be a finite number"),
    ],
)
def test_bad_arguments(call, error, message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_exported_as_torch_names_it() -> None:
    assert autodiff.gradcheck is gradcheck
