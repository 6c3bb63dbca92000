"""Datasets: the tutorial's two tables, built in, and a loader for your own CSV files."""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Row = tuple[tuple[float, ...], float]


class DatasetError(ValueError):
    """A dataset that cannot be used: the message names the file, the line and what was wrong."""


@dataclass(frozen=True)
class Dataset:
    """Rows of (features, 0/1 label); ``feature_names`` label the inputs in graphs."""

    name: str
    feature_names: tuple[str, ...]
    rows: tuple[Row, ...]
    label_name: str = "passed"

    def __post_init__(self) -> None:
        if not self.rows:
            raise DatasetError(f"dataset {self.name!r} has no rows")
        for i, (features, label) in enumerate(self.rows, start=1):
            if len(features) != len(self.feature_names):
                raise DatasetError(
                    f"dataset {self.name!r} row {i} has {len(features)} features, "
                    f"expected {len(self.feature_names)} ({', '.join(self.feature_names)})"
                )
            if label not in (0.0, 1.0):
                raise DatasetError(f"dataset {self.name!r} row {i} has label {label!r}, expected 0 or 1")

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def __len__(self) -> int:
        return len(self.rows)


# Page 1 onward: study hours → passed.
STUDY_HOURS = Dataset(
    name="study_hours",
    feature_names=("hours",),
    rows=(((1.0,), 0.0), ((2.0,), 0.0), ((3.0,), 1.0), ((4.0,), 1.0)),
)

# Page 6: study hours and sleep hours → passed.
STUDY_SLEEP = Dataset(
    name="study_sleep",
    feature_names=("study", "sleep"),
    rows=(((1.0, 5.0), 0.0), ((2.0, 6.0), 0.0), ((3.0, 7.0), 1.0), ((4.0, 8.0), 1.0)),
)


def load_csv(path: str | os.PathLike[str], name: str | None = None) -> Dataset:
    """A Dataset from a CSV file: a header row, feature columns, and the 0/1 label in the last column.

    The file is read as UTF-8 (a byte-order mark is accepted); cells may have surrounding spaces.
    Blank lines (empty or only whitespace) are skipped, so a trailing newline or a spacer line is
    harmless. Anything else that is not a number — a non-numeric cell, an empty cell, nan, inf —
    is an error, as are labels other than 0 and 1 and rows with the wrong number of cells. Every
    error is a ``DatasetError`` naming the file, the line and what was wrong. ``name`` defaults to
    the file's name without its extension.
    """
    where = os.fspath(path)
    text = _read_text(Path(where), where)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = _records(reader, where)
    header_line, header = next(rows, (0, []))
    if not header:
        raise DatasetError(f"{where} is empty; expected a header row such as hours,passed and rows of numbers")
    feature_names, label_name = _check_header(header, where, header_line)
    columns = (*feature_names, label_name)
    data: list[Row] = []
    for line, cells in rows:
        if len(cells) != len(header):
            raise DatasetError(
                f"{where}, line {line}: has {len(cells)} cells, expected {len(columns)} ({', '.join(columns)})"
            )
        numbers = [_number(cell, column, where, line) for cell, column in zip(cells, columns)]
        label = numbers[-1]
        if label not in (0.0, 1.0):
            raise DatasetError(f"{where}, line {line}: label {label_name!r} is {cells[-1].strip()!r}, expected 0 or 1")
        data.append((tuple(numbers[:-1]), label))
    if not data:
        raise DatasetError(f"{where}, line {header_line}: has a header but no data rows below it")
    return Dataset(
        name=Path(where).stem if name is None else name,
        feature_names=feature_names,
        rows=tuple(data),
        label_name=label_name,
    )


def _read_text(path: Path, where: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{where} is a directory, expected a CSV file") from None
    except OSError as error:
        raise DatasetError(f"{where} cannot be read: {error.strerror or error}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DatasetError(
            f"{where}, line {line}: byte {raw[error.start]:#04x} is not UTF-8; save the file as UTF-8 text"
        ) from None


def _records(reader: Any, where: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each non-blank line; csv errors become DatasetErrors."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise DatasetError(f"{where}, line {reader.line_num}: not readable as CSV ({error})") from None
        if all(not cell.strip() for cell in cells) and len(cells) <= 1:
            continue  # a blank line
        yield reader.line_num, cells


def _check_header(header: list[str], where: str, line: int) -> tuple[tuple[str, ...], str]:
    names = [cell.strip() for cell in header]
    if len(names) < 2:
        raise DatasetError(
            f"{where}, line {line}: header has {len(names)} column, expected at least one feature "
            f"and the label, such as hours,passed"
        )
    for i, column in enumerate(names, start=1):
        if not column:
            raise DatasetError(f"{where}, line {line}: header column {i} has no name")
        if _is_number(column):
            raise DatasetError(
                f"{where}, line {line}: header column {i} is {column!r}, a number; "
                f"expected a header row of column names first"
            )
    seen: set[str] = set()
    for column in names:
        if column in seen:
            raise DatasetError(f"{where}, line {line}: header names column {column!r} twice")
        seen.add(column)
    return tuple(names[:-1]), names[-1]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(cell: str, column: str, where: str, line: int) -> float:
    text = cell.strip()
    if not text:
        raise DatasetError(f"{where}, line {line}: column {column!r} is empty, expected a number")
    try:
        x = float(text)
    except ValueError:
        raise DatasetError(f"{where}, line {line}: column {column!r} has {text!r}, expected a number") from None
    if not math.isfinite(x):
        raise DatasetError(f"{where}, line {line}: column {column!r} has {text!r}, expected a finite number")
    return x
