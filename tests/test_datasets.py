"""The built-in tables and load_csv: good files load, bad ones name the file, the line and the problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autodiff import datasets
from autodiff.datasets import Dataset, DatasetError, load_csv


def write(tmp_path: Path, text: str | bytes, name: str = "grades.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def test_tutorial_tables() -> None:
    assert datasets.STUDY_HOURS.feature_names == ("hours",)
    assert [r for r in datasets.STUDY_HOURS.rows] == [((1.0,), 0.0), ((2.0,), 0.0), ((3.0,), 1.0), ((4.0,), 1.0)]
    assert datasets.STUDY_SLEEP.feature_names == ("study", "sleep")
    assert [f for f, _ in datasets.STUDY_SLEEP.rows] == [(1.0, 5.0), (2.0, 6.0), (3.0, 7.0), (4.0, 8.0)]
    assert [y for _, y in datasets.STUDY_SLEEP.rows] == [0.0, 0.0, 1.0, 1.0]


def test_load_csv_reads_features_and_the_label(tmp_path: Path) -> None:
    path = write(tmp_path, "quiz, attendance ,passed\n55,0.6,0\n90, 0.95 ,1\n-1.5e1,1,1.0\n")
    data = load_csv(path)
    assert isinstance(data, Dataset)
    assert data.name == "grades"
    assert data.feature_names == ("quiz", "attendance")
    assert data.label_name == "passed"
    assert data.rows == (((55.0, 0.6), 0.0), ((90.0, 0.95), 1.0), ((-15.0, 1.0), 1.0))
    assert load_csv(str(path), name="quiz").name == "quiz"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(tmp_path: Path, newline: str) -> None:
    data = load_csv(write(tmp_path, newline.join(["hours,passed", "1,0", "2,1"]) + newline))
    assert data.rows == (((1.0,), 0.0), ((2.0,), 1.0))


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    data = load_csv(write(tmp_path, "\ufeffhours,passed\n1,0\n3,1\n".encode()))
    assert data.feature_names == ("hours",)


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    data = load_csv(write(tmp_path, "\n\nhours,passed\n1,0\n\n   \n3,1\n\n"))
    assert data.rows == (((1.0,), 0.0), ((3.0,), 1.0))


def test_the_tutorials_table_round_trips(tmp_path: Path) -> None:
    text = "study,sleep,passed\n" + "".join(f"{s:g},{z:g},{y:g}\n" for (s, z), y in datasets.STUDY_SLEEP.rows)
    assert load_csv(write(tmp_path, text)).rows == datasets.STUDY_SLEEP.rows


BAD_FILES = [
    ("", "is empty; expected a header row"),
    ("\n \n\n", "is empty; expected a header row"),
    ("hours,passed\n", "line 1: has a header but no data rows"),
    ("hours,passed\n\n\n", "line 1: has a header but no data rows"),
    ("1,0\n2,1\n", "line 1: header column 1 is '1', a number"),
    ("hours,hours,passed\n1,2,0\n", "line 1: header names column 'hours' twice"),
    ("hours,,passed\n1,2,0\n", "line 1: header column 2 has no name"),
    ("passed\n1\n", "line 1: header has 1 column, expected at least one feature"),
    ("hours,passed\n1,0\nthree,1\n", "line 3: column 'hours' has 'three', expected a number"),
    ("hours,passed\n1,0\n,1\n", "line 3: column 'hours' is empty, expected a number"),
    ("hours,passed\n1,0\n2,yes\n", "line 3: label 'passed' is 'yes', expected 0 or 1"),
    ("hours,passed\n1,1\n2,1\n", "every row's label is 1; expected both 0 and 1"),
    ("hours,passed\n1,0\n2,2\n", "line 3: label 'passed' is '2', expected 0 or 1"),
    ("hours,passed\n1,0\n2,0.5\n", "line 3: label 'passed' is '0.5', expected 0 or 1"),
    ("hours,passed\n1,-1\n", "line 2: label 'passed' is '-1', expected 0 or 1"),
    ("hours,passed\n1,0\n2,1,7\n", "line 3: has 3 cells, expected 2 (hours, passed)"),
    ("hours,sleep,passed\n1,5,0\n2,1\n", "line 3: has 2 cells, expected 3 (hours, sleep, passed)"),
    ("hours,passed\n1,0\nnan,1\n", "line 3: column 'hours' has 'nan', expected a finite number"),
    ("hours,passed\n1,0\n-inf,1\n", "line 3: column 'hours' has '-inf', expected a finite number"),
    ("hours,passed\n1,0\n1e999,1\n", "line 3: column 'hours' has '1e999', expected a finite number"),
    ("hours,passed\n\n1,0\n\nx,1\n", "line 5: column 'hours' has 'x'"),  # blank lines still count
    ("hours,passed\n1,0\n2,\x00\n", "line 3: "),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES, ids=[m for _, m in BAD_FILES])
def test_bad_files_name_the_file_the_line_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DatasetError, match=re.escape(message)) as caught:
        load_csv(path)
    assert str(caught.value).startswith(str(path))
    assert isinstance(caught.value, ValueError)


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(DatasetError, match=re.escape(f"{path}: no such file")):
        load_csv(path)


def test_a_directory(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="is a directory, expected a CSV file"):
        load_csv(tmp_path)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "hours,passed\n1,0\n2,1 caf\xe9\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=re.escape(f"{path}, line 3: byte 0xe9 is not UTF-8")):
        load_csv(path)


def test_dataset_checks_its_own_rows() -> None:
    with pytest.raises(DatasetError, match="row 1 has label 2.0, expected 0 or 1"):
        Dataset("d", ("x",), (((1.0,), 2.0),))
    with pytest.raises(DatasetError, match="has no rows"):
        Dataset("d", ("x",), ())
