"""What the training demos share: train with a progress bar, print the tutorial's log, write the run's files.

Kept here so study_hours, two_inputs and new_dataset print and write the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autodiff import EpochRecord, History, Value, nn
from autodiff.datasets import Dataset
from demos import cli, model_file, runs

FRAMES_AFTER_INTERRUPT = 200


def describe_start(dataset: Dataset, start: runs.Start, update: str, out: Path) -> str:
    """One line saying what is about to be trained and where its files go."""
    weights = ", ".join(f"{w:g}" for w in start.weights)
    return (
        f"Training on {dataset.name} ({len(dataset)} rows): weight{'s' if len(start.weights) > 1 else ''} "
        f"{weights}, bias {start.bias:g}, learning rate {start.learning_rate:g}, {start.epochs} epochs, "
        f"per-row updates, update: {update}; writing into {out}/"
    )


def train_with_progress(
    update: str, dataset: Dataset, start: runs.Start, header: str = ""
) -> tuple[History, nn.Neuron]:
    """``runs.run`` with a tqdm bar on a terminal (none in a pipe or a test).

    ``header`` is printed once the first epoch has finished, so a Ctrl-C any time after it
    appears always leaves at least one epoch to write.
    """
    bar: Any = None

    def on_epoch(record: EpochRecord) -> None:
        nonlocal bar
        if record.epoch == 0:
            if header:
                print(header, flush=True)
            bar = cli.progress_bar(start.epochs, "training")  # after the header, so they don't collide
        if bar is not None:
            bar.update()

    try:
        return runs.run(update, dataset, start, on_epoch=on_epoch)
    finally:
        if bar is not None:
            bar.close()


def print_log(history: History, every: int) -> None:
    """The tutorial's printout: ``Epoch 0, Loss: 1.0155`` every ``every`` epochs, then the final parameters."""
    for record in history.records:
        if record.epoch % every == 0:
            print(f"Epoch {record.epoch}, Loss: {record.loss:.4f}")
    if not history.records:
        return
    parameters = history.records[-1].parameters
    names = list(parameters)
    if len(names) == 2:  # one input: the tutorial's "weight" and "bias"
        print(f"Final weight: {parameters[names[0]]:.4f}, bias: {parameters[names[1]]:.4f}")
    else:
        shown = ", ".join(f"{name}: {value:.4f}" for name, value in list(parameters.items())[:-1])
        print(f"Final {shown}, bias: {parameters[names[-1]]:.4f}")


def predictions(model: nn.Neuron, dataset: Dataset, threshold: float = 0.5) -> list[tuple[float, float, str]]:
    """Each row's raw score, probability and "Pass"/"Fail" from the trained neuron."""
    result = []
    for features, _ in dataset.rows:
        probability = model([Value(x, label=name) for x, name in zip(features, dataset.feature_names)])
        raw = probability.parents[0].data
        result.append((raw, probability.data, "Pass" if probability.data >= threshold else "Fail"))
    return result


def print_predictions(model: nn.Neuron, dataset: Dataset, threshold: float = 0.5) -> None:
    """Each student's probability and Pass/Fail next to what actually happened."""
    print(f"\nPredictions (Pass when probability ≥ {threshold:g}):")
    rows = []
    for (features, actual), (raw, probability, verdict) in zip(dataset.rows, predictions(model, dataset, threshold)):
        rows.append(
            [*(f"{x:g}" for x in features), f"{raw:.4f}", f"{probability:.4f}", verdict, "Pass" if actual else "Fail"]
        )
    print(cli.table([*dataset.feature_names, "raw", "probability", "prediction", "actual"], rows))


@dataclass(frozen=True)
class Written:
    """Where a run's files went."""

    player: Path
    files: list[Path]
    every: int = 1


def write_run(
    history: History,
    model: nn.Neuron,
    out: Path,
    *,
    plot: str,
    every: int = 1,
    title: str = "",
) -> Written:
    """model.json, the loss plot, the fit plot, the index.html studio, then a graph per epoch, into ``out``.

    ``plot`` is "sigmoid_fit" (one input) or "decision_boundary" (two inputs). The cheap files
    and the studio (one file holding every epoch) come first; Ctrl-C while the per-epoch SVGs are
    written keeps those already drawn and raises Interrupted saying where they are.
    """
    import viz
    from viz import plots

    assert history.dataset is not None
    dataset = history.dataset
    files = [viz.write_text(out / "model.json", model_file.to_json(model, dataset.feature_names, history))]
    loss_title = title or f"{dataset.name}: loss per epoch"
    files.append(plots.loss_curve(history.losses, title=loss_title).save(out / "loss.svg"))
    rows = list(dataset.rows)
    if plot == "sigmoid_fit":
        fit = plots.sigmoid_fit(model.weights[0].data, model.bias.data, rows, xlabel=dataset.feature_names[0])
        files.append(fit.save(out / "sigmoid_fit.svg"))
    elif plot == "decision_boundary":
        w1, w2 = (w.data for w in model.weights)
        x_name, y_name = dataset.feature_names
        boundary = plots.decision_boundary(w1, w2, model.bias.data, rows, xlabel=x_name, ylabel=y_name)
        files.append(boundary.save(out / "decision_boundary.svg"))
    if history.interrupted:  # Ctrl-C asked to stop: draw a sample of the epochs, not thousands
        every = max(every, math.ceil(len(history.records) / FRAMES_AFTER_INTERRUPT))
    page = viz.studio(history, title=title or f"{dataset.name}: every epoch, row and step", every=every)
    player = page.save(out / "index.html")
    _render_graphs(page, out, every)
    return Written(player, [*files, player], every)


def train_and_write(
    dataset: Dataset, start: runs.Start, update: str, out_arg: Path, *, every: int, log_every: int
) -> tuple[History, nn.Neuron, Written]:
    """A training demo's run: train with progress, write its files, print the log and predictions.

    The plot follows the inputs: a fitted sigmoid for one, a decision boundary for two.
    """
    out = cli.prepare_out(out_arg)
    history, model = train_with_progress(update, dataset, start, describe_start(dataset, start, update, out))
    if not history.records:
        raise cli.Interrupted(f"no epoch finished, so nothing was written into {out}/.")
    plot = {1: "sigmoid_fit", 2: "decision_boundary"}.get(dataset.n_features, "")
    written = write_run(history, model, out, plot=plot, every=every)
    print()
    print_log(history, log_every)
    print_predictions(model, dataset)
    return history, model, written


def _render_graphs(page: Any, out: Path, every: int) -> list[Path]:
    """The studio's per-epoch SVGs into out/graphs with a progress bar; on Ctrl-C, say what was drawn."""
    epochs = len(page.data["epochs"])
    bar = cli.progress_bar(len(range(0, epochs, every)) + (1 if (epochs - 1) % every else 0), "drawing graphs")
    drawn: list[Path] = []

    def progress(count: int, total: int) -> None:
        if bar is not None:
            bar.update()

    graphs = out / "graphs"
    try:
        drawn = page.write_epoch_svgs(graphs, every=every, progress=progress)
    except KeyboardInterrupt:
        done = sorted(graphs.glob("epoch_*.svg"))
        raise cli.Interrupted(
            f"stopped while drawing graphs ({len(done)} epoch SVG(s) in {graphs}/); the studio for every epoch is "
            f"{out / 'index.html'} (model.json and the plots are in {out}/)."
        ) from None
    finally:
        if bar is not None:
            bar.close()
    # The directory is ours (cli.prepare_out checked): drop epoch files an earlier, longer run left.
    keep = {path.name for path in drawn}
    for stale in graphs.glob("epoch_*.svg"):
        if stale.name not in keep:
            stale.unlink()
    return drawn


def print_written(written: Written, history: History) -> None:
    """The files a run wrote and the studio to open; Interrupted (exit 130) if Ctrl-C cut training short."""
    print("\nWrote:")
    for path in written.files:
        print(f"  {path}")
    print(f"Open the studio in a browser: {written.player}")
    if history.interrupted:
        raise cli.Interrupted(
            f"training stopped after {len(history.records)} epoch(s); model.json, the plots and the graphs "
            f"(every {written.every} epoch(s)) are in {written.player.parent}/ — open the studio {written.player}."
        )
