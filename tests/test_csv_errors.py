"""CSV files a learner might write: each defect gets a DatasetError naming the file, line and problem.

What: one hand-written file per defect (wrong header, blank lines, a BOM, non-numeric cells,
labels other than 0/1, ragged rows, an empty file, …), with the line number counted here by
hand. Harmless quirks (a BOM, blank lines, spaces around cells, Windows line endings) load.
Why: "could not convert string to float" from deep inside the loader names neither the file
nor the line; a learner with 200 rows needs both. tests/test_fuzz.py injects the same defects
at random.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autodiff.datasets import DatasetError, load_csv

GOOD = "hours,passed\n1,0\n2,0\n3,1\n4,1\n"


def write(tmp_path: Path, text: str | bytes, name: str = "students.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


def refuse(path: Path, line: int | None, *problem: str) -> str:
    """load_csv(path) raises DatasetError whose message names the file, ``line`` and the problem."""
    with pytest.raises(DatasetError) as caught:
        load_csv(path)
    message = str(caught.value)
    assert str(path) in message, message
    if line is not None:
        assert f"line {line}" in message, message
    for word in problem:
        assert word in message, message
    assert "\n" not in message, "one sentence, one line"
    return message


# --- files that must load ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        "\ufeff" + GOOD,  # Excel's "CSV UTF-8" starts with a byte-order mark
        GOOD.replace("\n", "\r\n"),  # Windows line endings
        "hours,passed\n\n1,0\n2,0\n\n3,1\n4,1\n\n\n",  # blank lines anywhere
        " hours , passed \n 1 , 0 \n2,0\n3,1\n4,1",  # spaces around cells, no final newline
    ],
    ids=["plain", "bom", "crlf", "blank-lines", "spaces"],
)
def test_harmless_quirks_load_the_tutorial_table(tmp_path: Path, text: str) -> None:
    dataset = load_csv(write(tmp_path, text))
    assert dataset.feature_names == ("hours",)
    assert dataset.label_name == "passed"
    assert dataset.rows == (((1.0,), 0.0), ((2.0,), 0.0), ((3.0,), 1.0), ((4.0,), 1.0))


# --- files that must be refused --------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    refuse(write(tmp_path, ""), None, "empty")


def test_only_blank_lines_and_a_bom(tmp_path: Path) -> None:
    refuse(write(tmp_path, "\ufeff\n\n  \n"), None, "empty")


def test_header_only(tmp_path: Path) -> None:
    refuse(write(tmp_path, "hours,passed\n"), 1, "no data rows")


def test_missing_header_numbers_first(tmp_path: Path) -> None:
    refuse(write(tmp_path, "1,0\n2,0\n"), 1, "header")


def test_header_with_one_column(tmp_path: Path) -> None:
    refuse(write(tmp_path, "passed\n0\n1\n"), 1, "header")


def test_header_with_an_empty_name(tmp_path: Path) -> None:
    refuse(write(tmp_path, "hours,,passed\n1,2,0\n"), 1, "header", "no name")


def test_header_naming_a_column_twice(tmp_path: Path) -> None:
    refuse(write(tmp_path, "hours,hours,passed\n1,2,0\n"), 1, "'hours'", "twice")


def test_non_numeric_cell_after_blank_lines(tmp_path: Path) -> None:
    # line 1 header, 2 blank, 3 "1,0", 4 blank, 5 the bad row
    message = refuse(write(tmp_path, "hours,passed\n\n1,0\n\nthree,1\n"), 5, "'three'", "expected a number")
    assert "'hours'" in message  # names the column too


def test_non_numeric_cell_with_a_bom(tmp_path: Path) -> None:
    """A BOM is not a line: the bad row is still line 3."""
    refuse(write(tmp_path, "\ufeffhours,passed\n1,0\n2,x\n"), 3, "'x'")


def test_empty_cell(tmp_path: Path) -> None:
    refuse(write(tmp_path, "hours,passed\n1,0\n,1\n"), 3, "expected a number")


@pytest.mark.parametrize("cell", ["nan", "inf", "-inf", "1e999"])
def test_non_finite_cell(tmp_path: Path, cell: str) -> None:
    refuse(write(tmp_path, f"hours,passed\n1,0\n{cell},1\n"), 3, "finite")


@pytest.mark.parametrize("label", ["2", "-1", "0.5"])
def test_label_other_than_0_or_1(tmp_path: Path, label: str) -> None:
    refuse(write(tmp_path, f"hours,passed\n1,0\n2,{label}\n"), 3, repr(label), "expected 0 or 1")


def test_label_as_a_word(tmp_path: Path) -> None:
    refuse(write(tmp_path, "hours,passed\n1,0\n2,yes\n"), 3, "'yes'")


def test_ragged_row_too_short(tmp_path: Path) -> None:
    refuse(write(tmp_path, "study,sleep,passed\n1,5,0\n2,0\n"), 3, "2 cells", "expected 3")


def test_ragged_row_too_long(tmp_path: Path) -> None:
    refuse(write(tmp_path, "hours,passed\n1,0\n2,0,1\n"), 3, "3 cells", "expected 2")


def test_not_utf8(tmp_path: Path) -> None:
    refuse(write(tmp_path, "hours,passed\n1,0\n\xff,1\n".encode("latin-1")), 3, "UTF-8")


def test_unclosed_quote(tmp_path: Path) -> None:
    """The csv module's own complaint is wrapped with the file and line, never raw."""
    with pytest.raises(DatasetError) as caught:
        load_csv(write(tmp_path, 'hours,passed\n1,0\n"2,1\n'))
    assert str(tmp_path / "students.csv") in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    refuse(tmp_path / "nope.csv", None, "no such file")


def test_a_directory(tmp_path: Path) -> None:
    refuse(tmp_path, None, "directory")
