"""viz.plots: SVG files that parse, carry the tutorial's numbers, and are written whole."""

from __future__ import annotations

import math
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from viz import OutputError
from viz.plots import compare_runs, decision_boundary, loss_curve, loss_curves, sigmoid_fit

STUDY_HOURS = [((1.0,), 0.0), ((2.0,), 0.0), ((3.0,), 1.0), ((4.0,), 1.0)]
STUDY_SLEEP = [((1.0, 5.0), 0.0), ((2.0, 6.0), 0.0), ((3.0, 7.0), 1.0), ((4.0, 8.0), 1.0)]


def texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


class FakeHistory:
    def __init__(self, losses: list[float]) -> None:
        self.losses = losses


def test_loss_curve_one_run_and_several(tmp_path: Path) -> None:
    one = loss_curve([1.0155, 0.9, 0.5], tmp_path / "loss.svg")
    assert "Loss per epoch" in texts(one) and "epoch" in texts(one)
    several = loss_curve([FakeHistory([3, 2, 1]), [2.0, 1.5]], tmp_path / "two.svg", labels=["bce", "squared"])
    assert {"bce", "squared"} <= set(texts(several))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.svg", "two.svg"]  # no temp files left


def test_learning_rate_lab_puts_each_run_on_one_chart(tmp_path: Path) -> None:
    runs = {f"lr {lr}": [math.exp(-lr * k) for k in range(50)] for lr in (0.01, 0.1, 0.5)}
    path = compare_runs(runs, tmp_path / "lab.svg")
    assert {"lr 0.01", "lr 0.1", "lr 0.5"} <= set(texts(path))
    assert ET.parse(path).getroot().tag.endswith("svg")


def test_sigmoid_fit_shows_each_students_probability_and_verdict(tmp_path: Path) -> None:
    # Page 3's worked weights: weight 0.5, bias -1 → hours 3 gives 0.6225, Pass.
    path = sigmoid_fit(0.5, -1.0, STUDY_HOURS, tmp_path / "fit.svg")
    shown = texts(path)
    for hours in (1, 2, 3, 4):
        p = 1 / (1 + math.exp(-(0.5 * hours - 1)))
        assert f"{p:.4g} → {'Pass' if p >= 0.5 else 'Fail'}" in shown
    assert "0.6225 → Pass" in shown and "threshold 0.5" in shown and "decision at x = 2" in shown
    # A stricter threshold moves the decision and flips hours 3 (0.6225 < 0.7) to Fail.
    stricter = texts(sigmoid_fit(0.5, -1.0, [(3.0, 1.0)], tmp_path / "t.svg", threshold=0.7))
    assert "0.6225 → Fail" in stricter and "threshold 0.7" in stricter


def test_decision_boundary_for_two_inputs(tmp_path: Path) -> None:
    path = decision_boundary(0.9, -0.2, -1.0, STUDY_SLEEP, tmp_path / "boundary.svg")
    shown = texts(path)
    assert "p = 0.5" in shown and "passed" in shown and "failed" in shown
    assert any("w1 = 0.9, w2 = -0.2, bias = -1" in t for t in shown)
    decision_boundary(1.0, 0.0, -2.5, STUDY_SLEEP, tmp_path / "vertical.svg")  # w2 = 0: a vertical line
    ET.parse(tmp_path / "vertical.svg")


def test_plots_refuse_bad_rows_thresholds_and_suffixes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="row 2 needs 2 feature"):
        decision_boundary(1, 1, 0, [((1, 2), 0), ((1,), 1)], tmp_path / "x.svg")
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        sigmoid_fit(1, 0, STUDY_HOURS, tmp_path / "x.svg", threshold=1.0)
    with pytest.raises(OutputError, match="expected .svg"):
        loss_curve([1.0, 0.5], tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="one label per run"):
        loss_curve([[1.0], [2.0]], tmp_path / "x.svg", labels=["only one"])
    assert list(tmp_path.iterdir()) == []


def test_png_by_suffix(tmp_path: Path) -> None:
    path = loss_curves({"lr 0.1": [1.0, 0.5]}, tmp_path / "lab.png")
    assert path.read_bytes().startswith(b"\x89PNG\r\n")


def test_plots_never_touch_pyplot(tmp_path: Path) -> None:
    loss_curve([1.0, 0.5], tmp_path / "loss.svg")
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or not pyplot.get_fignums()  # no global figures left open
