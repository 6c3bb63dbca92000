"""Bad input gets one clear error naming the value and what was expected."""

from __future__ import annotations

import re

import pytest

import autodiff
from autodiff import Value


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [("3", "str"), (None, "NoneType"), (1 + 2j, "complex"), ([1.0], "list"), (b"1", "bytes")],
)
def test_value_of_a_non_number_names_its_type(bad, type_name: str) -> None:
    with pytest.raises(TypeError, match=rf"Value needs a real number.*got {type_name} "):
        Value(bad)


def test_value_accepts_ints_and_floats() -> None:
    assert Value(3).data == 3.0 and type(Value(3).data) is float
    assert Value(2.5).data == 2.5


@pytest.mark.parametrize("bad", ["x", None, 1j])
def test_an_operand_that_is_not_a_number_names_its_type(bad) -> None:
    a = Value(1.0, label="a")
    for build in (lambda: a + bad, lambda: bad * a, lambda: a - bad, lambda: a / bad):
        with pytest.raises(TypeError, match=type(bad).__name__):
            build()


def test_label_must_be_text() -> None:
    with pytest.raises(TypeError, match="label needs a str, got int 3"):
        Value(1.0, label=3)


@pytest.mark.parametrize("x", [0.0, -0.0, -2.5, -1e300])
def test_log_of_a_non_positive_value_names_the_op_and_the_value(x: float) -> None:
    with pytest.raises(ValueError, match=re.escape(f"log needs a positive value, got {x!r}")):
        Value(x).log()
    with pytest.raises(ValueError, match=re.escape(f"log needs a positive value, got {x!r}")):
        autodiff.log(x)
    with pytest.raises(ValueError, match="log"):
        autodiff.log(Value(x))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Value(0.0) ** -1,
        lambda: Value(0) ** -2.5,
        lambda: Value(0.0) ** Value(-1.0),
        lambda: 0 ** Value(-1.0),
    ],
    ids=["Value ** number", "fractional", "Value ** Value", "number ** Value"],
)
def test_zero_to_a_negative_power_names_the_op_and_the_value(build) -> None:
    with pytest.raises(ZeroDivisionError, match=r"\*\* needs a non-zero base.*0 \*\* -"):
        build()


def test_division_by_zero_names_the_values() -> None:
    with pytest.raises(ZeroDivisionError, match="1.5 / 0"):
        Value(1.5) / 0


def test_negative_base_to_a_fractional_power_is_not_real() -> None:
    with pytest.raises(ValueError, match=r"-8.0 \*\* 0.5"):
        Value(-8.0) ** 0.5


def test_module_functions_name_the_op_for_a_bad_argument() -> None:
    with pytest.raises(TypeError, match="sigmoid needs a real number.*got str 'x'"):
        autodiff.sigmoid("x")
