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
from autodiff.datasets import Scaling, read_regular_file
from autodiff.text import terminal
from demos.cli import DemoError

FORMAT = "autodiff-neuron"
VERSION = 1


# model.json is a few hundred bytes per epoch of loss history; anything larger is not ours.
MAX_BYTES = 20_000_000
# At most about this many losses go into model.json (every epoch's for the tutorial's 1000).
LOSS_HISTORY = 100_000


@dataclass(frozen=True)
class SavedModel:
    """What a predictor needs: the feature names, one weight each, the bias and the Pass threshold.

    ``scaling`` is how the features were standardised before training (None if they were not):
    a prediction applies it to the raw inputs first.
    """

    feature_names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5
    scaling: Scaling | None = None

    def neuron(self) -> nn.Neuron:
        """The sigmoid neuron these numbers describe."""
        return nn.Neuron(len(self.weights), "sigmoid", weights=list(self.weights), bias=self.bias)

    def predict(self, features: list[float]) -> tuple[float, str]:
        """The probability of passing for one row of features, and "Pass" or "Fail"."""
        if self.scaling is not None:
            features = list(self.scaling.apply(features))
        inputs = [Value(x, label=name) for x, name in zip(features, self.feature_names)]
        probability = self.neuron()(inputs).data
        return probability, "Pass" if probability >= self.threshold else "Fail"


def to_json(model: nn.Neuron, feature_names: tuple[str, ...], history: History, threshold: float = 0.5) -> str:
    """The model.json text: weights, bias, threshold, scaling, training settings and every epoch's loss.

    Strict JSON: a nan or inf anywhere is a ValueError here, never a file other programs reject.
    """
    scaling = history.dataset.scaling if history.dataset is not None else None
    losses = history.losses
    every = max(1, -(-len(losses) // LOSS_HISTORY))
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "feature_names": list(feature_names),
        "weights": [w.data for w in model.weights],
        "bias": model.bias.data,
        "threshold": threshold,
        "settings": dict(history.settings),
        "epochs_trained": history.epochs_run,
        "interrupted": history.interrupted,
        "stopped": history.stopped,
        "loss_history": losses[::every] + ([losses[-1]] if (len(losses) - 1) % every else []),
    }
    if every > 1:  # a long run: every k-th epoch's loss (and the last), so the file stays small
        document["loss_history_every"] = every
    if scaling is not None:
        document["standardize"] = {"mean": list(scaling.mean), "spread": list(scaling.spread)}
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


def _quote(value: object, limit: int = 80) -> str:
    """A JSON value for a message: at most a short prefix of it, control characters escaped."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = type(value).__name__
    text = terminal(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _number(document: dict[str, Any], key: str, where: str) -> float:
    value = document[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DemoError(f"{where}: {key!r} must be a finite number, got {_quote(value)}.")
    try:
        number = float(value)  # a 400-digit integer is beyond any float: OverflowError
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise DemoError(f"{where}: {key!r} must be a finite number, got {_quote(value)}.")
    return number


def _numbers(document: dict[str, Any], key: str, count: int, where: str) -> tuple[float, ...]:
    values = document[key]
    if not isinstance(values, list) or len(values) != count:
        raise DemoError(f"{where}: {key!r} must be a list of {count} number(s), one per feature, got {_quote(values)}.")
    return tuple(_number({key: v}, key, where) for v in values)


def parse(text: str, where: str) -> SavedModel:
    """A SavedModel from model.json text; ``where`` (the file name) starts every error sentence."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DemoError(
            f"{where} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    except RecursionError:
        raise DemoError(f"{where} is nested too deeply to be a model.json.") from None
    except ValueError as error:  # an integer of more than 4,300 digits
        raise DemoError(f"{where} holds a number too long to read ({str(error).split(';')[0]}).") from None
    if not isinstance(document, dict):
        raise DemoError(f"{where}: expected a JSON object with weights and bias, got a {type(document).__name__}.")
    missing = [key for key in ("feature_names", "weights", "bias") if key not in document]
    if missing:
        raise DemoError(f"{where} is missing the key(s) {', '.join(repr(k) for k in missing)}.")
    names = document["feature_names"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n and _is_text(n) for n in names):
        raise DemoError(f"{where}: 'feature_names' must be a non-empty list of names, got {_quote(names)}.")
    checked = _numbers(document, "weights", len(names), where)
    bias = _number(document, "bias", where)
    threshold = _number(document, "threshold", where) if "threshold" in document else 0.5
    if not 0.0 < threshold < 1.0:
        raise DemoError(f"{where}: 'threshold' must be between 0 and 1, got {threshold!r}.")
    scaling = None
    if document.get("standardize") is not None:
        given = document["standardize"]
        if not isinstance(given, dict) or not {"mean", "spread"} <= set(given):
            raise DemoError(f"{where}: 'standardize' must hold a 'mean' and a 'spread' list, got {_quote(given)}.")
        mean = _numbers(given, "mean", len(names), where)
        spread = _numbers(given, "spread", len(names), where)
        if any(s <= 0 for s in spread):
            raise DemoError(f"{where}: every 'spread' must be above 0, got {_quote(list(spread))}.")
        scaling = Scaling(mean, spread)
    return SavedModel(tuple(names), checked, bias, threshold, scaling)


def _is_text(name: str) -> bool:
    """True when ``name`` is real text (no lone surrogate from a ``\\ud800`` escape)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def load(path: Path) -> SavedModel:
    """Read and validate a model.json file (a regular file of at most MAX_BYTES)."""
    try:
        raw = read_regular_file(path, MAX_BYTES)
        text = raw.decode("utf-8")
    except ValueError as problem:  # not a regular file, too large (UnicodeDecodeError is one too)
        if isinstance(problem, UnicodeDecodeError):
            raise DemoError(f"{path} is not UTF-8 text; expected a model.json file.") from None
        raise DemoError(f"{path} {problem}; expected a model.json file.") from None
    except FileNotFoundError:
        raise DemoError(f"{path} does not exist; train a model first (python -m demos.study_hours).") from None
    except IsADirectoryError:
        raise DemoError(f"{path} is a directory; expected a model.json file.") from None
    except OSError as error:
        raise DemoError(f"cannot read {path}: {error.strerror}.") from None
    return parse(text, str(path))
