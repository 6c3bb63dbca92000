"""autodiff.compile: the user's comparisons become checks, and bad input gets one clear sentence."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import CompileError, Value, compile, gc_paused, guards, linear, ops
from autodiff.losses import squared_error


def classify(w: Value) -> Value:
    """Python control flow on a Value: the graph depends on which way ``p >= 0.5`` went."""
    p = (w * 2.0).sigmoid()
    p.label = "p"
    loss = (1.0 - p) ** 2 if p >= 0.5 else p * p
    loss.label = "L"
    return loss


def test_a_comparison_that_would_flip_raises_naming_it() -> None:
    w = Value(0.5, label="w")
    c = compile(classify(w), [w])
    assert "if not (p >= 0.5): raise" in c.source
    value, (grad,) = c(0.3)  # still p >= 0.5: the recorded path, backward()'s numbers
    fresh = Value(0.3)
    loss = classify(fresh)
    loss.backward()
    assert (value, grad) == (loss.data, fresh.grad)
    with pytest.raises(
        CompileError, match=re.escape("recorded where p >= 0.5 was True, but for these numbers it is False")
    ):
        c(-0.3)


def test_a_comparison_recorded_false_and_between_two_values() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    s = a * b
    s.label = "s"
    root = s - a if a > b else s + a  # False: a < b
    c = compile(root, [a, b])
    assert c(1.5, 3.0)[0] == 1.5 * 3.0 + 1.5
    with pytest.raises(CompileError, match=r"a > b was False, but for these numbers it is True"):
        c(3.0, 1.5)


def test_comparisons_on_other_graphs_or_constants_add_no_check() -> None:
    w = Value(0.5, label="w")
    elsewhere = Value(0.9)
    assert elsewhere > 0.5  # another graph's Value: nothing to do with this one
    constant = Value(3.0)
    loss = (w * constant).sigmoid()
    assert constant > 1.0  # a constant of this graph compares the same way on every call
    c = compile(loss, [w])
    assert "path_changed" not in c.source
    c(-100.0)


def test_a_comparison_before_an_update_is_not_the_next_graphs() -> None:
    w = Value(0.5, label="w")
    assert w > 0.0
    w.data = -1.0  # the comparison was about w = 0.5: the graph built from here never saw it
    c = compile(w * 3.0, [w])
    assert "path_changed" not in c.source
    assert c(1.0) == (3.0, (3.0,))


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_javascript_checks_the_comparison_too() -> None:
    w = Value(0.5, label="w")
    c = compile(classify(w), [w], name="f")
    script = (
        c.javascript + "\nconsole.log(JSON.stringify(f(0.3)));\ntry { f(-0.3); } catch (e) { console.log(e.message); }"
    )
    out = subprocess.run(["node", "-"], input=script, capture_output=True, text=True, timeout=60).stdout
    assert "p >= 0.5 was True, but for these numbers it is False" in out


# --- errors ----------------------------------------------------------------------------------------


def tutorial() -> tuple[Value, Value, Value, Value]:
    w, b, x = Value(0.1, label="w"), Value(0.0, label="b"), Value(3.0, label="x")
    z = linear([w], [x], b)
    z.label = "z"
    return w, b, z, squared_error(z.sigmoid(), 1.0)


def test_an_input_that_is_computed_is_refused() -> None:
    w, _, z, loss = tutorial()
    with pytest.raises(
        CompileError, match=r"^input 1, Value\(z = .*\), is computed by 'linear', not a leaf of the graph"
    ):
        compile(loss, [w, z])


def test_an_input_from_elsewhere_is_refused() -> None:
    w, _, _, loss = tutorial()
    with pytest.raises(CompileError, match=r"^input 1, Value\(elsewhere = 1, .*\), is not a leaf of the graph"):
        compile(loss, [w, Value(1.0, label="elsewhere")])


def test_a_duplicate_input_is_refused() -> None:
    w, _, _, loss = tutorial()
    with pytest.raises(CompileError, match=r"^input 1, Value\(w = 0.1, .*\), is given twice"):
        compile(loss, [w, w])


def test_inputs_and_root_of_the_wrong_type() -> None:
    w, _, _, loss = tutorial()
    with pytest.raises(TypeError, match="compile needs a list of input Values, got Value"):
        compile(loss, w)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="compile's inputs must be Values, got float 0.1 at position 0"):
        compile(loss, [0.1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="compile needs a Value as its root, got float 1.0"):
        compile(1.0, [w])  # type: ignore[arg-type]


def test_the_wrong_number_of_arguments() -> None:
    w, b, _, loss = tutorial()
    c = compile(loss, [w, b])
    with pytest.raises(TypeError, match=r"value_and_grad\(\) takes 2 positional arguments but 3 were given"):
        c(0.1, 0.0, 1.0)
    with pytest.raises(TypeError, match=r"missing 1 required positional argument: 'b'"):
        c(0.1)


def test_a_non_number_at_call_time_is_named() -> None:
    w, b, _, loss = tutorial()
    c = compile(loss, [w, b])
    with pytest.raises(TypeError, match=r"^value_and_grad\(\) needs real numbers, got str '0.1' as argument 1$"):
        c("0.1", 0.0)
    with pytest.raises(TypeError, match=r"got complex 1j as argument 2"):
        c(0.1, 1j)
    with pytest.raises(TypeError, match=r"got NoneType None as argument 2"):
        c(0.1, None)


def test_ints_fractions_and_bools_are_numbers() -> None:
    w, b, _, loss = tutorial()
    c = compile(loss, [w, b])
    assert c(1, Fraction(1, 2)) == c(1.0, 0.5)
    assert c(True, False) == c(1.0, 0.0)
    value, grads = c(1, 0)
    assert type(value) is float and all(type(g) is float for g in grads)


class Cube(ops.Op):
    """An op from outside the table, with no code templates."""

    name = "cube"

    @staticmethod
    def forward(a: float) -> float:
        return a * a * a

    @staticmethod
    def derivatives(a: float, out: float) -> tuple[float]:
        return (3.0 * a * a,)


def test_an_op_without_templates_compiles_to_python_but_not_javascript() -> None:
    x = Value(1.5, label="x")
    y = x._apply(Cube).sigmoid()
    c = compile(y, [x])
    assert "Cube.forward(x)" in c.source
    value, (grad,) = c(0.7)
    fresh = Value(0.7)
    out = fresh._apply(Cube).sigmoid()
    out.backward()
    assert (value, grad) == (out.data, fresh.grad)
    with pytest.raises(CompileError, match=r"^the op Cube \('cube'\) has no JavaScript form"):
        c.javascript  # noqa: B018
    with pytest.raises(CompileError, match=r"^the op Cube \('cube'\) has no JavaScript form"):
        c.javascript_trace()


def test_domain_errors_are_the_engines_own() -> None:
    x = Value(2.0, label="x")
    with pytest.raises(ValueError, match=r"^log needs a positive value, got -1.0$") as raised:
        compile((x * 2.0).log(), [x])(-0.5)
    assert raised.value.__suppress_context__  # one error, not Python's "math domain error" above it
    with pytest.raises(ZeroDivisionError, match=r"^division by zero: 1.0 / 0$"):
        compile(1.0 / x, [x])(0.0)
    with pytest.raises(ValueError, match=r"needs a whole exponent, got -4.0 \*\* 0.5"):
        compile(x**0.5, [x])(-4.0)  # a real number only: never a complex one
    assert math.isnan(compile(x.log(), [x])(math.nan)[0])


@given(st.floats(-4.0, 4.0), st.floats(0.05, 0.95), st.floats(-4.0, 4.0))
def test_a_check_raises_exactly_when_the_comparison_flips(weight: float, threshold: float, new_weight: float) -> None:
    def build(w: Value) -> tuple[Value, bool]:
        p = (w * 3.0).sigmoid()
        p.label = "p"
        passed = p >= threshold
        return ((1.0 - p) ** 2 if passed else p * p), passed

    w = Value(weight, label="w")
    root, recorded = build(w)
    c = compile(root, [w])
    fresh = Value(new_weight)
    expected, taken = build(fresh)
    if taken != recorded:
        with pytest.raises(CompileError, match=f"p >= {threshold!r} was {recorded}"):
            c(new_weight)
        return
    expected.backward()
    assert c(new_weight) == (expected.data, (fresh.grad,))


def test_notes_are_bounded_and_a_forgotten_one_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guards, "NOTES_PER_VALUE", 64)
    w = Value(0.0, label="w")
    for threshold in range(1000):
        assert not w > float(threshold)
    notes, forgotten = guards.notes_for(w)
    assert len(notes) <= 64 and forgotten
    with pytest.raises(CompileError, match=r"^w was compared more than 64 times, so its oldest comparisons"):
        compile(w * 2.0, [w])


def test_a_freed_value_takes_its_notes_with_it() -> None:
    values = [Value(float(i)) for i in range(100)]
    assert all((v >= 50.0) == (v.data >= 50.0) for v in values)
    keys = [id(v) for v in values]
    assert all(key in guards.NOTES for key in keys)
    del values  # no cycles: freed at once, and the weak references drop the notes
    assert not any(key in guards.NOTES for key in keys)


def test_notes_form_no_cycles() -> None:
    """Training loops run with the cyclic collector paused (gc_paused): notes must go by reference counting."""
    import gc

    gc.collect()
    with gc_paused():
        a, b = Value(1.0), Value(2.0)
        assert a < b and not b < a and a < 3.0
        assert len(guards.notes_for(a)[0]) == 3
        del a, b
        assert gc.collect() == 0  # nothing left for the cyclic collector: all freed already
