"""Practice project: the learning-rate lab — total loss per epoch for lr 0.01, 0.1 and 0.5 on one chart.

    python -m demos.lr_lab [--lr 0.01 0.1 0.5] [--epochs 1000] [--out out/lr_lab]

Trains the tutorial's neuron once per learning rate (same start, per-row updates, autograd
cross-entropy), prints the loss side by side every 100 epochs and the final weights, draws
all the loss curves on one chart (lr_lab.svg) and writes a studio page per rate (lr_0.1.html …)
to watch how big each step is.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from autodiff import History, nn
from autodiff.datasets import STUDY_HOURS
from demos import cli, runs

DEFAULT_OUT = "out/lr_lab"
LOG_EVERY = 100


def main(argv: Sequence[str] | None = None) -> int:
    """Train once per learning rate, print the losses side by side and draw them on one chart."""
    parser = cli.parser("lr_lab", __doc__)
    parser.add_argument(
        "--lr",
        type=cli.positive_float,
        nargs="+",
        action=cli.Gather,
        default=[0.01, 0.1, 0.5],
        help="learning rates; repeat --lr or list several (default: 0.01 0.1 0.5)",
    )
    parser.add_argument("--epochs", type=cli.positive_int, default=1000, help="epochs to train (default: 1000)")
    cli.add_out(parser, DEFAULT_OUT)
    args = parser.parse_args(argv)
    learning_rates = list(dict.fromkeys(args.lr))  # keep order; a repeat would draw the same curve twice
    if len(learning_rates) < len(args.lr):
        print(
            f"note: a learning rate was given more than once; each is trained once: {learning_rates}", file=sys.stderr
        )

    from viz.outputs import staged_output

    stage = staged_output(args.out)
    try:
        with stage:
            out = stage.out
            runs_text = f"{len(learning_rates)} runs of {args.epochs} epochs"
            print(f"Training {runs_text} (start w 0.1, b 0.0, per-row updates); writing into {out}/", flush=True)
            runs_by_lr = {}
            for learning_rate in learning_rates:
                start = runs.Start(weights=(0.1,), learning_rate=learning_rate, epochs=args.epochs)
                runs_by_lr[learning_rate] = runs.run("bce", STUDY_HOURS, start)
                history = runs_by_lr[learning_rate][0]
                if history.interrupted:
                    raise KeyboardInterrupt
                for note in [*history.notes, *([history.stopped] if history.stopped else [])]:
                    print(f"note: lr {learning_rate:g}: {note}", file=sys.stderr)
            print_tables(runs_by_lr, args.epochs)
            sys.stdout.flush()

            import viz
            from viz import plots

            chart = plots.compare_runs(
                {f"lr {lr:g}": runs_by_lr[lr][0].losses for lr in learning_rates},
                title="Learning-rate lab: total loss per epoch",
            ).save(stage.dir / "lr_lab.svg")
            pages = [
                viz.studio(runs_by_lr[lr][0], title=f"learning rate {lr:g}").save(stage.dir / f"lr_{lr:g}.html")
                for lr in learning_rates
            ]
    except KeyboardInterrupt:
        raise cli.Interrupted(f"stopped before the chart and pages were written; {stage.kept()}.") from None
    print(f"\nWrote: {stage.final(chart)}")
    print("Step through each rate's updates: " + ", ".join(str(stage.final(page)) for page in pages))
    return 0


def print_tables(runs_by_lr: dict[float, tuple[History, nn.Neuron]], epochs: int) -> None:
    """The losses side by side every LOG_EVERY epochs (and the last), then each rate's final weights."""
    learning_rates = list(runs_by_lr)
    shown = [e for e in range(epochs) if e % LOG_EVERY == 0 or e == epochs - 1]
    headers = ["epoch", *(f"loss at lr {lr:g}" for lr in learning_rates)]

    def loss(lr: float, epoch: int) -> str:
        losses = runs_by_lr[lr][0].losses
        return f"{losses[epoch]:.4f}" if epoch < len(losses) else "stopped"

    print(cli.table(headers, [[str(e), *(loss(lr, e) for lr in learning_rates)] for e in shown]))
    print()
    finals = []
    for lr in learning_rates:
        _, model = runs_by_lr[lr]
        finals.append([f"{lr:g}", f"{model.weights[0].data:.4f}", f"{model.bias.data:.4f}"])
    print(cli.table(["lr", "final weight", "final bias"], finals))
    if all(not history.stopped for history, _ in runs_by_lr.values()):
        print("A larger learning rate takes bigger steps: on this data every rate here converges, 0.5 fastest.")
    else:
        print("A larger learning rate takes bigger steps; too large, and training blows up (see the notes above).")


if __name__ == "__main__":
    cli.entry(main)
