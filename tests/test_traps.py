"""Learners' traps and environment faults, each reproduced as first reported and now answered.

What, one group per trap: unscaled CSV features (standardised by default, the scaling carried to
predictions); a saturated sigmoid under binary cross-entropy (noted during training; the
from-logits loss trains right); divergence (stopped with the epoch and what to try, strict JSON,
no raw NumPy warning); long runs (bounded records, every loss kept, progress in a pipe, a warning
up front); command lines (repeated list options add up, no abbreviations, negative numbers in
scientific notation, defaults in --help, the last epoch's loss, the log before the drawing);
standard output that fails (/dev/full, a closed pipe, an ASCII terminal); a read-only disk;
messages kept short and file text printed with control characters escaped.
Why: each of these once cost a learner a silent wrong model, a false message or a traceback.
"""

from __future__ import annotations

import errno
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from demo_process import start_demo

from autodiff import gradcheck, losses, nn, train, training
from autodiff.datasets import STUDY_HOURS, Dataset, load_csv
from demos import check_model, cli, lr_lab, new_dataset, predict, report, study_hours, two_inputs
from demos.cli import run

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
# The README's own CSV format, quiz out of 100 beside attendance out of 1.
QUIZ = "quiz,attendance,passed\n55,0.6,0\n90,0.95,1\n40,0.5,0\n85,0.9,1\n60,0.7,0\n95,0.85,1\n45,0.8,0\n80,0.75,1\n"


def demo(module: str, *argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", f"demos.{module}", *argv],
        cwd=ROOT,
        env=kwargs.pop("env", ENV),  # type: ignore[arg-type]
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,  # type: ignore[arg-type]
    )


# --- 1. unscaled features ------------------------------------------------------------------------


def test_unscaled_csv_is_standardised_and_predict_applies_the_scaling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "grades.csv"
    csv.write_text(QUIZ, encoding="utf-8")
    raw = tmp_path / "raw"
    assert run(new_dataset.main, ["--csv", str(csv), "--no-standardize", "--every", "1000", "--out", str(raw)]) == 0
    raw_text = capsys.readouterr().out
    # The trap as reported: on raw numbers the loss is stuck at 4.0000 and half the students are wrong.
    assert "Last epoch (999), Loss: 4.0000" in raw_text

    out = tmp_path / "scaled"
    assert run(new_dataset.main, ["--csv", str(csv), "--every", "1000", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    verdicts = [line.split()[-2:] for line in text.splitlines() if line.rstrip().endswith(("Pass", "Fail"))]
    assert len(verdicts) == 8 and all(predicted == actual for predicted, actual in verdicts), text
    saved = json.loads((out / "model.json").read_text(encoding="utf-8"))
    mean, spread = saved["standardize"]["mean"], saved["standardize"]["spread"]
    assert mean[0] == pytest.approx(68.75) and mean[1] == pytest.approx(0.75625)

    # demos.predict on raw inputs: the same probability as the formula on standardised ones.
    assert run(predict.main, ["--model", str(out / "model.json"), "--inputs", "90", "0.95"]) == 0
    line = capsys.readouterr().out
    z = sum(w * (x - m) / s for w, x, m, s in zip(saved["weights"], (90, 0.95), mean, spread)) + saved["bias"]
    assert f"probability of passing {1 / (1 + math.exp(-z)):.4f} → Pass" in line


# --- 2. saturation -------------------------------------------------------------------------------


def test_saturation_is_noted_during_training_and_the_logits_loss_is_right() -> None:
    # At z = 30 BCE's clamp gives backward 0.28 where the true slope is 3·sigmoid(30) ≈ 3.
    def bce_through_sigmoid(w: object) -> object:
        return losses.binary_cross_entropy((w * 3.0).sigmoid(), 0.0)  # type: ignore[operator]

    from autodiff import GradcheckError, Value

    w = Value(10.0, label="w")
    bce_through_sigmoid(w).backward()  # type: ignore[attr-defined]
    assert w.grad == pytest.approx(0.2807, abs=1e-4) and 3 / (1 + math.exp(-30)) == pytest.approx(3.0)
    with pytest.raises(GradcheckError):
        gradcheck(bce_through_sigmoid, [Value(10.0, label="w")])
    logits = Value(10.0, label="w")
    losses.binary_cross_entropy_with_logits(logits * 3.0, 0.0).backward()  # type: ignore[union-attr]
    assert logits.grad == pytest.approx(3 / (1 + math.exp(-30)), rel=1e-12)
    model = nn.Neuron(1, "sigmoid", weights=[20.0], bias=0.0)
    history = train(model, STUDY_HOURS, loss=losses.binary_cross_entropy, lr=0.1, epochs=3)
    assert history.notes and "±28" in history.notes[0] and "binary_cross_entropy_with_logits" in history.notes[0]
    assert "epoch 0, row 2" in history.notes[0]  # hours 2: raw score 40
    fine = train(nn.Neuron(1, "sigmoid", weights=[0.1]), STUDY_HOURS, loss=losses.binary_cross_entropy, epochs=5)
    assert not fine.notes


def test_study_hours_lr_100_says_why_and_bce_logits_trains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(study_hours.main, ["--lr", "100", "--every", "1000", "--out", str(tmp_path / "a")]) == 0
    captured = capsys.readouterr()
    assert "note: epoch 0, row 3" in captured.err and "--loss bce-logits" in captured.err
    assert (
        run(study_hours.main, ["--lr", "100", "--loss", "bce-logits", "--every", "1000", "--out", str(tmp_path / "b")])
        == 0
    )
    captured = capsys.readouterr()
    assert "note:" not in captured.err
    verdicts = [line.split()[-2:] for line in captured.out.splitlines() if line.rstrip().endswith(("Pass", "Fail"))]
    assert len(verdicts) == 4 and all(p == a for p, a in verdicts)


# --- 3. divergence -------------------------------------------------------------------------------


def test_exploding_loss_stops_training_with_the_epoch_and_what_to_try() -> None:
    data = Dataset("big", ("x",), (((1000.0,), 1.0), ((2000.0,), 0.0)))
    model = nn.Neuron(1, None, weights=[1.0], bias=0.0)  # linear: squared error can grow without bound
    history = train(model, data, lr=1.0, epochs=100)
    assert (
        history.stopped
        and "training stopped at epoch" in history.stopped
        and "smaller learning rate" in history.stopped
    )
    assert history.epochs_run < 100
    assert all(math.isfinite(v) for v in model.state_dict().values())
    assert model.state_dict() == (history.records[-1].parameters if history.records else history.start)


def strict_json(text: str) -> object:
    def refuse(token: str) -> None:
        raise AssertionError(f"model.json holds {token}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_lr_1e308_writes_no_nan_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for update in ("bce", "hand", "squared"):
        out = tmp_path / update
        status = run(study_hours.main, ["--update", update, "--lr", "1e308", "--out", str(out)])
        err = capsys.readouterr().err
        assert status == 2 and "training stopped at epoch 0" in err and "Traceback" not in err
        assert not (out / "model.json").exists()
    out = tmp_path / "ok"
    assert run(study_hours.main, ["--lr", "100", "--epochs", "50", "--out", str(out)]) == 0
    strict_json((out / "model.json").read_text(encoding="utf-8"))


def test_two_inputs_squared_lr_1e6_leaks_no_warning(tmp_path: Path) -> None:
    result = demo(
        "two_inputs",
        "--update",
        "squared",
        "--lr",
        "1e6",
        "--epochs",
        "20",
        "--every",
        "20",
        "--out",
        str(tmp_path / "o"),
        env={**ENV, "PYTHONWARNINGS": "error"},
    )
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 2), result.stderr


# --- 4. long runs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("update", ["bce", "hand"])
def test_records_stay_bounded_and_every_loss_is_kept(update: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from demos import runs

    monkeypatch.setattr(training, "RECORD_CAP", 16)
    start = runs.Start(weights=(0.1,), epochs=1000)
    history, model = runs.run(update, STUDY_HOURS, start)
    epochs = [r.epoch for r in history.records]
    assert len(epochs) <= 17 and epochs[0] == 0 and epochs[-1] == 999
    stride = epochs[1] - epochs[0]
    assert all(e % stride == 0 for e in epochs[:-1]) and stride >= 64
    assert history.epochs_run == 1000 and len(history.losses) == 1000
    assert history.losses[0] == pytest.approx(1.0155, abs=5e-5)
    assert history.record(999).parameters == model.state_dict()
    assert history.graph(epochs[1]).data > 0  # a kept epoch's graph rebuilds
    with pytest.raises(IndexError):
        history.graph(1)  # a dropped one says so


def test_progress_in_a_pipe_and_a_warning_for_a_long_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "PROGRESS_SECONDS", 0.0)
    monkeypatch.setattr(report, "LONG_RUN_SECONDS", 0.0)
    assert run(study_hours.main, ["--epochs", "200", "--every", "100", "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "training: 200/200 epochs (100%)" in err
    assert "note: 200 epochs will take about" in err and "--epochs" in err
    assert "note: drawing 3 graphs will take about" in err and "--every" in err


# --- 5. command lines ----------------------------------------------------------------------------


def test_lr_lab_keeps_every_lr_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(lr_lab.main, ["--lr", "0.1", "--lr", "0.5", "--epochs", "5", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "loss at lr 0.1" in out and "loss at lr 0.5" in out


def test_check_model_repeated_lists_add_up(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(check_model.main, ["--epochs", "10", "--epochs", "20", "--lr", "0.1"]) == 0
    rows = [line.split()[:2] for line in capsys.readouterr().out.splitlines() if line.startswith("0.1 ")]
    assert ["0.1", "10"] in rows and ["0.1", "20"] in rows


@pytest.mark.parametrize(
    ("argv", "shown"), [(["--hours", "-1e3"], "hours -1000"), (["--hours", "-2E-1"], "hours -0.2")]
)
def test_negative_numbers_in_scientific_notation(
    argv: list[str], shown: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model.json"
    model.write_text(json.dumps({"feature_names": ["hours"], "weights": [1.5], "bias": -3.0}), encoding="utf-8")
    assert run(predict.main, ["--model", str(model), *argv]) == 0
    assert shown in capsys.readouterr().out
    two = tmp_path / "two.json"
    two.write_text(json.dumps({"feature_names": ["a", "b"], "weights": [1.0, 1.0], "bias": 0.0}), encoding="utf-8")
    assert run(predict.main, ["--model", str(two), "--inputs", "1e308", "-1e308"]) == 0


@pytest.mark.parametrize(
    "name", ["study_hours", "two_inputs", "new_dataset", "lr_lab", "check_model", "threshold", "predict"]
)
def test_help_shows_every_default(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib

    module = importlib.import_module(f"demos.{name}")
    with pytest.raises(SystemExit):
        module.main(["--help"])
    text = capsys.readouterr().out
    for flag in ("--epochs", "--lr", "--every", "--out", "--update", "--thresholds"):
        if f"  {flag}" in text:
            block = text[text.index(f"  {flag}") :].split("\n  -")[0]
            assert "default" in block, f"{name} {flag} does not show its default:\n{block}"


def test_log_and_predictions_come_before_the_drawing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import viz

    real = viz.studio
    printed_before: list[str] = []

    def render(*args: object, **kwargs: object) -> object:
        printed_before.append(capsys.readouterr().out)
        return real(*args, **kwargs)

    monkeypatch.setattr(viz, "studio", render)
    assert run(two_inputs.main, ["--epochs", "30", "--out", str(tmp_path / "o")]) == 0
    before = printed_before[0]
    assert "Epoch 0, Loss: 1.3209" in before and "Predictions" in before and "NumPy" in before
    assert "Last epoch (29), Loss:" in before


# --- 8. standard output and the disk --------------------------------------------------------------


def test_stdout_to_dev_full_still_writes_the_files(tmp_path: Path) -> None:
    out = tmp_path / "o"
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "demos.study_hours", "--epochs", "5", "--out", str(out)],
            cwd=ROOT,
            env=ENV,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1 and "No space left on device" in result.stderr
    assert json.loads((out / "model.json").read_text(encoding="utf-8"))["epochs_trained"] == 5


def test_a_closed_pipe_does_not_stop_the_run(tmp_path: Path) -> None:
    """`demo | true`: the reader leaves at once; the run still trains and writes, and says the log was cut."""
    out = tmp_path / "o"
    with start_demo("study_hours", ["--epochs", "300", "--out", str(out)]) as child:  # closes the pipes
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()  # what `| true` does
        err = child.stderr.read()
        child.wait(timeout=300)
    assert "Traceback" not in err, err
    assert child.returncode == 0 and "the reader closed the pipe" in err
    assert json.loads((out / "model.json").read_text(encoding="utf-8"))["epochs_trained"] == 300


def test_an_ascii_terminal_gets_escapes_not_a_traceback(tmp_path: Path) -> None:
    result = demo(
        "study_hours", "--epochs", "2", "--out", str(tmp_path / "o"), env={**ENV, "PYTHONIOENCODING": "ascii"}
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "probability \\u2265 0.5" in result.stdout


def test_read_only_disk_reports_the_real_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from viz import outputs

    real_open, real_unlink = os.open, Path.unlink

    def read_only(*args: object, **kwargs: object) -> int:
        raise OSError(errno.EROFS, "Read-only file system")

    def unlink(self: Path, missing_ok: bool = False) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "open", read_only)
    monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(outputs.OutputError, match="cannot write .*model.json: Read-only file system"):
        outputs.write_text(tmp_path / "model.json", "{}")
    monkeypatch.setattr(os, "open", real_open)
    monkeypatch.setattr(Path, "unlink", real_unlink)


# --- 10. short messages, escaped text --------------------------------------------------------------


def test_control_characters_from_a_file_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "evil.csv"
    csv.write_text("\x1b[2Jquiz,passed\n1,0\n2,0\n3,1\n4,1\n", encoding="utf-8")
    assert load_csv(csv).feature_names == ("\x1b[2Jquiz",)
    assert run(new_dataset.main, ["--csv", str(csv), "--epochs", "2", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[2Jquiz" in out


def test_an_error_quotes_only_a_prefix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.json"
    model.write_text(
        json.dumps({"feature_names": ["hours"], "weights": [1.5] * 2_000_000, "bias": 0}), encoding="utf-8"
    )
    assert run(predict.main, ["--model", str(model), "--hours", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 400 and "characters)" in err


@pytest.mark.parametrize("name", ["check_model", "threshold"])
def test_ctrl_c_in_a_demo_that_writes_nothing_stops_it(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C during training: exit 130 and one sentence, no IndexError, no table computed from half a run."""
    import importlib

    from demos import runs

    real = runs.run

    def interrupted(update: str, dataset: Dataset, start: runs.Start, on_epoch: object = None) -> object:
        def stop(record: object) -> None:
            if on_epoch is not None:
                on_epoch(record)  # type: ignore[operator]
            if record.epoch == 2:  # type: ignore[attr-defined]
                raise KeyboardInterrupt

        return real(update, dataset, start, on_epoch=stop)

    monkeypatch.setattr(runs, "run", interrupted)
    assert run(importlib.import_module(f"demos.{name}").main, []) == 130
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.err.strip().startswith("interrupted (Ctrl-C)")
    assert "Pass" not in captured.out and "flips" not in captured.out.lower()


def test_a_long_runs_model_json_stays_small_enough_to_load(tmp_path: Path) -> None:
    """100,000,000 epochs would make a 2 GB loss list: model.json keeps every k-th loss and the last."""
    from autodiff import EpochRecord, History
    from demos import model_file

    record = EpochRecord(0, 1.0, {"w": 0.1, "b": 0.0}, {"w": 0.0, "b": 0.0})
    history = History(records=[record], settings={}, dataset=STUDY_HOURS)
    history.epoch_losses = [float(i) for i in range(1_000_001)]
    text = model_file.to_json(nn.Neuron(1, "sigmoid", weights=[0.1]), ("hours",), history)
    document = json.loads(text)
    every = document["loss_history_every"]
    assert document["loss_history"][:3] == [0.0, float(every), float(2 * every)]
    assert document["loss_history"][-1] == 1_000_000.0 and document["epochs_trained"] == 1_000_001
    assert len(text) < model_file.MAX_BYTES
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    assert model_file.load(path).weights == (0.1,)
