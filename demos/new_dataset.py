"""Practice project: a new dataset from a CSV file — by default quiz score and attendance (out of 10) → passed.

    python -m demos.new_dataset [--csv demos/data/quiz_attendance.csv] [--epochs 1000] [--lr 0.1] [--out DIR]

Any CSV with a header, numeric feature columns and a 0/1 label in the last column works: the
same neuron (one weight per column, all starting at 0.1) trains on it with the tutorial's loop.
One or two features also get a fit plot; every run gets graphs, the player and model.json.
A bad file gets one sentence naming the file, the line and the problem (exit 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from autodiff.datasets import load_csv
from demos import cli, runs
from demos.report import describe_start, print_log, print_predictions, print_written, train_with_progress, write_run

DEFAULT_CSV = Path(__file__).parent / "data" / "quiz_attendance.csv"
DEFAULT_OUT = "out/new_dataset"
LOG_EVERY = 100


def main(argv: Sequence[str] | None = None) -> int:
    """Load the CSV, train on it, print the log and predictions, write graphs, player and plots."""
    parser = cli.parser("new_dataset", __doc__)
    parser.add_argument(
        "--csv", type=Path, default=DEFAULT_CSV, help="the data (default: the quiz + attendance example)"
    )
    parser.add_argument("--epochs", type=cli.positive_int, default=1000, help="epochs to train (default: 1000)")
    parser.add_argument("--lr", type=cli.positive_float, default=0.1, help="learning rate (default: 0.1)")
    parser.add_argument("--every", type=cli.positive_int, default=1, help="draw every Nth epoch's graph (default: 1)")
    cli.add_out(parser, DEFAULT_OUT)
    args = parser.parse_args(argv)

    dataset = load_csv(args.csv)
    start = runs.Start(weights=(0.1,) * dataset.n_features, bias=0.0, learning_rate=args.lr, epochs=args.epochs)
    out = cli.prepare_out(args.out)
    header = describe_start(dataset, start, "bce", out)
    history, model = train_with_progress("bce", dataset, start, header)
    if not history.records:
        raise cli.Interrupted(f"no epoch finished, so nothing was written into {out}/.")
    plot = {1: "sigmoid_fit", 2: "decision_boundary"}.get(dataset.n_features, "")
    written = write_run(history, model, out, plot=plot, every=args.every)
    print()
    print_log(history, LOG_EVERY)
    print_predictions(model, dataset)
    print_written(written, history)
    return 0


if __name__ == "__main__":
    cli.entry(main)
