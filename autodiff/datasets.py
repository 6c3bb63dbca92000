"""Datasets: the tutorial's two tables, built in, and a loader for your own CSV files."""

from __future__ import annotations

import csv
import io
import math
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Row = tuple[tuple[float, ...], float]

# Names the engine gives parameters (w, w1, b, weight, bias_2, layer.w3): a data column named so
# is drawn quoted, so a graph never shows a data input ``w1`` beside the parameter ``w1``.
_PARAMETER_NAME = re.compile(r"(w|b|weight|bias)(\d+|_\w*)?", re.IGNORECASE)


def input_label(name: str) -> str:
    """The label a data column's inputs carry in graphs: its name, quoted when it reads like a parameter's.

    Args:
        name: A feature's name, as the CSV header or dataset spells it.

    Returns:
        ``name`` itself, or ``'w1'`` (in quotes) for a name such as ``w1`` or ``b`` that a
        parameter could have, so ``w1*'w1' + b`` shows which is the data.
    """
    return f"'{name}'" if _PARAMETER_NAME.fullmatch(name.rsplit(".", 1)[-1]) else name


class DatasetError(ValueError):
    """A dataset that cannot be used: the message names the file, the line and what was wrong."""


# A CSV larger than this is refused before it is read (a 1,000-row file is about 20 KB).
MAX_CSV_BYTES = 50_000_000


@dataclass(frozen=True)
class Scaling:
    """How features were standardised: x → (x − mean) / spread, one mean and spread per feature.

    Attributes:
        mean: Each feature's mean over the training rows.
        spread: Each feature's standard deviation (1.0 for a feature with none).
    """

    mean: tuple[float, ...]
    spread: tuple[float, ...]

    def apply(self, features: tuple[float, ...] | list[float]) -> tuple[float, ...]:
        """Raw features in the units the model was trained on.

        Args:
            features: One raw number per feature, as a user would type them.

        Returns:
            The standardised features, ready for the model.
        """
        # x/s − m/s where x − m itself would overflow (features near ±1.8e308).
        return tuple(
            (x - m) / s if math.isfinite(x - m) else x / s - m / s for x, m, s in zip(features, self.mean, self.spread)
        )


@dataclass(frozen=True)
class Dataset:
    """Rows of (features, 0/1 label); ``feature_names`` label the inputs in graphs.

    ``scaling`` is set when the features were standardised (see ``standardize``): the rows hold the
    standardised numbers, and a model trained on them needs ``scaling.apply`` on new inputs.

    Attributes:
        name: The dataset's name (a CSV's file name without its extension).
        feature_names: One name per feature, e.g. ``("hours",)``; they label the inputs in graphs.
        rows: The examples, each ``((feature, …), label)`` with the label 0.0 or 1.0.
        label_name: The label column's name.
        scaling: How the rows were standardised, or None for raw numbers.

    Raises:
        DatasetError: There are no rows, a row has the wrong number of features, or a label is not 0 or 1.
    """

    name: str
    feature_names: tuple[str, ...]
    rows: tuple[Row, ...]
    label_name: str = "passed"
    scaling: Scaling | None = None

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
        """How many features (inputs) each row has."""
        return len(self.feature_names)

    def __len__(self) -> int:
        return len(self.rows)


def standardize(dataset: Dataset) -> Dataset:
    """The dataset with each feature shifted to mean 0 and scaled to spread 1 (its standard deviation).

    Features on very different scales (a quiz out of 100 beside attendance out of 1) make one
    learning rate too big for one weight and too small for the other; standardised, one rate
    suits all. A feature with no spread (the same in every row) is only shifted.

    Args:
        dataset: The raw dataset.

    Returns:
        A new Dataset with the standardised rows and, in ``scaling``, the means and spreads used.
    """
    columns = list(zip(*(features for features, _ in dataset.rows)))
    mean, spread = [], []
    for name, column in zip(dataset.feature_names, columns):
        m, sd = _mean_and_spread(column)
        if not math.isfinite(m) or not math.isfinite(sd):
            raise DatasetError(
                f"dataset {dataset.name!r}: feature {_quote(name)} spans more than a float can hold "
                f"(from {min(column):g} to {max(column):g}); rescale it, or train with the raw numbers"
            )
        mean.append(m)
        spread.append(sd if sd > 0 else 1.0)
    scaling = Scaling(tuple(mean), tuple(spread))
    rows = tuple((scaling.apply(features), label) for features, label in dataset.rows)
    return Dataset(dataset.name, dataset.feature_names, rows, dataset.label_name, scaling)


def _mean_and_spread(column: tuple[float, ...]) -> tuple[float, float]:
    """A column's mean and standard deviation: directly, or on the column divided by its largest size.

    Directly where the numbers allow (the correctly rounded mean a learner checks by hand, 0.7125 not
    0.7124999999999999). Squaring ``x - mean`` overflows beyond about 1.3e154; scaled to at most 1
    first, nothing overflows until the answer itself does (a spread beyond 1.8e308 is inf).
    """
    try:
        m = math.fsum(column) / len(column)
        variance = math.fsum((x - m) ** 2 for x in column) / len(column)
        if math.isfinite(m) and math.isfinite(variance):
            return m, math.sqrt(variance)
    except OverflowError:
        pass
    size = max(abs(x) for x in column)
    if size == 0:
        return 0.0, 0.0
    scaled = [x / size for x in column]
    m = math.fsum(scaled) / len(scaled)
    variance = math.fsum((x - m) ** 2 for x in scaled) / len(scaled)
    return m * size, math.sqrt(variance) * size


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
    error is a ``DatasetError`` naming the file, the line and what was wrong.

    Args:
        path: The CSV file; only a regular file of at most 50 MB is read.
        name: The dataset's name; defaults to the file's name without its extension.

    Returns:
        The rows, with the header's names for the features and the label.

    Raises:
        DatasetError: The file cannot be read, or is not such a CSV; the message says where and why.
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
        label_text = cells[-1].strip()
        label = float(label_text) if _is_number(label_text) else None
        if label not in (0.0, 1.0):  # `yes`, `2`, an empty cell: all get the same answer
            raise DatasetError(
                f"{where}, line {line}: label {_quote(label_name)} is {_quote(label_text)}, expected 0 or 1"
            )
        numbers = [_number(cell, column, where, line) for cell, column in zip(cells[:-1], columns)]
        data.append((tuple(numbers), float(label)))  # type: ignore[arg-type]
    if not data:
        raise DatasetError(f"{where}, line {header_line}: has a header but no data rows below it")
    labels = {label for _, label in data}
    if len(labels) == 1:
        only = int(labels.pop())
        raise DatasetError(
            f"{where}: every row's label is {only}; expected both 0 and 1, or there is nothing to tell apart"
        )
    return Dataset(
        name=Path(where).stem if name is None else name,
        feature_names=feature_names,
        rows=tuple(data),
        label_name=label_name,
    )


def _quote(text: str, limit: int = 60) -> str:
    """``text`` for a message: repr'd (control characters escaped) and cut to a short prefix."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"… ({len(text):,} characters)"


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """A regular file's bytes, at most ``limit``; OSError or ValueError (a sentence) for anything else.

    A device (``/dev/zero``), a FIFO (which would wait for a writer forever) or a socket is
    refused before it is opened, and a file larger than ``limit`` before it is read.

    Args:
        path: The file to read.
        limit: The most bytes to read; a larger file is refused.

    Returns:
        The file's bytes.

    Raises:
        OSError: The file cannot be opened (missing, a folder, no permission).
        ValueError: It is not a regular file, or is larger than ``limit``; the message is a sentence
            to follow the file's name.
    """
    import stat

    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "Is a directory", os.fspath(path))
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("is not a regular file (a device, FIFO or socket)")
    if info.st_size > limit:
        raise ValueError(f"is {info.st_size:,} bytes, more than the {limit:,} this reads")
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # grew while we read it
        raise ValueError(f"is more than the {limit:,} bytes this reads")
    return data


def _read_text(path: Path, where: str) -> str:
    try:
        raw = read_regular_file(path, MAX_CSV_BYTES)
    except ValueError as problem:
        raise DatasetError(f"{where} {problem}; expected a CSV file") from None
    except FileNotFoundError:
        raise DatasetError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{where} is a directory, expected a CSV file") from None
    except OSError as error:
        raise DatasetError(f"{where} cannot be read: {error.strerror or error}") from None
    except RecursionError:  # pragma: no cover - paths are not nested
        raise DatasetError(f"{where} cannot be read") from None
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
        raise DatasetError(
            f"{where}, line {line}: column {_quote(column)} has {_quote(text)}, expected a number"
        ) from None
    if not math.isfinite(x):
        raise DatasetError(
            f"{where}, line {line}: column {_quote(column)} has {_quote(text)}, expected a finite number"
        )
    return x


# --- generated two-feature datasets: the shapes TensorFlow Playground and micrograd train on -------
# Each is deterministic for its seed (random.Random), features x1 and x2, label 0 or 1, classes
# alternating row by row so any prefix of the rows holds both.


def _check_generator(name: str, n: int, noise: float) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"{name} needs n to be a whole number of points ≥ 2, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < math.inf:
        raise ValueError(f"{name} needs noise to be a finite number ≥ 0, got {noise!r}")


def _generated(name: str, points: list[tuple[float, float, float]]) -> Dataset:
    # 12 decimals: the same numbers on every platform's libm, and a CSV of them reads back exactly.
    rows = tuple(((round(x1, 12), round(x2, 12)), label) for x1, x2, label in points)
    return Dataset(name=name, feature_names=("x1", "x2"), rows=rows, label_name="label")


def _interleave(
    first: list[tuple[float, float, float]], second: list[tuple[float, float, float]], rng: random.Random, noise: float
) -> list[tuple[float, float, float]]:
    """The two classes' points alternating (then the longer's rest), each moved by Gaussian ``noise``."""
    mixed = [p for pair in zip(first, second) for p in pair]
    longer = first if len(first) > len(second) else second
    mixed += longer[min(len(first), len(second)) :]
    return [(x + rng.gauss(0, noise), y + rng.gauss(0, noise), c) for x, y, c in mixed]


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles (scikit-learn's ``make_moons``): micrograd's demo data.

    Args:
        n: how many points, split evenly between the two moons (label 0: the upper, 1: the lower).
        noise: the standard deviation of Gaussian noise added to each coordinate.
        seed: the seed of the ``random.Random`` that draws the noise.

    Returns:
        A Dataset named ``moons`` with features ``x1``, ``x2`` and label ``label``.

    Raises:
        ValueError: ``n`` is not a whole number ≥ 2 or ``noise`` is not a finite number ≥ 0.
    """
    _check_generator("moons", n, noise)
    rng = random.Random(seed)
    upper, lower = n - n // 2, n // 2
    first = [
        (math.cos(math.pi * i / max(upper - 1, 1)), math.sin(math.pi * i / max(upper - 1, 1)), 0.0)
        for i in range(upper)
    ]
    second = [
        (1 - math.cos(math.pi * i / max(lower - 1, 1)), 0.5 - math.sin(math.pi * i / max(lower - 1, 1)), 1.0)
        for i in range(lower)
    ]
    points = _interleave(first, second, rng, noise)
    return _generated("moons", points)


def circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> Dataset:
    """A small circle inside a large one (scikit-learn's ``make_circles``): label 1 inside, 0 outside.

    Args:
        n: how many points, split evenly between the circles.
        noise: the standard deviation of Gaussian noise added to each coordinate.
        factor: the inner circle's radius relative to the outer's (between 0 and 1).
        seed: the seed of the ``random.Random`` that draws the noise.

    Returns:
        A Dataset named ``circles`` with features ``x1``, ``x2`` and label ``label``.

    Raises:
        ValueError: a bad ``n`` or ``noise``, or ``factor`` outside (0, 1).
    """
    _check_generator("circles", n, noise)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor < 1:
        raise ValueError(f"circles needs factor strictly between 0 and 1, got {factor!r}")
    rng = random.Random(seed)
    outer, inner = n - n // 2, n // 2
    first = [(math.cos(2 * math.pi * i / outer), math.sin(2 * math.pi * i / outer), 0.0) for i in range(outer)]
    second = [
        (factor * math.cos(2 * math.pi * i / inner), factor * math.sin(2 * math.pi * i / inner), 1.0)
        for i in range(inner)
    ]
    points = _interleave(first, second, rng, noise)
    return _generated("circles", points)


def xor(n: int = 100, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Points in the square [-1, 1]², label 1 where x1 and x2 have different signs (TensorFlow Playground's XOR).

    Points keep 0.1 away from the axes, so every label is clear; ``noise`` then moves them.

    Args:
        n: how many points (half with label 1).
        noise: the standard deviation of Gaussian noise added to each coordinate after labelling.
        seed: the seed of the ``random.Random`` that places the points.

    Returns:
        A Dataset named ``xor`` with features ``x1``, ``x2`` and label ``label``.

    Raises:
        ValueError: ``n`` is not a whole number ≥ 2 or ``noise`` is not a finite number ≥ 0.
    """
    _check_generator("xor", n, noise)
    rng = random.Random(seed)
    points = []
    for i in range(n):
        label = float(i % 2)  # alternate the classes, as the other generators do
        quadrant = rng.randrange(2)
        sx = 1 if quadrant else -1
        sy = -sx if label else sx
        x1 = sx * (0.1 + 0.9 * rng.random())
        x2 = sy * (0.1 + 0.9 * rng.random())
        points.append((x1 + rng.gauss(0, noise) if noise else x1, x2 + rng.gauss(0, noise) if noise else x2, label))
    return _generated("xor", points)


def spiral(n: int = 100, noise: float = 0.0, turns: float = 1.5, seed: int = 0) -> Dataset:
    """Two interleaved spirals from the centre outward (TensorFlow Playground's hardest set).

    Args:
        n: how many points, split evenly between the two arms (label 0 and 1).
        noise: the standard deviation of Gaussian noise added to each coordinate.
        turns: how many times each arm winds around the centre (> 0).
        seed: the seed of the ``random.Random`` that draws the noise.

    Returns:
        A Dataset named ``spiral`` with features ``x1``, ``x2`` and label ``label``.

    Raises:
        ValueError: a bad ``n`` or ``noise``, or ``turns`` not a finite number > 0.
    """
    _check_generator("spiral", n, noise)
    if isinstance(turns, bool) or not isinstance(turns, (int, float)) or not 0 < turns < math.inf:
        raise ValueError(f"spiral needs turns to be a finite number > 0, got {turns!r}")
    rng = random.Random(seed)
    arms = []
    for label, count in ((0.0, n - n // 2), (1.0, n // 2)):
        arm = []
        for i in range(count):
            radius = (i + 1) / count
            angle = 2 * math.pi * turns * radius + math.pi * label
            arm.append((radius * math.cos(angle), radius * math.sin(angle), label))
        arms.append(arm)
    points = _interleave(*arms, rng, noise)
    return _generated("spiral", points)
