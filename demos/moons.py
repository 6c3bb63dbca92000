"""micrograd's demo on this engine: an MLP 2-16-16-1 learns to tell two moons apart, watched in the network studio.

    python -m demos.moons [--epochs 100] [--lr 0.01] [--mode per_row|full_batch] [--points 100] [--out DIR]

Trains ``nn.MLP(2, [16, 16, 1])`` (relu hidden layers, a plain output, 337 parameters) on
``datasets.moons(100)`` with the tutorial's squared error, printing each epoch's loss and accuracy
as micrograd's notebook does. Writes index.html (the network studio: every neuron's heatmap, the
decision boundary, each row's forward and backward pass neuron by neuron, retraining in the page),
loss.svg and decision_boundary.svg into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from autodiff import nn, train
from autodiff.datasets import Dataset, moons
from autodiff.losses import squared_error
from autodiff.training import EpochRecord, History, inputs_for
from demos import cli, large_data

DEFAULT_OUT = "out/moons"


def accuracy(model: nn.Module, dataset: Dataset, threshold: float = 0.5) -> float:
    """The share of rows whose output falls on their label's side of ``threshold``.

    Args:
        model: the network (its current parameters).
        dataset: the rows to classify.
        threshold: the output at the boundary between the classes.

    Returns:
        A number from 0 to 1.
    """
    right = 0
    for features, label in dataset.rows:
        output = model(inputs_for(features, dataset.feature_names))
        right += (output.data > threshold) == (label > 0.5)  # type: ignore[union-attr]
    return right / len(dataset.rows)


def add_network_args(parser: argparse.ArgumentParser, epochs: int, lr: float, out: str) -> None:
    """The options the network demos share: --epochs, --lr, --mode, --seed and --out.

    Args:
        parser: the demo's parser.
        epochs: the default number of epochs.
        lr: the default learning rate.
        out: the default output directory.
    """
    parser.add_argument("--epochs", type=cli.positive_int, default=epochs, help=f"epochs to train (default: {epochs})")
    parser.add_argument("--lr", type=cli.positive_float, default=lr, help=f"learning rate (default: {lr:g})")
    parser.add_argument(
        "--mode",
        choices=("per_row", "full_batch"),
        default="per_row",
        help="per_row: one update per row, the tutorial's loop (default); full_batch: one per epoch, as micrograd",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the data's noise and the starting weights")
    cli.add_out(parser, out)


def run_network_demo(
    dataset: Dataset,
    model: nn.MLP,
    args: argparse.Namespace,
    *,
    log: Callable[[str], None] = print,
    page_rows: int | None = None,
) -> History:
    """Train ``model`` on ``dataset`` printing loss and accuracy per epoch, then write the studio and plots.

    Args:
        dataset: the two-feature data.
        model: the network to train (changed in place).
        args: the parsed options of ``add_network_args``.
        log: where each line goes.
        page_rows: how many rows the studio and plots show (None: all); training uses every row.

    Returns:
        The run's History.

    Raises:
        cli.DemoError: training stopped before any epoch finished, or the output could not be written.
        cli.Interrupted: Ctrl-C; the epochs done are written.
    """
    import viz
    from viz import plots
    from viz.outputs import staged_output
    from viz.sample import sample_history

    shape = "-".join(str(n) for n in [dataset.n_features, *(len(layer.neurons) for layer in model.layers)])
    how = "one update per row" if args.mode == "per_row" else "one update per epoch (full batch)"
    log(
        f"Training an MLP {shape} ({len(model.parameters())} parameters) on {len(dataset):,} {dataset.name} points: "
        f"squared error, learning rate {args.lr:g}, {args.epochs} epoch{'s' if args.epochs != 1 else ''}, {how}"
    )

    def on_epoch(record: EpochRecord) -> None:
        log(f"epoch {record.epoch:3d}  loss {record.loss:.4f}  accuracy {accuracy(model, dataset) * 100:.1f}%")

    stage = staged_output(Path(args.out))
    try:
        with stage:
            with large_data.row_progress(dataset, args.epochs, cli.PROGRESS_SECONDS) as on_row:
                history = train(
                    model,
                    dataset,
                    loss=squared_error,
                    lr=args.lr,
                    epochs=args.epochs,
                    mode=args.mode,
                    on_epoch=on_epoch,
                    on_row=on_row,
                )
            if not history.records:  # the error says why, once
                raise cli.DemoError(history.stopped or "no epoch finished")
            if history.stopped:
                log(history.stopped)
            out = stage.dir
            title = f"{dataset.name}: an MLP {shape} learning, neuron by neuron"
            page = viz.studio(sample_history(history, page_rows), title=title)
            files = [page.save(out / "index.html")]
            files.append(
                plots.loss_curve(history.losses, title=f"{dataset.name}: loss per epoch").save(out / "loss.svg")
            )
            if dataset.n_features == 2:
                x_name, y_name = dataset.feature_names
                boundary = plots.decision_boundary(model, dataset.rows[:page_rows], xlabel=x_name, ylabel=y_name)
                files.append(boundary.save(out / "decision_boundary.svg"))
    except KeyboardInterrupt:
        raise cli.Interrupted(f"stopped while writing the new output; {stage.kept()}.") from None
    except (OSError, viz.OutputError) as error:
        raise cli.DemoError(f"{' '.join(str(error).split()).rstrip('.')}; {stage.kept()}.") from None
    log("\nWrote: " + ", ".join(str(stage.final(f)) for f in files))
    log(f"Open the network studio in a browser: {stage.final(files[0])}")
    if history.interrupted:
        raise cli.Interrupted(f"training stopped by Ctrl-C after {history.epochs_run} epochs; those are written.")
    return history


def main(argv: Sequence[str] | None = None) -> int:
    """Train the moons MLP, print loss and accuracy per epoch, write the network studio."""
    parser = cli.parser("moons", __doc__)
    add_network_args(parser, epochs=100, lr=0.01, out=DEFAULT_OUT)
    parser.add_argument("--points", type=cli.positive_int, default=100, help="how many points (default: 100)")
    args = parser.parse_args(argv)
    if args.points < 2:
        parser.error(f"--points needs at least 2 points, one per moon, got {args.points}")
    dataset = moons(args.points, noise=0.1, seed=args.seed)
    model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation=None, seed=args.seed)
    run_network_demo(dataset, model, args)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    cli.entry(main)
