"""The demos' compiled paths: demos.backprop prints the generated code; study_hours --compiled trains through it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from autodiff.datasets import STUDY_HOURS
from autodiff.training import Recorder
from demos import backprop, cli, runs, study_hours


@pytest.mark.parametrize(
    ("hours", "passed", "weight", "bias"), [(3.0, 1, 0.1, 0.0), (2.0, 0, 0.5, -1.0), (1.0, 0, 4.3, -10.5)]
)
def test_cross_entropy_code_is_the_hand_rule_line_for_line(
    hours: float, passed: int, weight: float, bias: float
) -> None:
    c = backprop.compiled_row(hours, passed, weight, bias, "cross-entropy")
    lines = backprop.backward_lines(c.source)
    # One line per hand-rule line, and one where z = w*hours + b hands the error to w*hours unchanged
    assert [line.split(" = ", 1)[0] for line in lines] == ["d_z", "d_w_hours", "d_b", "d_w"]
    # error, error, error × hours (× 1.0 is no operation at all, so the code leaves it out)
    times_hours = "d_w = d_w_hours" if hours == 1.0 else f"d_w = d_w_hours * {hours!r}"
    assert lines[1:] == ["d_w_hours = d_z", "d_b = d_z", times_hours]
    # d_z is sigmoid(z) − y spelled out: evaluated, it is the hand rule's error to the last bit.
    z = weight * hours + bias
    prediction = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    error = prediction - passed
    _, (d_w, d_b) = c(weight, bias)
    assert (d_w, d_b) == (error * hours, error)


def test_squared_error_code_keeps_the_factor_the_hand_rule_drops() -> None:
    c = backprop.compiled_row(3.0, 1, 0.1, 0.0, "squared")
    _, (d_w, d_b) = c(0.1, 0.0)
    p = 1.0 / (1.0 + math.exp(-0.3))
    assert math.isclose(d_b, 2 * (p - 1.0) * p * (1 - p), rel_tol=1e-15)
    assert math.isclose(d_w, 3.0 * d_b, rel_tol=1e-15)


def test_backprop_demo_prints_both_listings_and_the_match(capsys: pytest.CaptureFixture[str]) -> None:
    assert backprop.main(["--no-animation"]) == 0
    out = capsys.readouterr().out
    code = out.split("The code autodiff.compile writes for this row", 1)[1]
    assert "def squared_row(w, b):" in code and "def cross_entropy_row(w, b):" in code
    assert "# backward: d_v = d L / d v" in code
    assert "hand rule: error = prediction - actual" in code
    assert "the same floats" in code


def test_study_hours_compiled_prints_the_tutorials_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert study_hours.main(["--compiled"]) == 0
    out = capsys.readouterr().out
    assert "Epoch 0, Loss: 1.0155" in out
    assert "Epoch 900, Loss: 0.0291" in out
    assert "Final weight: 4.3019, bias: -10.5080" in out


@pytest.mark.parametrize("update", ["bce", "squared"])
def test_compiled_training_is_the_engines_number_for_number(update: str) -> None:
    start = runs.Start(weights=(0.1,), epochs=200)
    compiled = runs.train_compiled(STUDY_HOURS, start, update)
    engine, _ = runs.run(update, STUDY_HOURS, start)
    for a, b in zip(compiled.records, engine.records, strict=True):
        assert (a.loss, a.parameters, a.gradients) == (b.loss, b.parameters, b.gradients)


def test_a_diverging_compiled_run_stops_as_the_engines_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(cli.DemoError) as compiled:
        study_hours.main(["--compiled", "--lr", "1e308"])
    engine, _ = runs.run("bce", STUDY_HOURS, runs.Start(weights=(0.1,), learning_rate=1e308, epochs=1000))
    assert engine.stopped and str(compiled.value) == engine.stopped
    assert "training stopped at epoch 0: the parameter w reached" in str(compiled.value)
    assert "Epoch" not in capsys.readouterr().out  # no log, no predictions of the untrained model


def test_an_interrupted_compiled_run_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add = Recorder.add

    def add_then_interrupt(self: Recorder, record: object) -> None:
        add(self, record)
        if record.epoch == 2:  # type: ignore[attr-defined]
            raise KeyboardInterrupt  # Ctrl-C after the third epoch

    monkeypatch.setattr(Recorder, "add", add_then_interrupt)
    with pytest.raises(cli.Interrupted, match=r"^training stopped after 3 epoch\(s\); the log above is what finished"):
        study_hours.main(["--compiled"])
    assert "Epoch 0, Loss: 1.0155" in capsys.readouterr().out


def test_the_readmes_generated_code_is_what_compile_writes(capsys: pytest.CaptureFixture[str]) -> None:
    page = Path(__file__).resolve().parents[1] / "docs" / "site-src" / "guide" / "generated-code.md"
    readme = page.read_text(encoding="utf-8")
    section = readme.split("## Generated backward code", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("```python\n", 1)[1].split("```\n```\n", 1)[1].split("```", 1)[0]
    exec(code, {})  # noqa: S102 - the README's own example
    assert capsys.readouterr().out.rstrip("\n") == shown.rstrip("\n")
