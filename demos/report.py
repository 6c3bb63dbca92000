"""What the training demos share: train with a progress bar, print the tutorial's log, write the run's files.

Kept here so study_hours, two_inputs and new_dataset print and write the same way.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autodiff import EpochRecord, History, Value, nn
from autodiff.datasets import Dataset
from autodiff.text import terminal
from demos import cli, large_data, model_file, runs
from demos.large_data import SHOW_ALL, Limits, first_of
from viz.sample import sample_history

FRAMES_AFTER_INTERRUPT = 200


def describe_start(dataset: Dataset, start: runs.Start, update: str, out: Path) -> str:
    """One line saying what is about to be trained and where its files go."""
    weights = ", ".join(first_of([f"{w:g}" for w in start.weights]))
    epochs = f"{start.epochs} epoch{'s' if start.epochs != 1 else ''}"
    return (
        f"Training on {terminal(dataset.name)} ({len(dataset):,} rows): weight{'s' if len(start.weights) > 1 else ''} "
        f"{weights}, bias {start.bias:g}, learning rate {start.learning_rate:g}, {epochs}, "
        f"per-row updates, update: {update}; writing into {terminal(str(out))}/"
    )


def train_with_progress(
    update: str, dataset: Dataset, start: runs.Start, header: str = ""
) -> tuple[History, nn.Neuron]:
    """``runs.run`` with progress: a tqdm bar on a terminal, a line now and then in a pipe or log.

    ``header`` is printed once the first epoch has finished, so a Ctrl-C any time after it
    appears always leaves at least one epoch to write. A run that will take long says so early,
    with what a smaller one would take. An epoch that runs long (a million rows) says every
    ``cli.PROGRESS_SECONDS`` which of its rows training is at (``large_data.row_progress``).
    """
    bar: Any = None
    began = time.monotonic()
    warned = False

    def on_epoch(record: EpochRecord) -> None:
        nonlocal bar, warned
        if record.epoch == 0:
            if header:
                print(header, flush=True)
            bar = cli.progress_bar(start.epochs, "training")  # after the header, so they don't collide
        if bar is not None:
            bar.update()
        if not warned and record.epoch in _ESTIMATE_AT:
            warned = True
            _warn_if_long(time.monotonic() - began, record.epoch + 1, start.epochs)

    try:
        with large_data.row_progress(dataset, start.epochs, cli.PROGRESS_SECONDS) as on_row:
            return runs.run(update, dataset, start, on_epoch=on_epoch, on_row=on_row)
    finally:
        if bar is not None:
            bar.close()


# Epochs after which the time a run will take is estimated (once): early, and late enough to be fair.
_ESTIMATE_AT = frozenset({99, 999})
LONG_RUN_SECONDS = 60.0


def _warn_if_long(elapsed: float, done: int, epochs: int) -> None:
    """One line on stderr when training will take over a minute, with a run that would not."""
    total = elapsed / done * epochs
    if total < LONG_RUN_SECONDS:
        return
    quick = max(1, int(epochs * LONG_RUN_SECONDS / total / 2))
    print(
        f"note: {epochs:,} epochs will take about {_duration(total)} to train; --epochs {quick:,} would take about "
        f"{_duration(total * quick / epochs)}. Ctrl-C stops early and still writes the epochs done.",
        file=sys.stderr,
        flush=True,
    )


def _warn_if_slow_drawing(first: float, total: int, every: int) -> None:
    """One line on stderr when drawing will take over a minute, with the --every that would not."""
    if first * total < LONG_RUN_SECONDS:
        return
    fewer = max(2, int(LONG_RUN_SECONDS / 2 / max(first, 1e-9)))
    suggested = every * max(2, math.ceil(total / fewer))
    print(
        f"note: drawing {total:,} graphs will take about {_duration(first * total)} ({first:.1f} s each); "
        f"--every {suggested:,} draws about {math.ceil(total * every / suggested):,}. "
        f"Ctrl-C now keeps model.json, the plots and the graphs drawn so far.",
        file=sys.stderr,
        flush=True,
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def report_training(history: History) -> None:
    """What training itself said: divergence (why it stopped early) and saturation, on stderr."""
    for note in history.notes:
        if "binary_cross_entropy_with_logits" in note:
            note += " In these demos: --loss bce-logits."
        print(f"note: {note}", file=sys.stderr, flush=True)
    if history.stopped and history.records:  # with no epoch at all, the error that follows says it
        print(f"note: {history.stopped}", file=sys.stderr, flush=True)


def print_log(history: History, every: int) -> None:
    """The tutorial's printout: ``Epoch 0, Loss: 1.0155`` every ``every`` epochs, then the final parameters."""
    losses = history.losses
    for epoch in range(0, len(losses), every):
        print(f"Epoch {epoch}, Loss: {losses[epoch]:.4f}")
    if not history.records:
        return
    if (len(losses) - 1) % every:  # the tutorial's log skips it; the learner still wants to see where it ended
        print(f"Last epoch ({len(losses) - 1}), Loss: {losses[-1]:.4f}")
    parameters = history.records[-1].parameters
    names = list(parameters)
    if len(names) == 2:  # one input: the tutorial's "weight" and "bias"
        print(f"Final weight: {parameters[names[0]]:.4f}, bias: {parameters[names[1]]:.4f}")
    else:
        shown = ", ".join(first_of([f"{name}: {value:.4f}" for name, value in list(parameters.items())[:-1]]))
        print(f"Final {shown}, bias: {parameters[names[-1]]:.4f}")


def predictions(
    model: nn.Neuron, dataset: Dataset, threshold: float = 0.5, limit: int | None = None
) -> list[tuple[float, float, str]]:
    """Each row's raw score, probability and "Pass"/"Fail" from the trained neuron (the first ``limit`` rows)."""
    result = []
    for features, _ in dataset.rows[:limit]:
        probability = model([Value(x, label=name) for x, name in zip(features, dataset.feature_names)])
        raw = probability.parents[0].data
        result.append((raw, probability.data, "Pass" if probability.data >= threshold else "Fail"))
    return result


def print_predictions(model: nn.Neuron, dataset: Dataset, threshold: float = 0.5, limit: int | None = None) -> None:
    """Each student's probability and Pass/Fail next to what actually happened (the first ``limit`` rows)."""
    print(f"\nPredictions (Pass when probability ≥ {threshold:g}):")
    rows = []
    scaling = dataset.scaling
    shown = dataset.rows[:limit]
    for (features, actual), (raw, probability, verdict) in zip(shown, predictions(model, dataset, threshold, limit)):
        if scaling is not None:  # show the learner's own numbers, not the standardised ones
            features = tuple(x * s + m for x, m, s in zip(features, scaling.mean, scaling.spread))
        rows.append(
            [
                *first_of([f"{x:g}" for x in features], mark="…"),
                *(f"{raw:.4f}", f"{probability:.4f}", verdict, "Pass" if actual else "Fail"),
            ]
        )
    print(cli.table([*first_of(list(dataset.feature_names)), "raw", "probability", "prediction", "actual"], rows))
    if len(shown) < len(dataset.rows):
        print(f"… and {len(dataset.rows) - len(shown):,} more rows, not shown ({len(dataset.rows):,} in all)")


@dataclass(frozen=True)
class Written:
    """Where a run's files went (their final places, once the output is swapped in)."""

    player: Path | None  # the studio page (None: not drawn, see large_data.Limits)
    files: list[Path]
    drawn: int = 0  # how many epochs' graphs were chosen to draw
    partial: str = ""  # drawing was cut short: which epochs are drawn


def write_run(
    history: History,
    model: nn.Neuron,
    out: Path,
    *,
    plot: str,
    every: int = 1,
    title: str = "",
    draw: bool = True,
) -> Written:
    """model.json, the loss plot, the fit plot, the index.html studio, then a graph per chosen epoch, into ``out``.

    ``draw=False`` leaves out the studio and the graphs (a row's graph too large to lay out).

    ``plot`` is "sigmoid_fit" (one input) or "decision_boundary" (two inputs). ``out`` is a
    staging directory (see train_and_write): whatever fails here leaves the previous output alone.
    The studio (one file holding every epoch) comes before the per-epoch SVGs; Ctrl-C while those
    are written keeps the ones drawn (``Written.partial`` says how many).
    """
    import viz
    from viz import plots

    assert history.dataset is not None
    dataset = history.dataset
    files = [viz.write_text(out / "model.json", model_file.to_json(model, dataset.feature_names, history))]
    loss_title = title or f"{dataset.name}: Loss per epoch (the printed number)"
    files.append(plots.loss_curve(history.losses, title=loss_title).save(out / "loss.svg"))
    rows = list(dataset.rows)
    if plot == "sigmoid_fit":
        x_name = f"{dataset.feature_names[0]} (standardised)" if dataset.scaling else dataset.feature_names[0]
        fit = plots.sigmoid_fit(model.weights[0].data, model.bias.data, rows, xlabel=x_name)
        files.append(fit.save(out / "sigmoid_fit.svg"))
    elif plot == "decision_boundary":
        w1, w2 = (w.data for w in model.weights)
        x_name, y_name = (f"{n} (standardised)" if dataset.scaling else n for n in dataset.feature_names)
        boundary = plots.decision_boundary(w1, w2, model.bias.data, rows, xlabel=x_name, ylabel=y_name)
        files.append(boundary.save(out / "decision_boundary.svg"))
    if history.interrupted:  # Ctrl-C asked to stop: draw a sample of the epochs, not thousands
        every = max(every, math.ceil(len(history.records) / FRAMES_AFTER_INTERRUPT))
    if not draw:  # too many inputs to lay out one row's graph: no studio, no graphs (said up front)
        return Written(None, files)
    page = viz.studio(history, title=title or f"{dataset.name}: every epoch, row and step", every=every)
    player = page.save(out / "index.html")
    drawn, partial = _render_graphs(page, out, every)
    return Written(player, [*files, player], drawn, partial)


def train_and_write(
    dataset: Dataset,
    start: runs.Start,
    update: str,
    out_arg: Path,
    *,
    every: int,
    log_every: int,
    after_log: Callable[[History, nn.Neuron], None] | None = None,
    limits: Limits = SHOW_ALL,
) -> tuple[History, nn.Neuron, Written]:
    """A training demo's run: train with progress, print the log and predictions, then write its files.

    The output is built in a staging directory beside ``--out`` and swapped in only when whole
    (viz.outputs.staged_output): Ctrl-C, SIGTERM or a failure while writing leaves the previous
    output as it was, and the message says which of the two ``--out`` now holds. Ctrl-C during
    training writes the epochs done; during drawing, the page for the graphs drawn.
    The plot follows the inputs: a fitted sigmoid for one, a decision boundary for two.
    """
    import viz
    from viz.outputs import staged_output

    stage = staged_output(out_arg)
    try:
        with stage:
            out = stage.out
            viz.render.warm_up_in_background()  # Graphviz loads while the network trains
            history, model = train_with_progress(update, dataset, start, describe_start(dataset, start, update, out))
            report_training(history)
            if not history.records:
                why = history.stopped or "no epoch finished"
                raise cli.Interrupted(f"{why}; {stage.kept()}.") if history.interrupted else cli.DemoError(why)
            what = f"{len(dataset):,} rows × {dataset.n_features:,} features: the log and the files"
            with large_data.heartbeat(what, cli.PROGRESS_SECONDS) if limits.sentence else contextlib.nullcontext():
                print()
                print_log(history, log_every)
                print_predictions(model, dataset, limit=limits.log_rows)
                if after_log is not None:
                    after_log(history, model)
                sys.stdout.flush()
                plot = {1: "sigmoid_fit", 2: "decision_boundary"}.get(dataset.n_features, "")
                shown = sample_history(history, limits.page_rows)
                written = write_run(shown, model, stage.dir, plot=plot, every=every, draw=limits.draw)
    except KeyboardInterrupt:
        raise cli.Interrupted(f"stopped while writing the new output; {stage.kept()}.") from None
    except (OSError, viz.OutputError, viz.RenderError, cli.DemoError) as error:
        if stage.dir == stage.out:  # refused before anything was staged: the refusal says it all
            raise
        message = " ".join(str(error).split()).rstrip(".")
        raise cli.DemoError(f"{message}; {stage.kept()}.") from None
    final = Written(
        written.player and stage.final(written.player),
        [stage.final(f) for f in written.files],
        written.drawn,
        written.partial,
    )
    return history, model, final


def _render_graphs(page: Any, out: Path, every: int) -> tuple[int, str]:
    """The studio's per-epoch SVGs into out/graphs, with a progress bar.

    Returns:
        How many were chosen, and on Ctrl-C how many of them were drawn ("" when all were).
    """
    chosen = page.epoch_svg_count(every)
    bar = cli.progress_bar(chosen, "drawing graphs", unit="graph")
    first_done = 0.0

    def progress(count: int, total: int) -> None:
        nonlocal first_done
        if bar is not None:
            bar.update()
        if count == 1:  # the first graph also loads Graphviz: time the second one
            first_done = time.monotonic()
        elif count == 2:
            _warn_if_slow_drawing(time.monotonic() - first_done, total, every)

    graphs = out / "graphs"
    try:
        page.write_epoch_svgs(graphs, every=every, progress=progress)
        return chosen, ""
    except KeyboardInterrupt:
        drawn = sorted(int(p.stem.split("_")[1]) for p in graphs.glob("epoch_*.svg"))
        if not drawn:
            return chosen, f"no epoch's graph file (of {chosen})"
        return chosen, f"epochs 0–{drawn[-1]} are drawn ({len(drawn)} of {chosen} graph files)"
    finally:
        if bar is not None:
            bar.close()


def print_written(written: Written, history: History) -> None:
    """The files a run wrote and the studio to open; Interrupted (exit 130) if Ctrl-C cut the run short."""
    print("\nWrote:")
    for path in written.files:
        print(f"  {terminal(str(path))}")
    if written.player is not None:
        print(f"Open the studio in a browser: {terminal(str(written.player))}")
    if written.partial:
        raise cli.Interrupted(
            f"stopped while drawing graphs: {written.partial}; the studio holds every epoch: "
            f"open {written.player} (model.json and the plots are in {written.player.parent}/)."
        )
    if history.interrupted:
        raise cli.Interrupted(
            f"training stopped after {history.epochs_run} epoch(s); model.json, the plots and the graphs "
            f"of {written.drawn} of them are in {written.files[0].parent}/"
            + (f" — open the studio {written.player}." if written.player else ".")
        )
