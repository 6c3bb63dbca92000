"""The training loop: predict → loss → backward → adjust → repeat, keeping a per-epoch history.

What one epoch records (``EpochRecord``):

- ``loss``: the tutorial's printed "Loss" — the metric (squared error by default) summed over the
  epoch's rows, each row measured *before* that row's update in per-row mode, or before the
  epoch's single update in full-batch mode.
- ``parameters``: every parameter's value at the *end* of the epoch, by label.
- ``gradients``: the gradient of **the epoch's graph** at those parameters.
- ``rows`` (per-row mode): the parameters *before* each row's update, one tuple per row in
  ``History.parameter_names`` order, so a row's forward and backward pass can be replayed exactly
  (the parameters after the last row are ``parameters``). Recorded for every epoch unless the run
  is large (see ``ROW_SNAPSHOTS``), then for an evenly spaced subset that always holds the last.

``History.start`` holds the parameters before any update: the tutorial's w = 0.1, b = 0.0.

**The epoch's graph** is the training objective summed over all rows, evaluated with the
parameters as they stand at the end of the epoch, after backward. ``History.graph(epoch)``
rebuilds it (a fresh graph each call), which is what viz draws for that epoch; its gradients are
exactly ``record.gradients``.
"""

from __future__ import annotations

import copy
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autodiff.datasets import Dataset
from autodiff.losses import squared_error
from autodiff.nn import Module
from autodiff.optim import SGD, Optimizer
from autodiff.value import Value, total

LossFunction = Callable[[Any, float], Any]
MODES = ("per_row", "full_batch")
# At most this many per-row parameter snapshots are kept in a run (4,000 for the tutorial's
# 1000 epochs × 4 rows, so every epoch); a larger run keeps every k-th epoch's rows and the last's.
ROW_SNAPSHOTS = 50_000
_REPR_PARAMETERS = 8  # a History's repr shows at most this many parameters
_CURVE_POINTS = 400  # points in the HTML repr's loss curve


def row_snapshot_stride(epochs: int, n_rows: int, budget: int | None = None) -> int:
    """Keep the rows of every k-th epoch (and the last) so about ``budget`` snapshots at most are kept."""
    return max(1, -(-epochs * max(n_rows, 1) // (budget or ROW_SNAPSHOTS)))


@dataclass(frozen=True)
class EpochRecord:
    """One epoch of training: its summed loss, the parameters at its end and their gradients."""

    epoch: int
    loss: float
    parameters: dict[str, float]
    gradients: dict[str, float]
    rows: tuple[tuple[float, ...], ...] = ()


def inputs_for(features: Sequence[float], names: Sequence[str]) -> list[Value]:
    """A row's features as labelled leaves, so graphs read ``w*hours + b``."""
    return [Value(x, label=name) for x, name in zip(features, names)]


def epoch_objective(model: Module, dataset: Dataset, loss: LossFunction) -> Value:
    """The training objective summed over all rows: the epoch's graph (before backward)."""
    row_losses = [loss(model(inputs_for(features, dataset.feature_names)), target) for features, target in dataset.rows]
    objective = total(row_losses)
    objective.label = "loss"
    return objective


@dataclass
class History:
    """Everything a training run saw, epoch by epoch, and how to redraw each epoch's graph."""

    records: list[EpochRecord]
    settings: dict[str, Any]
    model: Module | None = None
    dataset: Dataset | None = None
    loss: LossFunction | None = None
    interrupted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    start: dict[str, float] = field(default_factory=dict)

    @property
    def losses(self) -> list[float]:
        return [record.loss for record in self.records]

    @property
    def parameter_names(self) -> list[str]:
        return list(self.records[0].parameters) if self.records else []

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, epoch: int) -> EpochRecord:
        return self.records[epoch]

    def graph(self, epoch: int) -> Value:
        """The epoch's graph, rebuilt with that epoch's parameters, backward already run."""
        if self.model is None or self.dataset is None or self.loss is None:
            raise ValueError("this history has no model, dataset and loss to rebuild graphs from")
        if not isinstance(epoch, int) or not 0 <= epoch < len(self.records):
            raise IndexError(f"epoch must be a whole number from 0 to {len(self.records) - 1}, got {epoch!r}")
        model = copy.deepcopy(self.model)
        model.load_state_dict(self.records[epoch].parameters)
        model.zero_grad()
        objective = epoch_objective(model, self.dataset, self.loss)
        objective.backward()
        return objective

    def __repr__(self) -> str:
        """One line: epochs, final loss and parameters (the records stay behind ``.records``)."""
        flag = ", interrupted" if self.interrupted else ""
        losses = self.losses  # every epoch's loss, also where the run keeps fewer full records
        if not losses or not self.records:
            return f"History({len(losses)} epochs{flag})"
        return f"History({len(losses)} epochs, final loss {losses[-1]:.4f}, {self._parameters_text()}{flag})"

    def _parameters_text(self) -> str:
        parameters = self.records[-1].parameters
        names = list(parameters)
        shown = ", ".join(f"{name}={parameters[name]:.4f}" for name in names[:_REPR_PARAMETERS])
        more = f", … {len(names) - _REPR_PARAMETERS} more" if len(names) > _REPR_PARAMETERS else ""
        return shown + more

    def _repr_html_(self) -> str:
        """For Jupyter: a small table (settings, loss and each parameter from start to end) and the loss curve."""
        esc = html.escape
        cell = 'style="padding:1px 10px 1px 0;text-align:left"'
        losses = self.losses
        interrupted = f" of {self.settings.get('epochs')}, interrupted" if self.interrupted else ""
        rows = [("epochs", f"{len(losses)}{interrupted}")]
        how = [str(self.settings[k]) for k in ("mode", "loss", "optimizer") if k in self.settings]
        if "lr" in self.settings:
            how.append(f"lr {self.settings['lr']:g}")
        rows.append(("trained with", ", ".join(how)))
        if losses and self.records:
            rows.append(("loss", f"{losses[0]:.4f} (epoch 0) → {losses[-1]:.4f} (epoch {len(losses) - 1})"))
            parameters = self.records[-1].parameters
            names = list(parameters)
            for name in names[:_REPR_PARAMETERS]:
                start = f"{self.start[name]:.4f} → " if name in self.start else ""
                rows.append((name, f"{start}{parameters[name]:.4f}"))
            if len(names) > _REPR_PARAMETERS:
                rows.append(("…", f"{len(names) - _REPR_PARAMETERS} more parameters"))
        table = "".join(f"<tr><th {cell}>{esc(k)}</th><td {cell}>{esc(v)}</td></tr>" for k, v in rows)
        return (
            '<div style="display:flex;gap:24px;align-items:center;font:13px Helvetica,Arial,sans-serif">'
            f"<table>{table}</table>{_loss_svg(losses)}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data (settings, per-epoch loss, parameters and gradients) for JSON."""
        return {
            "settings": dict(self.settings),
            "interrupted": self.interrupted,
            "start": dict(self.start),
            "epochs": [
                {
                    "epoch": r.epoch,
                    "loss": r.loss,
                    "parameters": dict(r.parameters),
                    "gradients": dict(r.gradients),
                }
                for r in self.records
            ],
        }


def _loss_svg(losses: Sequence[float], width: int = 320, height: int = 130) -> str:
    """The loss per epoch as a small inline SVG polyline (at most ~400 points, so any run stays small)."""
    points = [(i, y) for i, y in enumerate(losses) if math.isfinite(y)]
    if len(points) > _CURVE_POINTS:
        step = len(points) / _CURVE_POINTS
        points = [points[int(k * step)] for k in range(_CURVE_POINTS)] + [points[-1]]
    if not points:
        return ""
    left, top, plot_w, plot_h = 44, 8, width - 52, height - 32
    last_epoch = max(len(losses) - 1, 1)
    low, high = min(y for _, y in points), max(y for _, y in points)
    span = (high - low) or 1.0

    def x(i: int) -> float:
        return left + plot_w * i / last_epoch

    def y(v: float) -> float:
        return top + plot_h * (1 - (v / span - low / span))  # divided first: no overflow near 1e308

    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in points)
    text = 'font-size="10" fill="#555"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="loss per epoch">'
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#ccc"/>'
        f'<polyline points="{line}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>'
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" {text}>{high:.3g}</text>'
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" {text}>{low:.3g}</text>'
        f'<text x="{left}" y="{height - 10}" {text}>0</text>'
        f'<text x="{left + plot_w}" y="{height - 10}" text-anchor="end" {text}>{len(losses) - 1}</text>'
        f'<text x="{left + plot_w / 2}" y="{height - 10}" text-anchor="middle" {text}>loss per epoch</text>'
        "</svg>"
    )


def _metric_value(metric: LossFunction, prediction: Value, target: float) -> float:
    return float(metric(prediction.data, target))


def train(
    model: Module,
    dataset: Dataset,
    *,
    loss: LossFunction = squared_error,
    metric: LossFunction = squared_error,
    optimizer: Optimizer | None = None,
    lr: float = 0.1,
    epochs: int = 1000,
    mode: str = "per_row",
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> History:
    """Train ``model`` on ``dataset`` and return its History.

    ``mode="per_row"`` is the tutorial's loop: each row is predicted, its loss backpropagated and
    the parameters updated before the next row. ``mode="full_batch"`` backpropagates the summed
    loss of all rows and updates once per epoch. ``loss`` drives the gradients; ``metric`` is what
    the epoch's ``loss`` figure adds up (the tutorial prints squared error whatever it trains on).
    Without an ``optimizer``, plain ``SGD(model.parameters(), lr)`` is used.

    Ctrl-C stops training where it is: the epochs finished so far are returned, with
    ``history.interrupted`` set, and the model is put back to the end of the last finished epoch
    (its starting values if none finished), so model and history agree.
    """
    if mode not in MODES:
        raise ValueError(f"train mode must be one of {MODES}, got {mode!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"train needs epochs to be a whole number ≥ 1, got {epochs!r}")
    params = model.parameters()
    labels = [p.label for p in params]
    if len(set(labels)) != len(labels):
        raise ValueError(f"every parameter needs its own label to be recorded, got {labels}")
    optimizer = optimizer if optimizer is not None else SGD(params, lr=lr)
    settings = {
        "epochs": epochs,
        "lr": getattr(optimizer, "lr", lr),
        "mode": mode,
        "loss": getattr(loss, "__name__", str(loss)),
        "metric": getattr(metric, "__name__", str(metric)),
        "optimizer": type(optimizer).__name__,
        "dataset": dataset.name,
    }
    start = {p.label: p.data for p in params}
    history = History(records=[], settings=settings, model=model, dataset=dataset, loss=loss, start=start)
    stride = row_snapshot_stride(epochs, len(dataset.rows))
    try:
        for epoch in range(epochs):
            epoch_loss = 0.0
            rows: list[tuple[float, ...]] = []
            keep_rows = mode == "per_row" and (epoch % stride == 0 or epoch == epochs - 1)
            if mode == "per_row":
                for features, target in dataset.rows:
                    if keep_rows:
                        rows.append(tuple([p.data for p in params]))
                    prediction = model(inputs_for(features, dataset.feature_names))
                    epoch_loss += _metric_value(metric, prediction, target)
                    optimizer.zero_grad()
                    loss(prediction, target).backward()
                    optimizer.step()
            else:
                row_losses = []
                for features, target in dataset.rows:
                    prediction = model(inputs_for(features, dataset.feature_names))
                    epoch_loss += _metric_value(metric, prediction, target)
                    row_losses.append(loss(prediction, target))
                optimizer.zero_grad()
                total(row_losses).backward()
                optimizer.step()
            record = _record(epoch, epoch_loss, model, dataset, loss, tuple(rows))
            history.records.append(record)
            if on_epoch is not None:
                on_epoch(record)
    except KeyboardInterrupt:
        history.interrupted = True
        # Ctrl-C may land mid-epoch, after some rows' updates: undo them.
        model.load_state_dict(history.records[-1].parameters if history.records else start)
    return history


def _record(
    epoch: int,
    epoch_loss: float,
    model: Module,
    dataset: Dataset,
    loss: LossFunction,
    rows: tuple[tuple[float, ...], ...] = (),
) -> EpochRecord:
    """The epoch's record: gradients come from the epoch's graph at the end-of-epoch parameters."""
    params = model.parameters()
    saved_grads = [p.grad for p in params]
    model.zero_grad()
    epoch_objective(model, dataset, loss).backward()
    record = EpochRecord(
        epoch=epoch,
        loss=epoch_loss,
        parameters={p.label: p.data for p in params},
        gradients={p.label: p.grad for p in params},
        rows=rows,
    )
    for p, grad in zip(params, saved_grads):
        p.grad = grad  # leave the optimizer's view of the last step as it was
    return record
