"""The command-line predictor: round-trips an exported model and refuses bad model files in one sentence."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from autodiff import History, nn
from demos import model_file, predict

REPO = Path(__file__).resolve().parents[1]


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def export(path: Path, weights: list[float], bias: float, names: tuple[str, ...]) -> Path:
    model = nn.Neuron(len(weights), weights=weights, bias=bias)
    history = History(records=[], settings={"lr": 0.1})
    path.write_text(model_file.to_json(model, names, history), encoding="utf-8")
    return path


def test_round_trip_one_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = export(tmp_path / "model.json", [0.5], -1.0, ("hours",))
    assert predict.main(["--model", str(path), "--hours", "2.5"]) == 0
    assert (
        capsys.readouterr().out.strip() == f"hours 2.5: probability of passing {sig(0.25):.4f} → Pass (threshold 0.5)"
    )
    assert predict.main(["--model", str(path), "--hours", "2.5", "--threshold", "0.6"]) == 0
    assert "→ Fail (threshold 0.6)" in capsys.readouterr().out


def test_round_trip_two_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = export(tmp_path / "model.json", [0.3, -0.2], 0.1, ("study", "sleep"))
    assert predict.main(["--model", str(path), "--inputs", "3", "7"]) == 0
    p = sig(0.3 * 3 - 0.2 * 7 + 0.1)
    assert capsys.readouterr().out.strip() == f"study 3, sleep 7: probability of passing {p:.4f} → Fail (threshold 0.5)"


def test_saved_fields_are_exact(tmp_path: Path) -> None:
    path = export(tmp_path / "model.json", [4.301868546421153], -10.50801155978499, ("hours",))
    saved = model_file.load(path)
    assert saved.weights == (4.301868546421153,) and saved.bias == -10.50801155978499


BAD_MODELS = {
    "not json": ("{weights: 1", "is not valid JSON"),
    "a list": ("[1, 2]", "expected a JSON object"),
    "missing bias": ('{"feature_names": ["hours"], "weights": [1.0]}', "missing the key(s) 'bias'"),
    "weights a string": ('{"feature_names": ["hours"], "weights": "1.0", "bias": 0}', "'weights' must be a list of 1"),
    "too many weights": ('{"feature_names": ["hours"], "weights": [1, 2], "bias": 0}', "'weights' must be a list of 1"),
    "bias a string": ('{"feature_names": ["hours"], "weights": [1], "bias": "0"}', "'bias' must be a finite number"),
    "bias true": ('{"feature_names": ["hours"], "weights": [1], "bias": true}', "'bias' must be a finite number"),
    "weight NaN": ('{"feature_names": ["hours"], "weights": [NaN], "bias": 0}', "'weights' must be a finite number"),
    "names not strings": ('{"feature_names": [1], "weights": [1], "bias": 0}', "'feature_names' must be"),
    "threshold 2": ('{"feature_names": ["hours"], "weights": [1], "bias": 0, "threshold": 2}', "'threshold' must be"),
    "code": ('{"feature_names": ["hours"], "weights": ["__import__(\'os\')"], "bias": 0}', "must be a finite number"),
}


@pytest.mark.parametrize("case", sorted(BAD_MODELS))
def test_bad_model_file_is_one_sentence_exit_2(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, expected = BAD_MODELS[case]
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    from demos.cli import run

    assert run(predict.main, ["--model", str(path), "--hours", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and str(path) in err


def test_wrong_number_of_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from demos.cli import run

    path = export(tmp_path / "model.json", [0.3, -0.2], 0.1, ("study", "sleep"))
    assert run(predict.main, ["--model", str(path), "--hours", "2"]) == 2
    assert "expects 2 input(s) (study, sleep)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--model", "no/such/model.json", "--hours", "2"], "does not exist"),
        (["--model", "x.json", "--hours", "two"], "expected a number, got 'two'"),
        (["--hours", "2"], "the following arguments are required: --model"),
    ],
)
def test_subprocess_errors_exit_2_without_traceback(argv: list[str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demos.predict", *argv], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and expected in result.stderr


def test_model_file_with_extra_keys_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"feature_names": ["hours"], "weights": [1], "bias": 0, "note": "hi"}), encoding="utf-8")
    assert model_file.load(path).weights == (1.0,)
