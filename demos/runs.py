"""The tutorial's training run three ways: its hand-written rule, autograd + cross-entropy, autograd + squared error.

The hand rule is plain float arithmetic, exactly as the tutorial writes it; the other two train an
``autodiff.nn.Neuron`` with ``autodiff.train``. All three return an ``autodiff.History`` so viz can
draw any of them epoch by epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autodiff import EpochRecord, History, Value, compile, losses, nn, sigmoid, train
from autodiff.datasets import Dataset
from autodiff.training import Recorder, inputs_for

UPDATES = ("hand", "bce", "bce-logits", "squared")
UPDATE_HELP = {
    "hand": "the tutorial's hand-written rule: weight -= lr × error × input (plain floats)",
    "bce": "autograd on binary cross-entropy (reproduces the tutorial's numbers)",
    "bce-logits": "autograd on binary cross-entropy from the raw score (right even when the sigmoid saturates)",
    "squared": "autograd on squared error, the loss the tutorial names (a different path)",
}


def bce_from_raw(probability: Value, target: float) -> Value:
    """Binary cross-entropy of the neuron's output computed from its raw score (the sigmoid's input).

    Same value as binary_cross_entropy(probability, target), but its gradient stays exact when
    |raw| is beyond about 28, where the probability rounds to 0 or 1.
    """
    return losses.binary_cross_entropy_with_logits(probability.parents[0], target)  # type: ignore[return-value]


bce_from_raw.__name__ = "binary_cross_entropy_with_logits"
# What each update backpropagates; the hand rule's graph is drawn as the cross-entropy it follows.
OBJECTIVES = {
    "hand": losses.binary_cross_entropy,
    "bce": losses.binary_cross_entropy,
    "bce-logits": bce_from_raw,
    "squared": losses.squared_error,
}


@dataclass(frozen=True)
class Start:
    """Where training starts and how it steps: the tutorial's w = 0.1, b = 0.0, lr 0.1, 1000 epochs."""

    weights: tuple[float, ...]
    bias: float = 0.0
    learning_rate: float = 0.1
    epochs: int = 1000


def neuron(dataset: Dataset, weights: Sequence[float], bias: float) -> nn.Neuron:
    """A sigmoid neuron with one weight per feature of ``dataset``."""
    return nn.Neuron(dataset.n_features, "sigmoid", weights=list(weights), bias=bias, expanded=True)


def hand_rule(
    dataset: Dataset,
    start: Start,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    on_row: Callable[[int, int], None] | None = None,
) -> History:
    """The tutorial's loop in plain floats: ``error = prediction − actual``; ``w −= lr × error × x``.

    ``loss`` per epoch is the tutorial's printout: the rows' squared errors, each before its update.
    Ctrl-C stops after the current epoch and returns what finished, with ``interrupted`` set.
    """
    weights, bias, lr = list(start.weights), start.bias, start.learning_rate
    template = neuron(dataset, weights, bias)
    labels = [p.label for p in template.weights]
    bias_label = template.bias.label
    settings = {
        "epochs": start.epochs,
        "lr": lr,
        "mode": "per_row",
        "loss": "hand rule (the binary_cross_entropy gradient)",
        "metric": "squared_error",
        "optimizer": "hand-written update",
        "dataset": dataset.name,
    }
    history = History(
        records=[],
        settings=settings,
        model=template,
        dataset=dataset,
        loss=losses.binary_cross_entropy,
        start={**dict(zip(labels, start.weights)), bias_label: start.bias},
    )
    records = history.records
    recorder = Recorder(history, start.epochs, len(dataset.rows), len(weights) + 1)
    try:
        for epoch in range(start.epochs):
            total_loss = 0.0
            rows: list[tuple[float, ...]] = []
            keep_rows = recorder.keep_rows(epoch)
            # The record's gradients: each row's error × input (cross-entropy's gradient), summed.
            grads = [0.0] * len(weights)
            grad_bias = 0.0
            for row, (features, actual) in enumerate(dataset.rows, start=1):
                if row <= keep_rows:
                    rows.append((*weights, bias))
                raw = sum(w * x for w, x in zip(weights, features)) + bias
                prediction = sigmoid(raw)
                total_loss += (actual - prediction) ** 2
                error = prediction - actual
                weights = [w - lr * error * x for w, x in zip(weights, features)]
                bias -= lr * error
                grads = [g + error * x for g, x in zip(grads, features)]
                grad_bias += error
                if on_row is not None:
                    on_row(epoch, row)
            record = EpochRecord(
                epoch=epoch,
                loss=total_loss,
                parameters={**dict(zip(labels, weights)), bias_label: bias},
                gradients={**dict(zip(labels, grads)), bias_label: grad_bias},
                rows=tuple(rows),
            )
            if recorder.diverged(epoch, record.loss, record.parameters, record.gradients):
                break
            recorder.add(record)
            if on_epoch is not None:
                on_epoch(record)
    except KeyboardInterrupt:
        history.interrupted = True
    # The model holds the last finished epoch (Ctrl-C may land mid-epoch, divergence after one).
    template.load_state_dict(records[-1].parameters if records else history.start)
    return history


def run(
    update: str,
    dataset: Dataset,
    start: Start,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    on_row: Callable[[int, int], None] | None = None,
) -> tuple[History, nn.Neuron]:
    """Train with ``update`` ("hand", "bce" or "squared"); the History and the trained neuron."""
    if update not in UPDATES:
        raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
    if update == "hand":
        history = hand_rule(dataset, start, on_epoch, on_row)
        assert history.model is not None
        return history, history.model  # type: ignore[return-value]
    model = neuron(dataset, start.weights, start.bias)
    history = train(
        model,
        dataset,
        loss=OBJECTIVES[update],
        metric=losses.squared_error,
        lr=start.learning_rate,
        epochs=start.epochs,
        mode="per_row",
        on_epoch=on_epoch,
        on_row=on_row,
    )
    return history, model


def train_compiled(dataset: Dataset, start: Start, update: str) -> History:
    """The same per-row training through ``autodiff.compile``: each row's loss graph compiled once, then called.

    The rows' features and labels are baked into their compiled functions; the weights and bias are
    the arguments. Gradients are backward()'s floats, so the run matches ``run(update, …)`` number for
    number. ``hand`` follows the cross-entropy it equals.
    """
    model = neuron(dataset, start.weights, start.bias)
    parameters = model.parameters()
    names = [p.label for p in parameters]
    objective = OBJECTIVES[update]
    predictions = [model(inputs_for(features, dataset.feature_names)) for features, _ in dataset.rows]
    # Per row: the training objective, and the tutorial's printed metric from the same prediction node,
    # so both are the model's own arithmetic (no second formula for the prediction).
    rows = [compile(objective(p, actual), parameters) for p, (_, actual) in zip(predictions, dataset.rows)]
    metrics = [
        compile(losses.squared_error(p, actual), parameters) for p, (_, actual) in zip(predictions, dataset.rows)
    ]
    values = [p.data for p in parameters]
    lr = start.learning_rate
    settings = {
        "epochs": start.epochs,
        "lr": lr,
        "mode": "per_row",
        "loss": getattr(objective, "__name__", update),
        "metric": "squared_error",
        "optimizer": "compiled function, plain SGD",
        "dataset": dataset.name,
    }
    history = History(
        records=[], settings=settings, model=model, dataset=dataset, loss=objective, start=dict(zip(names, values))
    )
    recorder = Recorder(history, start.epochs, len(dataset.rows), len(values))
    try:
        for epoch in range(start.epochs):
            epoch_loss = 0.0
            epoch_gradients = [0.0] * len(values)  # the rows' gradients summed, as train() records them
            snapshots: list[tuple[float, ...]] = []
            keep_rows = recorder.keep_rows(epoch)
            for kept, (row, metric) in enumerate(zip(rows, metrics), start=1):
                if kept <= keep_rows:
                    snapshots.append(tuple(values))
                epoch_loss += metric(*values)[0]  # the row's squared error before its update
                _, gradients = row(*values)
                values = [v - lr * g for v, g in zip(values, gradients)]
                epoch_gradients = [s + g for s, g in zip(epoch_gradients, gradients)]
            record = EpochRecord(
                epoch, epoch_loss, dict(zip(names, values)), dict(zip(names, epoch_gradients)), tuple(snapshots)
            )
            if recorder.diverged(epoch, record.loss, record.parameters, record.gradients):
                break
            recorder.add(record)
    except KeyboardInterrupt:
        history.interrupted = True
    model.load_state_dict(history.records[-1].parameters if history.records else history.start)
    return history


def first_row_gradients(dataset: Dataset, start: Start) -> dict[str, float]:
    """d/dw for the first row at the starting weights: hand rule, autograd BCE, autograd squared error."""
    features, actual = dataset.rows[0]
    raw = sum(w * x for w, x in zip(start.weights, features)) + start.bias
    error = sigmoid(raw) - actual
    gradients = {"hand": error * features[0]}
    for update in ("bce", "squared"):
        model = neuron(dataset, start.weights, start.bias)
        OBJECTIVES[update](model(list(features)), actual).backward()
        gradients[update] = model.weights[0].grad
    return gradients
