"""Two inputs, a new dataset from CSV, the learning-rate lab, and Ctrl-C while graphs render."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

import viz
from demos import lr_lab, new_dataset, study_hours, two_inputs
from demos.cli import run

SLEEP = [((1.0, 5.0), 0.0), ((2.0, 6.0), 0.0), ((3.0, 7.0), 1.0), ((4.0, 8.0), 1.0)]


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def hand_loop(rows: list, epochs: int, lr: float = 0.1) -> tuple[list[float], list[float], float]:
    """The tutorial's per-row rule for any number of inputs: w_i −= lr × error × x_i, b −= lr × error."""
    weights, bias, losses = [0.1] * len(rows[0][0]), 0.0, []
    for _ in range(epochs):
        total = 0.0
        for xs, y in rows:
            p = sig(sum(w * x for w, x in zip(weights, xs)) + bias)
            total += (y - p) ** 2
            weights = [w - lr * (p - y) * x for w, x in zip(weights, xs)]
            bias -= lr * (p - y)
        losses.append(total)
    return losses, weights, bias


def log_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("Epoch ")]


def test_two_inputs_prints_page_6(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "two"
    assert two_inputs.main(["--out", str(out), "--every", "250"]) == 0
    text = capsys.readouterr().out
    losses, (w1, w2), b = hand_loop(SLEEP, 1000)
    assert log_lines(text) == [f"Epoch {e}, Loss: {losses[e]:.4f}" for e in range(0, 1000, 200)]
    assert log_lines(text)[0] == "Epoch 0, Loss: 1.3209"
    assert f"Final w1: {w1:.4f}, w2: {w2:.4f}, bias: {b:.4f}" in text
    numpy_line = next(line for line in text.splitlines() if line.startswith("NumPy"))
    for (s, z), _ in SLEEP:
        assert f"{sig(w1 * s + w2 * z + b):.4f}" in numpy_line
    for name in ("index.html", "loss.svg", "decision_boundary.svg", "model.json"):
        assert (out / name).is_file(), name
    assert len(list((out / "graphs").glob("epoch_*.svg"))) == 5  # 0, 250, 500, 750, 999
    model = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert model["feature_names"] == ["study", "sleep"]
    assert model["weights"] == pytest.approx([w1, w2], abs=1e-12)


def test_new_dataset_from_the_shipped_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = Path(new_dataset.DEFAULT_CSV)
    lines = csv.read_text(encoding="utf-8").split()
    assert lines[0] == "quiz,attendance,passed" and 8 <= len(lines) - 1 <= 10
    rows = [((float(q), float(a)), float(p)) for q, a, p in (line.split(",") for line in lines[1:])]
    out = tmp_path / "quiz"
    assert new_dataset.main(["--epochs", "101", "--every", "100", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    losses, weights, b = hand_loop(rows, 101)
    assert log_lines(text) == [f"Epoch {e}, Loss: {losses[e]:.4f}" for e in (0, 100)]
    assert f"Final w1: {weights[0]:.4f}, w2: {weights[1]:.4f}, bias: {b:.4f}" in text
    assert (out / "decision_boundary.svg").is_file() and (out / "index.html").is_file()


@pytest.mark.parametrize(
    "content, expected",
    [
        ("quiz,attendance,passed\n3,4,1\n5,x,0\n", "line 3"),
        ("quiz,attendance,passed\n3,4,2\n", "expected 0 or 1"),
        ("", "empty"),
    ],
)
def test_new_dataset_bad_csv_is_one_line_exit_2(
    content: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    assert run(new_dataset.main, ["--csv", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and "bad.csv" in err
    assert not (tmp_path / "o").exists()  # nothing made for a file we could not read


def test_new_dataset_one_feature_gets_a_sigmoid_fit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hours.csv"
    path.write_text("hours,passed\n1,0\n2,0\n3,1\n4,1\n", encoding="utf-8")
    assert new_dataset.main(["--csv", str(path), "--epochs", "1", "--out", str(tmp_path / "o")]) == 0
    assert "Epoch 0, Loss: 1.0155" in capsys.readouterr().out
    assert (tmp_path / "o" / "sigmoid_fit.svg").is_file()


def test_lr_lab_three_rates_on_one_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lab"
    assert lr_lab.main(["--epochs", "101", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    rows = [((1.0,), 0.0), ((2.0,), 0.0), ((3.0,), 1.0), ((4.0,), 1.0)]
    table = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.split()}
    for i, lr in enumerate((0.01, 0.1, 0.5)):
        losses, (w,), b = hand_loop(rows, 101, lr)
        assert table["0"][i] == f"{losses[0]:.4f}" and table["100"][i] == f"{losses[100]:.4f}"
        assert table[f"{lr:g}"] == [f"{w:.4f}", f"{b:.4f}"]
    assert table["0"][1] == "1.0155"
    svg = (out / "lr_lab.svg").read_text(encoding="utf-8")
    assert all(f"lr {lr:g}" in svg for lr in (0.01, 0.1, 0.5))


def test_ctrl_c_while_drawing_keeps_the_studio_and_the_drawn_epochs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = viz.Studio.write_epoch_svgs
    calls = []

    def interrupted(self, out, every=1, progress=None):  # type: ignore[no-untyped-def]
        calls.append(len(self.data["epochs"]))

        def stop_after_three(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)
            if done == 3:
                raise KeyboardInterrupt

        return real(self, out, every=every, progress=stop_after_three)

    monkeypatch.setattr(viz.Studio, "write_epoch_svgs", interrupted)
    out = tmp_path / "o"
    assert run(study_hours.main, ["--epochs", "50", "--every", "10", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "stopped while drawing graphs (3 epoch SVG(s)" in err and str(out / "index.html") in err
    assert calls == [50]
    html = (out / "index.html").read_text(encoding="utf-8")
    drawn = sorted(p.name for p in (out / "graphs").glob("epoch_*.svg"))
    assert drawn == ["epoch_0000.svg", "epoch_0010.svg", "epoch_0020.svg"]
    assert len(json.loads(re.search(r'id="studio-data">(.*?)</script>', html, re.S)[1])["epochs"]) == 50
    assert json.loads((out / "model.json").read_text(encoding="utf-8"))["epochs_trained"] == 50
