"""The computation graph of every epoch as SVG, and a player to watch w, b and their gradients change.

``render_epochs(history, out_dir)`` writes ``out_dir/graphs/epoch_0000.svg``, … and
``out_dir/index.html``. Rendering is in-process (see viz.render), about a millisecond or two per
tutorial-sized graph, so every epoch is the default; ``every=N`` keeps epochs 0, N, 2N, … and
always the last one, so the player ends on the trained model.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from autodiff import Constant, Value, topological_order
from viz.graph import draw, fmt
from viz.outputs import prepare_out_dir, write_text
from viz.player import Chart, Frame, write_player

GRAPHS = "graphs"
_EPOCH_FILE = re.compile(r"epoch_\d+\.svg")


class EpochRecordLike(Protocol):
    epoch: int
    loss: float
    parameters: dict[str, float]
    gradients: dict[str, float]


class HistoryLike(Protocol):
    """What render_epochs reads from ``autodiff.training.History``."""

    records: Sequence[EpochRecordLike]
    settings: dict[str, Any]

    def graph(self, epoch: int) -> Value: ...


# A callable(done, total), or a tqdm-like object with update(); typed loosely to accept both.
Progress = Any


def chosen_records(records: Sequence[EpochRecordLike], every: int) -> list[EpochRecordLike]:
    """Every ``every``-th record counting from the first, plus the last one."""
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be a whole number of epochs, 1 or more, got {every!r}")
    chosen = list(records[::every])
    if records and chosen[-1] is not records[-1]:
        chosen.append(records[-1])
    return chosen


def epoch_caption(record: Any, root: Value, metric: str) -> str:
    """The two losses of an epoch, each named: the tutorial's figure and the drawn graph's root."""
    # record.loss is what the tutorial prints (4 decimals, as its log does): the metric summed over
    # the rows, each before its update; the graph shows the objective after the epoch's updates.
    return (
        f"epoch {record.epoch}: Loss {record.loss:.4f} ({metric} summed over the rows during the epoch); "
        f"the graph's root is the objective at the epoch's end, {root.data:.4f}"
    )


def epoch_filename(epoch: int) -> str:
    """``epoch_0042.svg``: zero-padded so files sort in epoch order."""
    return f"epoch_{epoch:04d}.svg"


def _parameter_leaves(root: Value, names: Sequence[str]) -> list[Value]:
    wanted = set(names)
    return [v for v in topological_order(root) if v.is_leaf and not isinstance(v, Constant) and v.label in wanted]


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is None:
        return
    if hasattr(progress, "update"):  # tqdm and friends
        if getattr(progress, "total", None) is None:
            progress.total = total
        progress.update(1)
    else:
        progress(done, total)


def _settings_text(settings: dict[str, Any]) -> str:
    return ", ".join(f"{key} {fmt(value) if isinstance(value, float) else value}" for key, value in settings.items())


class EpochsInterrupted(KeyboardInterrupt):
    """Ctrl-C while drawing epochs: the ones drawn so far have their player at ``player``."""

    def __init__(self, player: Path, last_epoch: int) -> None:
        super().__init__(f"epochs 0–{last_epoch} are drawn; open {player}")
        self.player = player
        self.last_epoch = last_epoch


def render_epochs(
    history: HistoryLike,
    out_dir: str | os.PathLike[str],
    *,
    every: int = 1,
    renderer: str = "wasm",
    progress: Progress | None = None,
    title: str = "The computation graph, epoch by epoch",
    color_by_grad: bool = False,
) -> Path:
    """Write one SVG per chosen epoch under ``out_dir/graphs/`` and a player; return index.html's path.

    ``history``: an ``autodiff.training.History``. ``progress``: called as ``progress(done, total)``
    after each file, or a tqdm-like object whose ``update(1)`` is called. Ctrl-C after the
    first graph writes the player for the epochs drawn and raises ``EpochsInterrupted``.
    """
    records = list(history.records)
    if not records:
        raise ValueError("render_epochs needs a history with at least one epoch, got none")
    chosen = chosen_records(records, every)
    out = prepare_out_dir(out_dir)
    graphs = out / GRAPHS
    frames = []
    written = set()
    settings = dict(getattr(history, "settings", {}) or {})
    metric = settings.get("metric", settings.get("loss", "loss"))
    interrupted = False
    try:
        for done, record in enumerate(chosen, start=1):
            root = history.graph(record.epoch)
            names = list(record.parameters)
            graph = draw(
                root,
                parameters=_parameter_leaves(root, names),
                highlight=(),
                color_by_grad=color_by_grad,
                renderer=renderer,
            )
            filename = epoch_filename(record.epoch)
            write_text(graphs / filename, graph.svg())
            written.add(filename)
            rows = [[name, value, record.gradients.get(name)] for name, value in record.parameters.items()]
            frames.append(
                Frame(
                    svg=f"{GRAPHS}/{filename}",
                    name=f"epoch {record.epoch}",
                    caption=epoch_caption(record, root, metric),
                    rows=rows,
                    x=record.epoch,
                )
            )
            _report(progress, done, len(chosen))
    except KeyboardInterrupt:
        # Ctrl-C: every SVG written so far is whole (write_text), so give them their player.
        if not frames:
            raise
        interrupted = True
    # The directory is ours (prepare_out_dir checked); drop epoch files an earlier run left behind.
    for stale in graphs.iterdir():
        if _EPOCH_FILE.fullmatch(stale.name) and stale.name not in written:
            stale.unlink()
    chart = Chart(
        x=[r.epoch for r in records],
        y=[r.loss for r in records],
        title="loss per epoch",
        xlabel="epoch",
        # record.loss sums the metric (the tutorial prints squared error whatever drives training).
        ylabel=f"{metric} (sum over rows)",
    )
    description = (
        "Each frame is the graph of one epoch, rebuilt with that epoch's parameters after backward(): "
        "parameters are bold blue boxes, data inputs yellow, constants grey. "
        "The table shows each parameter's value and gradient at the end of the epoch."
    )
    if settings:
        description += f" Settings: {_settings_text(settings)}."
    player = write_player(
        out,
        title=title,
        frames=frames,
        chart=chart,
        columns=("parameter", "value", "gradient"),
        description=description,
    )
    if interrupted:
        raise EpochsInterrupted(player, chosen[len(frames) - 1].epoch)
    return player
