"""autodiff.compile's names and arguments: no label or op name reaches the generated code as code.

The generated helpers live under ``_rt`` (and JavaScript's arrays under ``_rt…``), names no label
can become; op names are escaped in comments; odd arguments get one sentence.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import test_compile_errors

from autodiff import CompileError, Value, compile, ops
from autodiff.compile import identifier
from autodiff.text import code_comment

NODE = shutil.which("node") or ("/usr/bin/node" if os.path.exists("/usr/bin/node") else None)
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: the JavaScript is checked in node")

HELPER_NAMES = ["_rt", "_rtv", "_rt_x", "exp", "fsum", "linear", "pathChanged", "CHECKS", "power", "inf", "nan"]


@pytest.mark.parametrize("label", HELPER_NAMES)
def test_a_label_never_becomes_a_helpers_name(label: str) -> None:
    name = identifier(label)
    assert name != label and not name.startswith("_rt")


@pytest.mark.parametrize("label", HELPER_NAMES)
def test_labels_and_names_like_the_helpers_change_nothing(label: str) -> None:
    """A label or function name equal to a helper: the same numbers, the same errors."""
    w = Value(2.0, label=label)
    h = (w * 3.0).log()
    h.label = label
    loss = h * h if h > 1.0 else -h
    c = compile(loss, [w], name=label)
    fresh = Value(2.5)
    expected = (fresh * 3.0).log() ** 2
    expected.backward()
    assert c(2.5) == (expected.data, (fresh.grad,))
    with pytest.raises(CompileError, match=r"was True, but for these numbers it is False"):
        c(0.5)  # log(1.5) < 1: the other branch
    with pytest.raises(ValueError, match=r"^log needs a positive value"):
        c(-1.0)
    with pytest.raises(TypeError, match=r"needs real numbers, got str"):
        c("2")


class Cube(test_compile_errors.Cube):
    """An op from outside the table whose name would end a comment and run code."""

    name = "cube\nimport os; os._exit(3)  #"


class Times(ops.Mul):
    """The table's multiply (its templates, so a JavaScript form) under a name made to escape a // comment."""

    name = "times\u2028throw new Error('ran') //\r\nx"


def test_an_op_name_stays_inside_its_comment() -> None:
    x = Value(2.0, label="x")
    c = compile(x._apply(Cube), [x])
    assert c(3.0) == (27.0, (27.0,))
    assert not any(line.lstrip().startswith("import os") for line in c.source.splitlines())
    assert code_comment(Cube.name) in c.source  # the one escaper of comments, autodiff.text


@needs_node
def test_an_op_name_stays_inside_its_javascript_comment() -> None:
    x = Value(2.0, label="x")
    c = compile(x._apply(Times, 4.0), [x], name="f")
    assert c(3.0) == (12.0, (4.0,))
    assert "\u2028" not in c.javascript and "\r" not in c.javascript
    out = subprocess.run(
        [NODE, "-"],  # type: ignore[list-item]
        input=c.javascript + "\nconsole.log(JSON.stringify(f(3)));",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [12, [4]]


def test_a_number_beyond_double_range_is_one_sentence() -> None:
    w = Value(1.0, label="w")
    c = compile(w * 2.0, [w])
    with pytest.raises(
        ValueError, match=r"^value_and_grad\(\) needs numbers within double range \(±1.8e308\), got an integer of 401 "
    ):
        c(10**400)


def test_a_complex_argument_is_one_sentence() -> None:
    w = Value(1.0, label="w")
    c = compile(w * 2.0, [w])  # arithmetic alone would happily give a complex number back
    message = r"^value_and_grad\(\) needs real numbers, got complex \(1\+0j\) as argument 1$"
    with pytest.raises(TypeError, match=message):
        c(1 + 0j)


def test_a_name_that_is_not_a_string_is_one_sentence() -> None:
    w = Value(1.0, label="w")
    with pytest.raises(TypeError, match=r"^compile's name needs a str \(the function's name\), got int 5$"):
        compile(w * 2.0, [w], name=5)  # type: ignore[arg-type]
