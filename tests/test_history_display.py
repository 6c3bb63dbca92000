"""A History shows itself briefly: a one-line repr, and in Jupyter a small table with the loss curve."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from autodiff import EpochRecord, History, datasets, losses, nn, train

SVG = "{http://www.w3.org/2000/svg}"


def tutorial_history() -> History:
    model = nn.Neuron(1, "sigmoid", weights=[0.1], bias=0.0)
    return train(model, datasets.STUDY_HOURS, loss=losses.binary_cross_entropy, lr=0.1, epochs=1000)


def synthetic(losses_: list[float], n_parameters: int = 2, interrupted: bool = False) -> History:
    names = [f"w{i}" for i in range(n_parameters - 1)] + ["b"]
    records = [
        EpochRecord(epoch=i, loss=loss, parameters={n: float(i) for n in names}, gradients={n: 0.0 for n in names})
        for i, loss in enumerate(losses_)
    ]
    settings = {"epochs": len(losses_) + 5, "lr": 0.1, "mode": "per_row", "loss": "squared_error"}
    return History(records=records, settings=settings, interrupted=interrupted, start={n: 0.0 for n in names})


def test_repr_is_one_short_line_with_the_tutorials_numbers() -> None:
    history = tutorial_history()
    text = repr(history)
    # The tutorial's final weight and bias (hand rule = autograd cross-entropy), and the last epoch's loss.
    last = history.records[-1].loss
    assert text == f"History(1000 epochs, final loss {last:.4f}, w=4.3019, b=-10.5080)"
    assert "\n" not in text and len(text) < 100


def test_repr_of_an_empty_interrupted_or_wide_history_stays_short() -> None:
    assert repr(synthetic([])) == "History(0 epochs)"
    assert repr(synthetic([2.0, 1.0], interrupted=True)).endswith(", interrupted)")
    wide = repr(synthetic([1.0], n_parameters=201))
    assert len(wide) < 200 and "… 193 more" in wide


def test_html_is_a_table_and_a_loss_curve_that_follows_the_losses() -> None:
    history = tutorial_history()
    page = ET.fromstring(history._repr_html_())  # well-formed: every value escaped
    cells = {th.text: td.text for tr in page.iter("tr") for th, td in [tuple(tr)]}
    assert cells["epochs"] == "1000"
    assert cells["loss"].startswith("1.0155 (epoch 0)")  # the tutorial's first printed loss
    assert cells["w"] == "0.1000 → 4.3019" and cells["b"] == "0.0000 → -10.5080"
    assert "binary_cross_entropy" in cells["trained with"] and "lr 0.1" in cells["trained with"]
    line = next(page.iter(f"{SVG}polyline")).get("points", "").split()
    ys = [float(point.split(",")[1]) for point in line]
    assert ys[0] == min(ys)  # epoch 0 has the highest loss: the top of the chart (SVG y grows downward)
    assert ys[-1] == max(ys)  # the final epoch the lowest


def test_html_of_a_long_or_odd_run_stays_small() -> None:
    long_run = synthetic([1.0 / (1 + k) for k in range(100_000)])
    html = long_run._repr_html_()
    points = next(ET.fromstring(html).iter(f"{SVG}polyline")).get("points", "").split()
    assert len(points) <= 401 and len(html) < 20_000
    odd = synthetic([1.7e308, math.inf, math.nan, 1e308, 0.0], interrupted=True)
    page = ET.fromstring(odd._repr_html_())
    points = next(page.iter(f"{SVG}polyline")).get("points", "").split()
    assert len(points) == 3 and all(math.isfinite(float(c)) for p in points for c in p.split(","))
    assert "5 of 10, interrupted" in ET.tostring(page, encoding="unicode")
    assert "<table" in synthetic([])._repr_html_()
