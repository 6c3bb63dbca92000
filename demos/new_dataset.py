"""Practice project: a new dataset from a CSV file — by default quiz score and attendance (out of 10) → passed.

    python -m demos.new_dataset [--csv demos/data/quiz_attendance.csv] [--epochs 1000] [--lr 0.1] [--out DIR]
    python -m demos.new_dataset --csv FILE --hidden 8,8 --epochs 100 --lr 0.01   # an MLP: the network studio

Any CSV with a header, numeric feature columns and a 0/1 label in the last column works: the
same neuron (one weight per column, all starting at 0.1) trains on it with the tutorial's loop.
Features are standardised first (each column's mean subtracted, divided by its spread), so a
quiz out of 100 and attendance out of 1 both suit one learning rate; the mean and spread are
printed and stored in model.json, and demos.predict applies them. --no-standardize trains on
the raw numbers.
One or two features also get a fit plot; every run gets the studio, graphs and model.json.
--hidden 8,8 trains an MLP with those hidden layers instead (relu, squared error) and writes the
network studio (two features: every neuron's heatmap and the decision boundary).
A bad file gets one sentence naming the file, the line and the problem (exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from autodiff.datasets import Dataset, load_csv, standardize
from autodiff.text import terminal
from demos import cli, large_data, runs
from demos.report import print_written, train_and_write

DEFAULT_CSV = Path(__file__).parent / "data" / "quiz_attendance.csv"
DEFAULT_OUT = "out/new_dataset"
LOG_EVERY = 100


def describe_scaling(dataset: Dataset) -> str:
    """One line per feature: the mean and spread its values are standardised with."""
    assert dataset.scaling is not None
    lines = ["Standardising each feature as (value − mean) / spread (--no-standardize to train on raw values):"]
    columns = list(zip(dataset.feature_names, dataset.scaling.mean, dataset.scaling.spread))
    for name, mean, spread in columns[: large_data.LOG_COLUMNS]:
        lines.append(f"  {terminal(name)}: mean {mean:.6g}, spread {spread:.6g}")
    if len(columns) > large_data.LOG_COLUMNS:
        lines.append(f"  … and {len(columns) - large_data.LOG_COLUMNS:,} more features (all in model.json)")
    return "\n".join(lines)


def hidden_sizes(text: str) -> list[int]:
    """argparse type: hidden layer sizes, whole numbers ≥ 1 separated by commas ("8,8")."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected layer sizes such as 8,8, got {text!r}") from None
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"expected layer sizes of at least 1 each, such as 8,8, got {text!r}")
    return sizes


def train_network(dataset: Dataset, args: argparse.Namespace, page_rows: int | None = None) -> int:
    """--hidden: an MLP on the dataset, its loss and accuracy per epoch, the network studio of ``page_rows`` rows."""
    from autodiff import nn
    from demos.moons import run_network_demo

    model = nn.MLP(dataset.n_features, [*args.hidden, 1], activation="relu", output_activation=None, seed=1)
    args.mode = "per_row"
    run_network_demo(dataset, model, args, page_rows=page_rows)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Load the CSV, train on it, print the log and predictions, write the studio, graphs and plots."""
    parser = cli.parser("new_dataset", __doc__)
    parser.add_argument(
        "--csv", type=Path, default=DEFAULT_CSV, help="the data (default: the quiz + attendance example)"
    )
    parser.add_argument(
        "--no-standardize",
        dest="standardize",
        action="store_false",
        help="train on the raw numbers (default: standardise each feature to mean 0, spread 1)",
    )
    cli.add_training_args(parser, runs.UPDATE_HELP, default="bce")
    parser.add_argument(
        "--hidden", type=hidden_sizes, metavar="N,N", help="train an MLP with these hidden layer sizes (e.g. 8,8)"
    )
    cli.add_out(parser, DEFAULT_OUT)
    args = parser.parse_args(argv)

    with large_data.heartbeat(f"reading {terminal(str(args.csv))}", cli.PROGRESS_SECONDS):
        dataset = load_csv(args.csv)
    limits = large_data.limits_for(dataset, network=bool(args.hidden))
    if limits.sentence:
        print(limits.sentence, flush=True)
    if args.standardize:
        dataset = standardize(dataset)
        print(describe_scaling(dataset))
    if args.hidden:
        return train_network(dataset, args, limits.page_rows)
    start = runs.Start(weights=(0.1,) * dataset.n_features, bias=0.0, learning_rate=args.lr, epochs=args.epochs)
    history, model, written = train_and_write(
        dataset, start, args.update, args.out, every=args.every, log_every=LOG_EVERY, limits=limits
    )
    print_written(written, history)
    return 0


if __name__ == "__main__":
    cli.entry(main)
