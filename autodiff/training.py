"""The training loop: predict → loss → backward → adjust → repeat, keeping a per-epoch history.

Each row's forward and backward pass runs once, as the tutorial's loop runs it; the history keeps
what those passes computed. What one epoch records (``EpochRecord``):

- ``loss``: the tutorial's printed "Loss" — the metric (squared error by default) summed over the
  epoch's rows, each row measured *before* that row's update in per-row mode, or before the
  epoch's single update in full-batch mode.
- ``parameters``: every parameter's value at the *end* of the epoch, by label.
- ``gradients``: every parameter's gradient as the epoch's backward passes computed it, summed
  over the rows: per row, each row's gradient at the parameters that row saw (so with plain SGD
  the epoch moved each parameter by −lr × its gradient); full batch, the gradient of the summed
  loss at the epoch's starting parameters, the one its single update used.
- ``rows`` (per-row mode): the parameters *before* each row's update, one tuple per row in
  ``History.parameter_names`` order, so a row's forward and backward pass can be replayed exactly
  (the parameters after the last row are ``parameters``). Recorded for every epoch unless the run
  is large (see ``ROW_SNAPSHOTS``), then for an evenly spaced subset that always holds the last;
  an epoch of more rows than ``ROW_SNAPSHOTS`` keeps its first ``ROW_SNAPSHOTS`` rows' (a million
  rows of an MLP's 337 parameters would otherwise hold gigabytes).

``History.start`` holds the parameters before any update: the tutorial's w = 0.1, b = 0.0.

**What is kept.** ``History.losses`` holds every epoch's loss (8 bytes each). Full records are
kept for every epoch up to a cap (``RECORD_CAP``, fewer for models with many parameters); past
it, every other one is dropped and the stride doubles, so a run of any length keeps at most the
cap: epochs 0, k, 2k, … and always the latest. ``record.epoch`` is always the true epoch number;
``History.record(epoch)`` finds one.

**When training stops by itself.** A loss, parameter or gradient that is no longer a finite
number, or a loss a million times its first value, stops training after the last good epoch
(the model is put back there) and ``History.stopped`` says at which epoch and what to try.
``History.notes`` carries what is worth knowing but does not stop training: a binary
cross-entropy on a saturated probability (|raw score| beyond about 28), where its clamp makes the
gradient wrong.

**The epoch's graph** is the training objective summed over all rows, evaluated with the
parameters as they stand at the end of the epoch. Training never builds it: ``History.graph(epoch)``
builds it when asked (a fresh graph each call, backward already run), which is what viz draws for
that epoch. Its gradients are those of the whole dataset's loss at the end-of-epoch parameters —
the step full-batch descent would take next — not ``record.gradients``, which the rows computed
along the way.
"""

from __future__ import annotations

import copy
import html
import math
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autodiff.datasets import Dataset, input_label
from autodiff.losses import EPS, binary_cross_entropy, squared_error
from autodiff.nn import Module
from autodiff.optim import SGD, Optimizer
from autodiff.value import Value, total

LossFunction = Callable[[Any, float], Any]
MODES = ("per_row", "full_batch")
# At most this many per-row parameter snapshots are kept in a run (4,000 for the tutorial's
# 1000 epochs × 4 rows, so every epoch); a larger run keeps every k-th epoch's rows and the last's,
# and an epoch of more rows keeps its first this many (of the first and the last epoch).
ROW_SNAPSHOTS = 50_000
# Full records (parameters and gradients) kept in one run at most, and the parameter values they
# may hold together: 10,000 for the tutorial's two parameters, fewer for a 200-column CSV.
RECORD_CAP = 10_000
RECORD_VALUES = 1_000_000
# A loss this many times the first epoch's is taken for divergence.
EXPLODED = 1e6
# A parameter this large has left every useful scale (a sigmoid saturates long before |w·x| = 40).
HUGE_PARAMETER = 1e100
_REPR_PARAMETERS = 8  # a History's repr shows at most this many parameters
_CURVE_POINTS = 400  # points in the HTML repr's loss curve


def row_snapshot_stride(epochs: int, n_rows: int, budget: int | None = None) -> int:
    """Keep the rows of every k-th epoch (and the last) so about ``budget`` snapshots at most are kept.

    Args:
        epochs: the run's number of epochs.
        n_rows: the dataset's rows (one snapshot per row per kept epoch).
        budget: the snapshots to keep at most; None: ``ROW_SNAPSHOTS``.

    Returns:
        k, at least 1: the smallest stride whose epochs' snapshots fit in the budget.
    """
    return max(1, -(-epochs * max(n_rows, 1) // (budget or ROW_SNAPSHOTS)))


@dataclass(frozen=True)
class EpochRecord:
    """One epoch of training: its summed loss, the parameters at its end, the gradients its rows computed.

    ``gradients`` is each parameter's gradient summed over the epoch's backward passes (see the
    module's docstring), not the gradient at the end-of-epoch ``parameters``: that one is
    ``History.graph(epoch)``'s.

    Attributes:
        epoch: the epoch's number, counted from 0 (also when records were thinned).
        loss: the metric summed over the epoch's rows (see the module's docstring).
        parameters: each parameter's value at the end of the epoch, by label.
        gradients: each parameter's gradient, summed over the epoch's backward passes, by label.
        rows: per-row mode: the parameters before each row's update, one tuple per row in
            ``History.parameter_names`` order (the first ``ROW_SNAPSHOTS`` rows of a longer
            epoch); empty when not kept or in full-batch mode.
    """

    epoch: int
    loss: float
    parameters: dict[str, float]
    gradients: dict[str, float]
    rows: tuple[tuple[float, ...], ...] = ()


def inputs_for(features: Sequence[float], names: Sequence[str]) -> list[Value]:
    """A row's features as labelled leaves, so graphs read ``w*hours + b``.

    Args:
        features: the row's numbers.
        names: the dataset's feature names, one per feature (each made a label by ``input_label``).

    Returns:
        One leaf Value per feature, in order.
    """
    return [Value(x, label=input_label(name)) for x, name in zip(features, names)]


def epoch_objective(model: Module, dataset: Dataset, loss: LossFunction) -> Value:
    """The training objective summed over all rows: the epoch's graph (before backward).

    Args:
        model: the model, at the parameters the graph should be built with.
        dataset: the rows to sum the loss over.
        loss: the loss function, ``loss(prediction, target)``.

    Returns:
        The summed loss as one node labelled "loss".
    """
    row_losses = [loss(model(inputs_for(features, dataset.feature_names)), target) for features, target in dataset.rows]
    objective = total(row_losses)
    objective.label = "loss"
    return objective


@dataclass
class History:
    """Everything a training run saw, epoch by epoch, and how to redraw each epoch's graph.

    Attributes:
        records: the full records kept, in epoch order (see the module's docstring for which).
        settings: how the run was set up: epochs, lr, mode, loss, metric, optimizer and dataset.
        model: the model trained (left at its final parameters), if known.
        dataset: the data it was trained on, if known.
        loss: the loss function it was trained with, if known.
        interrupted: True when Ctrl+C ended the run early.
        extra: free-form data a caller attaches to the run; training itself writes none.
        start: each parameter's value before any update, by label.
        stopped: why training stopped before its last epoch (divergence), else None.
        notes: warnings that did not stop training.
        epoch_losses: every epoch's loss, when records were thinned; None reads them from ``records``.
    """

    records: list[EpochRecord]
    settings: dict[str, Any]
    model: Module | None = None
    dataset: Dataset | None = None
    loss: LossFunction | None = None
    interrupted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    start: dict[str, float] = field(default_factory=dict)
    stopped: str | None = None  # why training stopped before its last epoch (divergence), else None
    notes: list[str] = field(default_factory=list)  # warnings that did not stop training
    epoch_losses: Sequence[float] | None = None  # every epoch's loss, when records were thinned

    @property
    def losses(self) -> list[float]:
        """Every epoch's loss, in order (also the epochs whose full record was not kept)."""
        if self.epoch_losses is not None:
            return list(self.epoch_losses)
        return [record.loss for record in self.records]

    @property
    def epochs_run(self) -> int:
        """How many epochs finished (``len(history)`` counts the records kept, which may be fewer)."""
        return len(self.epoch_losses) if self.epoch_losses is not None else len(self.records)

    def record(self, epoch: int) -> EpochRecord:
        """The record of epoch ``epoch``; KeyError if that epoch's record was not kept."""
        for candidate in self._by_epoch(epoch):
            return candidate
        kept = ", ".join(str(r.epoch) for r in self.records[:3])
        raise KeyError(f"epoch {epoch!r}'s record was not kept (kept: {kept}, … {self.records[-1].epoch})")

    def _by_epoch(self, epoch: int) -> list[EpochRecord]:
        import bisect

        i = bisect.bisect_left([r.epoch for r in self.records], epoch)
        return [self.records[i]] if i < len(self.records) and self.records[i].epoch == epoch else []

    @property
    def parameter_names(self) -> list[str]:
        """The parameters' labels, in the order each record holds them (empty when nothing was kept)."""
        return list(self.records[0].parameters) if self.records else []

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, epoch: int) -> EpochRecord:
        return self.records[epoch]

    def graph(self, epoch: int) -> Value:
        """The epoch's graph, built now: the loss over all rows at that epoch's end, backward already run.

        Training never builds this graph; each call builds a fresh one from the record's parameters
        (the model given to ``train`` is left alone). Its parameters' gradients are the whole
        dataset's at the end of the epoch, not ``record.gradients`` (what the rows computed).

        Args:
            epoch: the number of a kept epoch (``History.record`` says which are kept).

        Returns:
            The objective's Value, its label ``"loss"``, every node's ``grad`` filled in.

        Raises:
            ValueError: the History has no model, dataset and loss to build from.
            IndexError: ``epoch`` is not a kept epoch's number.
        """
        if self.model is None or self.dataset is None or self.loss is None:
            raise ValueError("this history has no model, dataset and loss to rebuild graphs from")
        found = self._by_epoch(epoch) if isinstance(epoch, int) and not isinstance(epoch, bool) else []
        if not found:
            last = self.records[-1].epoch if self.records else -1
            raise IndexError(f"epoch must be the number of a kept epoch from 0 to {last}, got {epoch!r}")
        model = copy.deepcopy(self.model)
        model.load_state_dict(found[0].parameters)
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
        """Plain data (settings, per-epoch loss, parameters and the rows' summed gradients) for JSON."""
        return {
            "settings": dict(self.settings),
            "interrupted": self.interrupted,
            "stopped": self.stopped,
            "start": dict(self.start),
            "losses": self.losses,
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


class Recorder:
    """Adds each finished epoch to a History: its loss always, its full record for a bounded subset.

    Also the judge of divergence: ``diverged`` names what went wrong with an epoch, or None.
    Shared by ``train`` and any hand-written loop, so every run is bounded and stopped the same way.

    Args:
        history: the History to fill (its ``epoch_losses`` is started here).
        epochs: the run's number of epochs.
        n_rows: the dataset's rows, which bound the per-row snapshots.
        n_parameters: the model's parameters, which bound how many full records are kept.
    """

    def __init__(self, history: History, epochs: int, n_rows: int, n_parameters: int) -> None:
        self.history = history
        self.epochs = epochs
        history.epoch_losses = array("d")
        self.cap = max(16, min(RECORD_CAP, RECORD_VALUES // max(1, 2 * n_parameters)))
        self.stride = 1  # records kept: epochs that are multiples of this, and the latest
        self.row_stride = row_snapshot_stride(epochs, n_rows)
        self.n_rows = n_rows

    def keep_rows(self, epoch: int) -> int:
        """How many of this epoch's rows, from the first, get a snapshot: 0 for none (ROW_SNAPSHOTS bounds them)."""
        if epoch % self.row_stride == 0 or epoch == self.epochs - 1:
            return min(self.n_rows, ROW_SNAPSHOTS)
        return 0

    def diverged(self, epoch: int, loss: float, parameters: dict[str, float], gradients: dict[str, float]) -> bool:
        """True (with ``history.stopped`` set) when this epoch's numbers show training has blown up."""
        lr = self.history.settings.get("lr")
        what = None
        if not math.isfinite(loss):
            what = f"the loss became {loss}"
        elif any(not math.isfinite(v) for v in parameters.values()):
            name, value = next((k, v) for k, v in parameters.items() if not math.isfinite(v))
            what = f"the parameter {name} became {value}"
        elif any(not math.isfinite(v) for v in gradients.values()):
            name, value = next((k, v) for k, v in gradients.items() if not math.isfinite(v))
            what = f"the gradient of {name} became {value}"
        elif any(abs(v) > HUGE_PARAMETER for v in parameters.values()):
            name, value = next((k, v) for k, v in parameters.items() if abs(v) > HUGE_PARAMETER)
            what = f"the parameter {name} reached {value:.3g}, far beyond any useful size"
        else:
            first = self.history.epoch_losses[0] if self.history.epoch_losses else loss
            if first > 0 and loss > EXPLODED * first:
                what = f"the loss grew to {loss:.3g}, over a million times the first epoch's {first:.3g}"
        if what is None:
            return False
        smaller = f", such as {min(lr / 10, 0.1):g}" if isinstance(lr, (int, float)) else ""
        kept = f"epochs 0–{epoch - 1} are kept" if epoch else "no epoch finished"
        self.history.stopped = (
            f"training stopped at epoch {epoch}: {what}; {kept}. The steps are too large for these numbers: "
            f"try a smaller learning rate{smaller}, or features on a smaller scale (standardised)."
        )
        return True

    def add(self, record: EpochRecord) -> None:
        """Keep ``record``'s loss; keep the record itself while it is the latest or on the stride."""
        records = self.history.records
        self.history.epoch_losses.append(record.loss)  # type: ignore[union-attr]
        if records and records[-1].epoch % self.stride and records[-1].epoch != 0:
            records.pop()  # kept only because it was the latest epoch
        records.append(record)
        if len(records) > self.cap:
            self.stride *= 2
            kept = [r for r in records if r.epoch % self.stride == 0]
            if kept[-1] is not record:
                kept.append(record)
            records[:] = kept

    def saturated(self, epoch: int, row: int, probability: float, target: float) -> None:
        """Note (once per run) a confidently wrong probability where binary cross-entropy's clamp bites."""
        if probability * (1.0 - probability) >= EPS or abs(probability - target) <= 0.5 or self.history.notes:
            return
        self.history.notes.append(
            f"epoch {epoch}, row {row}: the probability is {probability:.6g} for a target of {target:g}, so the "
            f"raw score is beyond about ±28, where binary_cross_entropy's clamp makes its gradient wrong (far too "
            f"small); train from the raw score with binary_cross_entropy_with_logits, or take smaller steps."
        )


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


@dataclass
class _Epoch:
    """What one epoch's rows computed: the printed loss, each parameter's summed gradient, the snapshots."""

    loss: float
    gradients: list[float]
    rows: list[tuple[float, ...]]


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
    on_row: Callable[[int, int], None] | None = None,
) -> History:
    """Train ``model`` on ``dataset`` and return its History.

    ``mode="per_row"`` is the tutorial's loop: each row is predicted, its loss backpropagated and
    the parameters updated before the next row. ``mode="full_batch"`` backpropagates the summed
    loss of all rows and updates once per epoch. ``loss`` drives the gradients; ``metric`` is what
    the epoch's ``loss`` figure adds up (the tutorial prints squared error whatever it trains on).
    Without an ``optimizer``, plain ``SGD(model.parameters(), lr)`` is used.

    Each row's forward and backward pass runs once: the history keeps what those passes computed
    (see ``EpochRecord``), and ``History.graph(epoch)`` builds an epoch's whole-data graph only
    when asked.

    Ctrl-C stops training where it is: the epochs finished so far are returned, with
    ``history.interrupted`` set, and the model is put back to the end of the last finished epoch
    (its starting values if none finished), so model and history agree. Divergence (a non-finite
    or exploding loss) stops it the same way, with ``history.stopped`` saying why.

    Args:
        model: the network to train; its parameters are updated in place.
        dataset: the rows of (features, target) to learn from.
        loss: the loss function ``loss(prediction, target)`` that backward() differentiates.
        metric: the per-row figure summed into each epoch's printed loss.
        optimizer: the update rule; ``SGD(model.parameters(), lr)`` when None.
        lr: the learning rate of the default SGD.
        epochs: how many passes over the dataset, a whole number ≥ 1.
        mode: ``"per_row"`` (the tutorial) or ``"full_batch"``.
        on_epoch: called with each finished epoch's record.
        on_row: called after each row with (epoch, rows done in it): where a long epoch is, for
            progress (a million rows take minutes per epoch).

    Returns:
        The run's History.

    Raises:
        ValueError: for an unknown mode, epochs that are not a whole number ≥ 1, or two
            parameters with the same label.
    """
    if mode not in MODES:
        raise ValueError(f"train mode must be one of {MODES}, got {mode!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"train needs epochs to be a whole number ≥ 1, got {epochs!r}")
    params = model.parameters()
    labels = [p.label for p in params]
    if len(set(labels)) != len(labels):
        raise ValueError(f"every parameter needs its own label to be recorded, got {labels}")
    if bad := next((p for p in params if not math.isfinite(p.data)), None):  # not the learning rate's fault
        raise ValueError(f"parameter {bad.label} starts at {bad.data}; training needs finite starting numbers")
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
    recorder = Recorder(history, epochs, len(dataset.rows), len(params))
    run_epoch = _per_row_epoch if mode == "per_row" else _full_batch_epoch
    try:
        for epoch in range(epochs):
            done = run_epoch(model, dataset, loss, metric, optimizer, recorder, epoch, on_row)
            record = EpochRecord(
                epoch=epoch,
                loss=done.loss,
                parameters={p.label: p.data for p in params},
                gradients=dict(zip(labels, done.gradients)),
                rows=tuple(done.rows),
            )
            if recorder.diverged(epoch, record.loss, record.parameters, record.gradients):
                model.load_state_dict(history.records[-1].parameters if history.records else start)
                break
            recorder.add(record)
            if on_epoch is not None:
                on_epoch(record)
    except KeyboardInterrupt:
        history.interrupted = True
        # Ctrl-C may land mid-epoch, after some rows' updates: undo them.
        model.load_state_dict(history.records[-1].parameters if history.records else start)
    return history


def _per_row_epoch(
    model: Module,
    dataset: Dataset,
    loss_fn: LossFunction,
    metric: LossFunction,
    optimizer: Optimizer,
    recorder: Recorder,
    epoch: int,
    on_row: Callable[[int, int], None] | None = None,
) -> _Epoch:
    """The tutorial's loop over the rows: predict, loss, backward, update — once per row."""
    params = model.parameters()
    keep_rows = recorder.keep_rows(epoch)
    watch_saturation = loss_fn is binary_cross_entropy
    done = _Epoch(loss=0.0, gradients=[0.0] * len(params), rows=[])
    for row, (features, target) in enumerate(dataset.rows, start=1):
        if row <= keep_rows:
            done.rows.append(tuple([p.data for p in params]))  # the parameters this row sees
        prediction = model(inputs_for(features, dataset.feature_names))
        loss = loss_fn(prediction, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        # Bookkeeping for the history, from numbers this row already computed.
        done.loss += _metric_value(metric, prediction, target)
        done.gradients = [summed + p.grad for summed, p in zip(done.gradients, params)]
        if watch_saturation:
            recorder.saturated(epoch, row, prediction.data, target)
        if on_row is not None:
            on_row(epoch, row)
    return done


def _full_batch_epoch(
    model: Module,
    dataset: Dataset,
    loss_fn: LossFunction,
    metric: LossFunction,
    optimizer: Optimizer,
    recorder: Recorder,
    epoch: int,
    on_row: Callable[[int, int], None] | None = None,
) -> _Epoch:
    """One update for the whole epoch: every row's loss summed, one backward pass, one step."""
    params = model.parameters()
    watch_saturation = loss_fn is binary_cross_entropy
    done = _Epoch(loss=0.0, gradients=[], rows=[])
    row_losses = []
    for row, (features, target) in enumerate(dataset.rows, start=1):
        prediction = model(inputs_for(features, dataset.feature_names))
        row_losses.append(loss_fn(prediction, target))
        done.loss += _metric_value(metric, prediction, target)
        if watch_saturation:
            recorder.saturated(epoch, row, prediction.data, target)
        if on_row is not None:
            on_row(epoch, row)
    loss = total(row_losses)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    done.gradients = [p.grad for p in params]
    return done
