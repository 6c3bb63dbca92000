"""Datasets: the tutorial's two tables, built in, and a loader for your own CSV files."""

from __future__ import annotations

from dataclasses import dataclass

Row = tuple[tuple[float, ...], float]


@dataclass(frozen=True)
class Dataset:
    """Rows of (features, 0/1 label); ``feature_names`` label the inputs in graphs."""

    name: str
    feature_names: tuple[str, ...]
    rows: tuple[Row, ...]
    label_name: str = "passed"

    def __post_init__(self) -> None:
        if not self.rows:
            raise ValueError(f"dataset {self.name!r} has no rows")
        for i, (features, label) in enumerate(self.rows, start=1):
            if len(features) != len(self.feature_names):
                raise ValueError(
                    f"dataset {self.name!r} row {i} has {len(features)} features, "
                    f"expected {len(self.feature_names)} ({', '.join(self.feature_names)})"
                )
            if label not in (0.0, 1.0):
                raise ValueError(f"dataset {self.name!r} row {i} has label {label!r}, expected 0 or 1")

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
