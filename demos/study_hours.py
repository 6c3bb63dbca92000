"""The main job (tutorial pages 1–4): train the one-input neuron and write everything it saw.

    python -m demos.study_hours [--update hand|bce|bce-logits|squared] [--epochs N] [--lr LR] [--out DIR]
    python -m demos.study_hours --compiled     # the same training through autodiff.compile

Trains w = 0.1, b = 0.0 with lr 0.1 for 1000 epochs, one update per row, as the tutorial does;
prints its log (``Epoch 0, Loss: 1.0155`` …), the final weight and bias and each student's
prediction; shows the first row's gradient for w three ways; writes a graph per epoch, the
index.html studio, the loss and sigmoid-fit plots and model.json into ``--out``.
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff import nn
from autodiff.datasets import STUDY_HOURS
from demos import cli, runs
from demos.report import (
    print_log,
    print_predictions,
    print_written,
    report_training,
    train_and_write,
)

DEFAULT_OUT = "out/study_hours"
LOG_EVERY = 100


def print_gradient_comparison(start: runs.Start) -> None:
    """The first row of epoch 0: d/dw by the hand rule, autograd cross-entropy and autograd squared error."""
    (features, actual) = STUDY_HOURS.rows[0]
    gradients = runs.first_row_gradients(STUDY_HOURS, start)
    print(
        f"\nFirst row of epoch 0 (hours {features[0]:g}, passed {actual:g}, weight {start.weights[0]:g}, "
        f"bias {start.bias:g}): the gradient for the weight, three ways"
    )
    print(
        cli.table(
            ("update", "d/dweight", "formula"),
            [
                ("hand rule", f"{gradients['hand']:.6f}", "(prediction − actual) × hours"),
                ("autograd BCE", f"{gradients['bce']:.6f}", "d/dw −[y·log p + (1 − y)·log(1 − p)]"),
                (
                    "autograd squared",
                    f"{gradients['squared']:.6f}",
                    "d/dw (actual − prediction)² = 2(p − y)·p(1 − p)·x",
                ),
            ],
        )
    )
    print(
        "Why: through the sigmoid, cross-entropy's slope 1/(p(1 − p)) cancels the sigmoid's slope p(1 − p), "
        "leaving exactly (p − y) × hours — the hand rule — while squared error keeps the factor 2·p(1 − p)."
    )


def train_compiled(start: runs.Start, update: str) -> int:
    """``--compiled``: the same run with each row's loss compiled to straight-line Python; prints the log only."""
    print(
        f"Training on {STUDY_HOURS.name} through autodiff.compile (one compiled function per row, update: "
        f"{update}): weight {start.weights[0]:g}, bias {start.bias:g}, learning rate {start.learning_rate:g}, "
        f"{start.epochs} epochs\n"
    )
    history = runs.train_compiled(STUDY_HOURS, start, update)
    report_training(history)  # divergence and saturation, said as the engine's run says them
    if not history.records:
        why = history.stopped or "no epoch finished"
        if history.interrupted:
            raise cli.Interrupted(f"{why}; nothing is written with --compiled.")
        raise cli.DemoError(why)
    print_log(history, LOG_EVERY)
    assert isinstance(history.model, nn.Neuron)
    print_predictions(history.model, STUDY_HOURS)
    print("\n(No files written with --compiled; leave it out for the studio, graphs and plots.)")
    if history.interrupted:
        done = f"training stopped after {history.epochs_run} epoch(s)"
        raise cli.Interrupted(f"{done}; the log above is what finished, and nothing is written with --compiled.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Train, print the tutorial's log and write the studio, graphs, plots and model.json."""
    parser = cli.parser("study_hours", __doc__)
    cli.add_training_args(parser, runs.UPDATE_HELP)
    cli.add_out(parser, DEFAULT_OUT)
    parser.add_argument(
        "--compiled", action="store_true", help="train through autodiff.compile and print the log (writes no files)"
    )
    args = parser.parse_args(argv)

    start = runs.Start(weights=(0.1,), bias=0.0, learning_rate=args.lr, epochs=args.epochs)
    if args.compiled:
        return train_compiled(start, args.update)
    history, model, written = train_and_write(
        STUDY_HOURS,
        start,
        args.update,
        args.out,
        every=args.every,
        log_every=LOG_EVERY,
        after_log=lambda history, model: print_gradient_comparison(start),
    )
    print_written(written, history)
    return 0


if __name__ == "__main__":
    cli.entry(main)
