"""model.json: a trained neuron's weights, bias and training record as plain JSON, validated on load.

Loading never executes anything: the file is parsed with ``json`` and every field is checked for
its type, so a hand-edited or truncated file gets one sentence naming the key and what was expected.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autodiff import History, Value, nn
from demos.cli import DemoError

FORMAT = "autodiff-neuron"
VERSION = 1


@dataclass(frozen=True)
class SavedModel:
    """What a predictor needs: the feature names, one weight each, the bias and the Pass threshold."""

    feature_names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5

    def neuron(self) -> nn.Neuron:
        """The sigmoid neuron these numbers describe."""
        return nn.Neuron(len(self.weights), "sigmoid", weights=list(self.weights), bias=self.bias)

    def predict(self, features: list[float]) -> tuple[float, str]:
        """The probability of passing for one row of features, and "Pass" or "Fail"."""
        inputs = [Value(x, label=name) for x, name in zip(features, self.feature_names)]
        probability = self.neuron()(inputs).data
        return probability, "Pass" if probability >= self.threshold else "Fail"


def to_json(model: nn.Neuron, feature_names: tuple[str, ...], history: History, threshold: float = 0.5) -> str:
    """The model.json text: weights, bias, threshold, training settings and the loss of every epoch."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "feature_names": list(feature_names),
        "weights": [w.data for w in model.weights],
        "bias": model.bias.data,
        "threshold": threshold,
        "settings": dict(history.settings),
        "epochs_trained": len(history.records),
        "interrupted": history.interrupted,
        "loss_history": history.losses,
    }
    return json.dumps(document, indent=2) + "\n"


def _number(document: dict[str, Any], key: str, where: str) -> float:
    value = document[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DemoError(f"{where}: {key!r} must be a finite number, got {json.dumps(value)}.")
    return float(value)


def parse(text: str, where: str) -> SavedModel:
    """A SavedModel from model.json text; ``where`` (the file name) starts every error sentence."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DemoError(
            f"{where} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    if not isinstance(document, dict):
        raise DemoError(f"{where}: expected a JSON object with weights and bias, got a {type(document).__name__}.")
    missing = [key for key in ("feature_names", "weights", "bias") if key not in document]
    if missing:
        raise DemoError(f"{where} is missing the key(s) {', '.join(repr(k) for k in missing)}.")
    names = document["feature_names"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise DemoError(f"{where}: 'feature_names' must be a non-empty list of names, got {json.dumps(names)}.")
    weights = document["weights"]
    if not isinstance(weights, list) or len(weights) != len(names):
        raise DemoError(
            f"{where}: 'weights' must be a list of {len(names)} number(s), one per feature, got {json.dumps(weights)}."
        )
    checked = tuple(_number({"weights": w}, "weights", where) for w in weights)
    bias = _number(document, "bias", where)
    threshold = _number(document, "threshold", where) if "threshold" in document else 0.5
    if not 0.0 < threshold < 1.0:
        raise DemoError(f"{where}: 'threshold' must be between 0 and 1, got {threshold!r}.")
    return SavedModel(tuple(names), checked, bias, threshold)


def load(path: Path) -> SavedModel:
    """Read and validate a model.json file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DemoError(f"{path} does not exist; train a model first (python -m demos.study_hours).") from None
    except IsADirectoryError:
        raise DemoError(f"{path} is a directory; expected a model.json file.") from None
    except UnicodeDecodeError:
        raise DemoError(f"{path} is not UTF-8 text; expected a model.json file.") from None
    except OSError as error:
        raise DemoError(f"cannot read {path}: {error.strerror}.") from None
    return parse(text, str(path))
