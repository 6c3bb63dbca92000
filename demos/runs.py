"""The tutorial's training run three ways: its hand-written rule, autograd + cross-entropy, autograd + squared error.

The hand rule is plain float arithmetic, exactly as the tutorial writes it; the other two train an
``autodiff.nn.Neuron`` with ``autodiff.train``. All three return an ``autodiff.History`` so viz can
draw any of them epoch by epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autodiff import EpochRecord, History, losses, nn, sigmoid, train
from autodiff.datasets import Dataset
from autodiff.training import row_snapshot_stride

UPDATES = ("hand", "bce", "squared")
UPDATE_HELP = {
    "hand": "the tutorial's hand-written rule: weight -= lr × error × input (plain floats)",
    "bce": "autograd on binary cross-entropy (reproduces the tutorial's numbers)",
    "squared": "autograd on squared error, the loss the tutorial names (a different path)",
}
# What each update backpropagates; the hand rule's graph is drawn as the cross-entropy it follows.
OBJECTIVES = {
    "hand": losses.binary_cross_entropy,
    "bce": losses.binary_cross_entropy,
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


def hand_rule(dataset: Dataset, start: Start, on_epoch: Callable[[EpochRecord], None] | None = None) -> History:
    """The tutorial's loop in plain floats: ``error = prediction − actual``; ``w −= lr × error × x``.

    ``loss`` per epoch is the tutorial's printout: the rows' squared errors, each before its update.
    Ctrl-C stops after the current epoch and returns what finished, with ``interrupted`` set.
    """
    weights, bias, lr = list(start.weights), start.bias, start.learning_rate
    template = neuron(dataset, weights, bias)
    labels = [p.label for p in template.weights]
    bias_label = template.bias.label
    records: list[EpochRecord] = []
    interrupted = False
    stride = row_snapshot_stride(start.epochs, len(dataset.rows))
    try:
        for epoch in range(start.epochs):
            total_loss = 0.0
            rows: list[tuple[float, ...]] = []
            keep_rows = epoch % stride == 0 or epoch == start.epochs - 1
            for features, actual in dataset.rows:
                if keep_rows:
                    rows.append((*weights, bias))
                raw = sum(w * x for w, x in zip(weights, features)) + bias
                prediction = sigmoid(raw)
                total_loss += (actual - prediction) ** 2
                error = prediction - actual
                weights = [w - lr * error * x for w, x in zip(weights, features)]
                bias -= lr * error
            # The epoch's graph is cross-entropy summed over the rows; its gradient is Σ error × input.
            grads = [0.0] * len(weights)
            grad_bias = 0.0
            for features, actual in dataset.rows:
                error = sigmoid(sum(w * x for w, x in zip(weights, features)) + bias) - actual
                grads = [g + error * x for g, x in zip(grads, features)]
                grad_bias += error
            record = EpochRecord(
                epoch=epoch,
                loss=total_loss,
                parameters={**dict(zip(labels, weights)), bias_label: bias},
                gradients={**dict(zip(labels, grads)), bias_label: grad_bias},
                rows=tuple(rows),
            )
            records.append(record)
            if on_epoch is not None:
                on_epoch(record)
    except KeyboardInterrupt:
        interrupted = True
    settings = {
        "epochs": start.epochs,
        "lr": lr,
        "mode": "per_row",
        "loss": "hand rule (the binary_cross_entropy gradient)",
        "metric": "squared_error",
        "optimizer": "hand-written update",
        "dataset": dataset.name,
    }
    if records:  # the model holds the last finished epoch (Ctrl-C may land mid-epoch)
        template.load_state_dict(records[-1].parameters)
    return History(
        records=records,
        settings=settings,
        model=template,
        dataset=dataset,
        loss=losses.binary_cross_entropy,
        interrupted=interrupted,
        start={**dict(zip(labels, start.weights)), bias_label: start.bias},
    )


def run(
    update: str, dataset: Dataset, start: Start, on_epoch: Callable[[EpochRecord], None] | None = None
) -> tuple[History, nn.Neuron]:
    """Train with ``update`` ("hand", "bce" or "squared"); the History and the trained neuron."""
    if update not in UPDATES:
        raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
    if update == "hand":
        history = hand_rule(dataset, start, on_epoch)
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
    )
    return history, model


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
