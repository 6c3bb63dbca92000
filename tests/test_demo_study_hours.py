"""The main job: the tutorial's printed numbers, recomputed here by hand; its files; refusals; Ctrl-C."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from demos import predict, study_hours
from demos.cli import run

REPO = Path(__file__).resolve().parents[1]
DATA = [(1.0, 0.0), (2.0, 0.0), (3.0, 1.0), (4.0, 1.0)]


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def tutorial_loop(epochs: int, rule: str = "hand", lr: float = 0.1) -> tuple[list[float], float, float]:
    """Page 4 by hand: per-row updates; "hand" is the tutorial's rule, "squared" the squared-error gradient."""
    w, b, losses = 0.1, 0.0, []
    for _ in range(epochs):
        total = 0.0
        for x, y in DATA:
            p = sig(w * x + b)
            total += (y - p) ** 2
            slope = (p - y) if rule == "hand" else 2 * (p - y) * p * (1 - p)
            w, b = w - lr * slope * x, b - lr * slope
        losses.append(total)
    return losses, w, b


def log_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("Epoch ")]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The default settings (1000 epochs), drawing every 100th graph to stay quick."""
    out = tmp_path_factory.mktemp("main") / "study_hours"
    import io
    from contextlib import redirect_stdout

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        assert study_hours.main(["--out", str(out), "--every", "100"]) == 0
    return buffer.getvalue(), out


def test_prints_the_tutorial_log(full_run: tuple[str, Path]) -> None:
    text, _ = full_run
    losses, w, b = tutorial_loop(1000)
    assert log_lines(text) == [f"Epoch {e}, Loss: {losses[e]:.4f}" for e in range(0, 1000, 100)]
    assert log_lines(text)[0] == "Epoch 0, Loss: 1.0155"
    assert f"Final weight: {w:.4f}, bias: {b:.4f}" in text


def test_prints_each_students_prediction(full_run: tuple[str, Path]) -> None:
    text, _ = full_run
    _, w, b = tutorial_loop(1000)
    for x, y in DATA:
        p = sig(w * x + b)
        expected = [f"{x:g}", f"{w * x + b:.4f}", f"{p:.4f}", "Pass" if p >= 0.5 else "Fail", "Pass" if y else "Fail"]
        assert expected in [line.split() for line in text.splitlines()]


def test_shows_the_three_gradients_for_the_first_row(full_run: tuple[str, Path]) -> None:
    text, _ = full_run
    p = sig(0.1 * 1 + 0.0)
    rows = {" ".join(line.split()[:-1]): line for line in text.splitlines()}
    hand = next(line for line in text.splitlines() if line.startswith("hand rule"))
    bce = next(line for line in text.splitlines() if line.startswith("autograd BCE"))
    squared = next(line for line in text.splitlines() if line.startswith("autograd squared"))
    assert f"{(p - 0) * 1:.6f}" in hand and f"{(p - 0) * 1:.6f}" in bce
    assert f"{2 * (p - 0) * p * (1 - p) * 1:.6f}" in squared
    assert rows and "cancels the sigmoid's slope" in text


def test_writes_graphs_studio_plots_and_model(full_run: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    text, out = full_run
    graphs = sorted(p.name for p in (out / "graphs").glob("epoch_*.svg"))
    assert graphs == [f"epoch_{e:04d}.svg" for e in [*range(0, 1000, 100), 999]]
    for name in ("index.html", "loss.svg", "sigmoid_fit.svg", "model.json"):
        assert (out / name).stat().st_size > 0, name
    assert f"Open the studio in a browser: {out / 'index.html'}" in text
    model = json.loads((out / "model.json").read_text(encoding="utf-8"))
    losses, w, b = tutorial_loop(1000)
    assert model["weights"][0] == pytest.approx(w, abs=1e-12) and model["bias"] == pytest.approx(b, abs=1e-12)
    assert model["loss_history"] == pytest.approx(losses, abs=1e-12)
    assert model["settings"]["lr"] == 0.1 and model["settings"]["epochs"] == 1000
    # …and the predictor reads it back
    assert predict.main(["--model", str(out / "model.json"), "--hours", "2.5"]) == 0
    assert f"probability of passing {sig(w * 2.5 + b):.4f} → Pass" in capsys.readouterr().out


@pytest.mark.parametrize("rule", ["hand", "squared"])
def test_other_updates(rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert study_hours.main(["--update", rule, "--epochs", "201", "--every", "200", "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    losses, w, b = tutorial_loop(201, "hand" if rule == "hand" else "squared")
    assert log_lines(text) == [f"Epoch {e}, Loss: {losses[e]:.4f}" for e in (0, 100, 200)]
    assert f"Final weight: {w:.4f}, bias: {b:.4f}" in text
    if rule == "squared":
        assert log_lines(text)[0] != "Epoch 0, Loss: 1.0155"  # its own path from the first row on


def test_lr_and_epochs_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert study_hours.main(["--lr", "0.5", "--epochs", "3", "--out", str(tmp_path / "o")]) == 0
    losses, w, b = tutorial_loop(3, lr=0.5)
    assert log_lines(capsys.readouterr().out) == [f"Epoch 0, Loss: {losses[0]:.4f}"]
    assert len(list((tmp_path / "o" / "graphs").glob("epoch_*.svg"))) == 3


def test_rerun_into_own_dir_and_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    assert study_hours.main(["--epochs", "2", "--out", str(out)]) == 0
    assert study_hours.main(["--epochs", "1", "--out", str(out)]) == 0  # ours: replaced
    assert sorted(p.name for p in (out / "graphs").glob("epoch_*.svg")) == ["epoch_0000.svg"]
    capsys.readouterr()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("mine", encoding="utf-8")
    for target in (a_file, foreign):
        assert run(study_hours.main, ["--epochs", "1", "--out", str(target)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(target) in err
    assert a_file.read_text(encoding="utf-8") == "mine"
    assert [p.name for p in foreign.iterdir()] == ["thesis.tex"]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--epochs", "0"], "argument --epochs: expected a whole number ≥ 1, got '0'"),
        (["--lr", "-1"], "argument --lr"),
        (["--lr", "nan"], "expected a positive finite number, got 'nan'"),
        (["--update", "magic"], "argument --update/--loss: invalid choice: 'magic'"),
    ],
)
def test_bad_arguments_exit_2_in_one_line(argv: list[str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demos.study_hours", *argv], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    # Under PYTHONIOENCODING=ascii the child writes "≥" as the escape \u2265 (what a user's terminal shows).
    assert expected in result.stderr or expected.encode("ascii", "backslashreplace").decode("ascii") in result.stderr


def test_help_lists_the_flags() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demos.study_hours", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for flag in ("--update", "--epochs", "--lr", "--out", "--every"):
        assert flag in result.stdout


def test_ctrl_c_keeps_usable_partial_output_and_exits_130(tmp_path: Path) -> None:
    out = tmp_path / "o"
    process = subprocess.Popen(
        [sys.executable, "-m", "demos.study_hours", "--epochs", "100000000", "--out", str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # a shell's background job ignores SIGINT and children inherit that; a user's terminal does not
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = process.stdout.readline()  # type: ignore[union-attr]  # printed once epoch 0 is done
        assert first.startswith("Training on study_hours")
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted (Ctrl-C):" in err and str(out / "index.html") in err
    assert "Epoch 0, Loss: 1.0155" in rest
    model = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert model["interrupted"] is True and model["epochs_trained"] >= 1
    svgs = list((out / "graphs").glob("epoch_*.svg"))
    assert svgs and all(p.read_text(encoding="utf-8").rstrip().endswith("</svg>") for p in svgs)
    html = (out / "index.html").read_text(encoding="utf-8")
    studio = json.loads(re.search(r'id="studio-data">(.*?)</script>', html, re.S)[1])
    assert len(studio["epochs"]) == model["epochs_trained"]  # the studio holds every finished epoch
