"""Fuzzing with hypothesis: random expression graphs, arbitrary label text, broken CSV files.

What: three properties, each run twice — a small default run that is part of ``make test``
(the "default" hypothesis profile), and an opt-in slow run of at least 10,000 examples marked
``slow`` (``make fuzz``, i.e. ``pytest -m slow``).

1. Random expression graphs (tests/strategies.py) at *any* float inputs — huge, tiny, nan, inf:
   the forward pass raises nothing but the engine's own documented errors (ValueError,
   ZeroDivisionError, with the engine's message, never the standard library's), and backward
   never raises. On well-conditioned graphs every gradient is finite and matches central
   differences of a plain-float evaluation that does not use autodiff at all.
2. Arbitrary label text (control characters included; lone surrogates, which no UTF-8 file can
   hold, excluded) through draw → SVG → saved file: the SVG parses as XML and shows the label.
3. A valid CSV file with one defect injected → ``DatasetError`` naming the file, the line and the
   problem (tests/test_csv_errors.py has one hand-written file per defect).

Why: learners type anything; a traceback from deep inside ``math`` or Graphviz helps nobody.
"""

from __future__ import annotations

import math
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from strategies import Program, programs

from autodiff import Value

SLOW = settings(
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
"""The opt-in run: at least 10,000 examples per property."""

ENGINE_ERRORS = (ValueError, ZeroDivisionError)
STDLIB_MESSAGES = (
    "math domain error",
    "math range error",
    "float division by zero",
    "division by zero\n",
    "cannot convert float",
    "Numerical result out of range",
    "complex",
)


def _slow_and_default(check: Callable[..., None], *strategies: st.SearchStrategy[Any]) -> tuple[Any, Any]:
    """(default test, slow test) running ``check`` on the same strategies."""
    default = given(*strategies)(check)
    slow = pytest.mark.slow(SLOW(given(*strategies)(check)))
    return default, slow


# --- 1. random expression graphs ---------------------------------------------------------------

ANY_FLOAT = st.one_of(
    st.floats(),  # every float: nan, ±inf, subnormals, ±1e308 …
    st.sampled_from((0.0, -0.0, 5e-324, -5e-324, 1e3, -1e3, 1e308, -1e308, 710.0, -745.0)),
)


def _assert_engine_error(error: BaseException, program: Program) -> None:
    """Only the engine's own errors, with its own messages, may come out of a forward pass."""
    assert isinstance(error, ENGINE_ERRORS), f"{type(error).__name__}: {error}\n{program}"
    message = str(error) + "\n"
    assert not any(s in message for s in STDLIB_MESSAGES), f"standard-library message leaked: {error!r}\n{program}"


def check_forward_backward_never_leak(program: Program) -> None:
    """At any inputs, forward raises only documented errors and backward never raises."""
    note(str(program))
    try:
        root, leaves = program.build()
    except Exception as error:  # noqa: BLE001 - checked right here
        _assert_engine_error(error, program)
        return
    root.backward()
    for leaf in leaves:
        assert isinstance(leaf.grad, float)


test_forward_backward_never_leak, test_forward_backward_never_leak_slow = _slow_and_default(
    check_forward_backward_never_leak, programs(leaf_values=ANY_FLOAT)
)

H = 1e-6


def _central_difference(program: Program, i: int) -> float:
    """∂root/∂x_i from the plain-float forward pass (math module only): (f(x+h) − f(x−h)) / 2h."""
    up, down = list(program.leaf_values), list(program.leaf_values)
    up[i] += H
    down[i] -= H
    return (program.evaluate(up) - program.evaluate(down)) / (2 * H)


def check_gradients_finite_and_match_central_differences(program: Program) -> None:
    """Where every intermediate value is finite and moderate, gradients are finite and right."""
    assume(program.well_conditioned())
    note(str(program))
    root, leaves = program.build()
    root.backward()
    for i, leaf in enumerate(leaves):
        assert math.isfinite(leaf.grad), f"x{i}: gradient {leaf.grad!r} where the math is finite"
        numeric = _central_difference(program, i)
        assert abs(leaf.grad - numeric) <= 1e-4 + 1e-3 * abs(numeric), (i, leaf.grad, numeric)


(
    test_gradients_finite_and_match_central_differences,
    test_gradients_finite_and_match_central_differences_slow,
) = _slow_and_default(check_gradients_finite_and_match_central_differences, programs())


# --- 2. arbitrary label text through the viz path ----------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"
LABELS = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=80)


def _shown(ch: str) -> bool:
    """Characters a reader must find in the picture: printable and not whitespace."""
    return ch.isprintable() and not ch.isspace()


def _is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


def check_label_text_survives_the_viz_path(label: str) -> None:
    """A leaf and a result carrying ``label``: the saved SVG parses and shows the label's text."""
    import viz

    x = Value(3.0, label=label)
    y = x * 2.0
    y.label = label
    y.backward()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.svg"
        viz.draw(y).save(path)
        svg = path.read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    wanted = "".join(ch for ch in label if _shown(ch))
    boxes = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            boxes.append("".join((t.text or "") for t in group.iter(f"{SVG}text")))
    showing = [box for box in boxes if _is_subsequence(wanted, box)]
    assert len(showing) >= 2, f"label {label!r} not shown in both boxes: {boxes!r}"


test_label_text_survives_the_viz_path, test_label_text_survives_the_viz_path_slow = _slow_and_default(
    check_label_text_survives_the_viz_path, LABELS
)


# --- 3. CSV files with one defect ----------------------------------------------------------------


@dataclass(frozen=True)
class BrokenCsv:
    """A CSV text with one defect, the line it is on, and words the error must contain."""

    text: str
    line: int
    problem: tuple[str, ...]  # any one of these must appear in the message
    description: str


CELL_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters=',"'),
    min_size=1,
    max_size=12,
)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@st.composite
def broken_csvs(draw: st.DrawFn) -> BrokenCsv:
    """A valid study-hours table, then exactly one defect at a known line."""
    n_features = draw(st.integers(1, 3))
    names = [f"f{i}" for i in range(1, n_features + 1)] + ["passed"]
    n_rows = draw(st.integers(1, 6))
    rows = [
        [repr(draw(st.floats(-100, 100, allow_nan=False))) for _ in range(n_features)]
        + [draw(st.sampled_from(("0", "1")))]
        for _ in range(n_rows)
    ]
    lines = [",".join(names)] + [",".join(r) for r in rows]
    blank_before = draw(st.lists(st.integers(1, len(lines)), max_size=3))  # harmless blank lines
    bom = draw(st.booleans())  # harmless byte-order mark
    defect = draw(st.sampled_from(("non-numeric", "label", "ragged", "header", "empty", "non-finite")))
    target = draw(st.integers(1, n_rows))  # data row to break (1 = first data row)
    problem: tuple[str, ...]
    if defect == "non-numeric":
        text = draw(CELL_TEXT)
        assume(not _is_float(text))
        column = draw(st.integers(0, n_features - 1))
        rows[target - 1][column] = text
        problem, description = ("expected a number",), f"cell {text!r}"
    elif defect == "non-finite":
        text = draw(st.sampled_from(("nan", "inf", "-inf", "NaN", "Infinity", "1e999")))
        rows[target - 1][0] = text
        problem, description = ("finite",), f"cell {text!r}"
    elif defect == "label":
        text = draw(st.sampled_from(("2", "-1", "0.5", "yes", "pass", "1.01")))
        rows[target - 1][-1] = text
        problem, description = ("0 or 1", "expected a number"), f"label {text!r}"
    elif defect == "ragged":
        extra = draw(st.booleans())
        rows[target - 1] = rows[target - 1] + ["1"] if extra else rows[target - 1][:-1]
        problem, description = ("cells",), "ragged row"
    elif defect == "header":
        # The header is missing: the first line is already numbers.
        lines = [",".join(r) for r in rows]
        text = "\n".join(lines) + "\n"
        return BrokenCsv(("\ufeff" if bom else "") + text, 1, ("header",), "no header row")
    else:  # empty: nothing but blank lines (or nothing at all)
        text = draw(st.sampled_from(("", "\n", "\n\n", "  \n")))
        return BrokenCsv(("\ufeff" if bom else "") + text, 0, ("empty",), "empty file")
    lines = [",".join(names)] + [",".join(r) for r in rows]
    # Insert blank lines; the broken row's physical line number moves with them.
    physical = list(lines)
    broken_index = target  # index in `lines`
    for position in sorted(blank_before, reverse=True):
        physical.insert(position, "")
        if position <= broken_index:
            broken_index += 1
    text = "\n".join(physical) + "\n"
    return BrokenCsv(("\ufeff" if bom else "") + text, broken_index + 1, problem, description)


def check_broken_csv_names_file_line_and_problem(case: BrokenCsv) -> None:
    """load_csv refuses the file with a DatasetError that names file, line and problem."""
    from autodiff.datasets import DatasetError, load_csv

    note(f"{case.description}:\n{case.text}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "students.csv"
        path.write_text(case.text, encoding="utf-8")
        with pytest.raises(DatasetError) as caught:
            load_csv(path)
    message = str(caught.value)
    assert str(path) in message, message
    if case.line:
        assert f"line {case.line}" in message, message
    assert any(word in message for word in case.problem), message


test_broken_csv_names_file_line_and_problem, test_broken_csv_names_file_line_and_problem_slow = _slow_and_default(
    check_broken_csv_names_file_line_and_problem, broken_csvs()
)
