"""viz.plots: Figures that show inline, SVG files that parse, carry the tutorial's numbers, and are written whole."""

from __future__ import annotations

import math
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from viz import OutputError
from viz.plots import (
    ANNOTATED_ROWS,
    RASTER_POINTS,
    compare_runs,
    decision_boundary,
    loss_curve,
    loss_curves,
    sigmoid_fit,
)

STUDY_HOURS = [((1.0,), 0.0), ((2.0,), 0.0), ((3.0,), 1.0), ((4.0,), 1.0)]
STUDY_SLEEP = [((1.0, 5.0), 0.0), ((2.0, 6.0), 0.0), ((3.0, 7.0), 1.0), ((4.0, 8.0), 1.0)]


def texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


class FakeHistory:
    def __init__(self, losses: list[float]) -> None:
        self.losses = losses


def test_loss_curve_one_run_and_several(tmp_path: Path) -> None:
    one = tmp_path / "loss.svg"
    loss_curve([1.0155, 0.9, 0.5], one)
    assert "Loss per epoch" in texts(one) and "epoch" in texts(one)
    several = tmp_path / "two.svg"
    loss_curve([FakeHistory([3, 2, 1]), [2.0, 1.5]], several, labels=["bce", "squared"])
    assert {"bce", "squared"} <= set(texts(several))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.svg", "two.svg"]  # no temp files left


def test_learning_rate_lab_puts_each_run_on_one_chart(tmp_path: Path) -> None:
    runs = {f"lr {lr}": [math.exp(-lr * k) for k in range(50)] for lr in (0.01, 0.1, 0.5)}
    path = compare_runs(runs).save(tmp_path / "lab.svg")
    assert {"lr 0.01", "lr 0.1", "lr 0.5"} <= set(texts(path))
    assert ET.parse(path).getroot().tag.endswith("svg")


def test_sigmoid_fit_shows_each_students_probability_and_verdict(tmp_path: Path) -> None:
    # Page 3's worked weights: weight 0.5, bias -1 → hours 3 gives 0.6225, Pass.
    path = sigmoid_fit(0.5, -1.0, STUDY_HOURS).save(tmp_path / "fit.svg")
    shown = texts(path)
    for hours in (1, 2, 3, 4):
        p = 1 / (1 + math.exp(-(0.5 * hours - 1)))
        assert f"{p:.4g} → {'Pass' if p >= 0.5 else 'Fail'}" in shown
    assert "0.6225 → Pass" in shown and "threshold 0.5" in shown and "decision at x = 2" in shown
    # A stricter threshold moves the decision and flips hours 3 (0.6225 < 0.7) to Fail.
    stricter = texts(sigmoid_fit(0.5, -1.0, [(3.0, 1.0)], threshold=0.7).save(tmp_path / "t.svg"))
    assert "0.6225 → Fail" in stricter and "threshold 0.7" in stricter


def test_decision_boundary_for_two_inputs(tmp_path: Path) -> None:
    path = decision_boundary(0.9, -0.2, -1.0, STUDY_SLEEP).save(tmp_path / "boundary.svg")
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
    path = loss_curves({"lr 0.1": [1.0, 0.5]}).save(tmp_path / "lab.png")
    assert path.read_bytes().startswith(b"\x89PNG\r\n")


def test_plots_never_touch_pyplot(tmp_path: Path) -> None:
    loss_curve([1.0, 0.5], tmp_path / "loss.svg")
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or not pyplot.get_fignums()  # no global figures left open


def test_every_plot_is_a_figure_that_shows_inline_as_svg(tmp_path: Path) -> None:
    figures = [
        loss_curve([1.0155, 0.5]),
        compare_runs({"lr 0.1": [1.0, 0.5], "lr 0.5": [1.0, 0.2]}),
        sigmoid_fit(0.5, -1.0, STUDY_HOURS),
        decision_boundary(0.9, -0.2, -1.0, STUDY_SLEEP),
    ]
    for figure in figures:
        assert isinstance(figure, Figure)
        shown = figure._repr_svg_()  # what Jupyter displays
        root = ET.fromstring(shown)
        assert root.tag.endswith("svg") and "max-width:100%" in root.get("style", "")
    assert list(tmp_path.iterdir()) == []  # without a path nothing is written
    given = tmp_path / "fit.svg"
    assert isinstance(sigmoid_fit(0.5, -1.0, STUDY_HOURS, given), Figure)
    assert "0.6225 → Pass" in texts(given)  # with a path the same figure is also saved


def test_sigmoid_fit_draws_a_fixed_number_of_artists_however_many_rows() -> None:
    def artists(n: int) -> tuple[int, int, int]:
        rows = [((float(i % 9),), i % 2) for i in range(n)]
        axes = sigmoid_fit(1.0, -4.0, rows).axes[0]
        return len(axes.texts), len(axes.collections), len(axes.lines)

    few, many = artists(10), artists(200_000)
    assert few[0] == 10  # every row of a small table is labelled with its probability
    assert many[0] == ANNOTATED_ROWS  # a large one only its first rows
    assert many[1:] == few[1:]  # scatter collections and lines do not grow with the rows


def test_sigmoid_fit_rasterizes_many_points_so_the_svg_stays_small(tmp_path: Path) -> None:
    rows = [((float(i % 9),), i % 2) for i in range(RASTER_POINTS * 5)]
    path = sigmoid_fit(1.0, -4.0, rows).save(tmp_path / "fit.svg")
    root = ET.parse(path).getroot()
    uses = list(root.iter("{http://www.w3.org/2000/svg}use"))
    images = list(root.iter("{http://www.w3.org/2000/svg}image"))
    assert len(uses) < 100 and images  # the points are one embedded image, not 20,000 markers


@pytest.mark.parametrize("extreme", [1e308, -1e308, 1.7976931348623157e308])
def test_features_at_the_edge_of_double_range_plot(tmp_path: Path, extreme: float) -> None:
    one = [((extreme,), 1), ((-1e308,), 0), ((3.0,), 1)]
    fit = sigmoid_fit(1.0, 0.0, one).save(tmp_path / "fit.svg")
    assert any("×1e+308" in t for t in texts(fit))  # the axis says its unit
    two = [((extreme, -1e308), 1), ((1.0, 5.0), 0)]
    boundary = decision_boundary(1.0, 1.0, 0.0, two).save(tmp_path / "boundary.svg")
    assert any("×1e+308" in t for t in texts(boundary))
    loss = loss_curve([abs(extreme), 1e307, 0.0]).save(tmp_path / "loss.svg")
    assert any("×1e+308" in t for t in texts(loss))


def test_non_finite_features_are_refused_in_one_sentence() -> None:
    with pytest.raises(ValueError, match="finite numbers for 'hours studied', got inf"):
        sigmoid_fit(1.0, 0.0, [((math.inf,), 1)])


def test_text_that_is_not_utf8_or_not_plain_is_shown_verbatim(tmp_path: Path) -> None:
    # A CSV whose file name was not UTF-8 gives a dataset name with lone surrogates (os.fsdecode).
    name = os.fsdecode(b"grades_\xff")
    for suffix in ("svg", "png"):
        path = tmp_path / f"{name}.{suffix}"  # the file name too
        loss_curve([1.0, 0.5], path, title=f"{name}: loss per epoch")
        assert path.exists()
    assert "grades_\\xff: loss per epoch" in texts(tmp_path / f"{name}.svg")
    shown = texts(sigmoid_fit(1.0, 0.0, STUDY_HOURS, xlabel="cost $5 and $6\x1b[31m").save(tmp_path / "d.svg"))
    assert "cost $5 and $6\\x1b[31m" in shown  # dollars stay dollars, not mathtext; escapes are visible
