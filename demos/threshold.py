"""Practice project: the decision threshold — Pass from 0.5 against Pass from 0.6, and who flips.

    python -m demos.threshold [--hours 1 2 2.5 3 4] [--thresholds 0.5 0.6] [--epochs 1000] [--lr 0.1]

Trains the tutorial's neuron, then labels each student (the four from the data plus any extra
--hours) under both thresholds; a student whose probability lies between them flips Pass → Fail.
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff import Value
from autodiff.datasets import STUDY_HOURS
from demos import cli, runs
from demos.report import report_training


def verdict(probability: float, threshold: float) -> str:
    """Pass when probability ≥ threshold."""
    return "Pass" if probability >= threshold else "Fail"


def main(argv: Sequence[str] | None = None) -> int:
    """Train, then print each student's verdict under both thresholds and who flips."""
    parser = cli.parser("threshold", __doc__)
    parser.add_argument(
        "--hours",
        type=cli.finite_float,
        nargs="+",
        action=cli.Gather,
        default=[1.0, 2.0, 2.5, 3.0, 4.0],
        help="students' study hours",
    )
    parser.add_argument(
        "--thresholds",
        type=cli.probability,
        nargs=2,
        default=[0.5, 0.6],
        metavar=("LOW", "HIGH"),
        help="the two thresholds to compare (default: 0.5 0.6)",
    )
    parser.add_argument("--epochs", type=cli.positive_int, default=1000, help="epochs to train (default: 1000)")
    parser.add_argument("--lr", type=cli.positive_float, default=0.1, help="learning rate (default: 0.1)")
    args = parser.parse_args(argv)
    low, high = sorted(args.thresholds)

    start = runs.Start(weights=(0.1,), learning_rate=args.lr, epochs=args.epochs)
    history, model = runs.run("bce", STUDY_HOURS, start)
    if history.interrupted:  # this demo writes nothing: stopping early leaves nothing to keep
        raise KeyboardInterrupt
    report_training(history)
    weight, bias = model.weights[0].data, model.bias.data
    print(f"Trained {args.epochs} epochs at lr {args.lr:g}: weight {weight:.4f}, bias {bias:.4f}")
    rows, flipped = [], []
    for hours in args.hours:
        probability = model([Value(hours, label="hours")]).data
        before, after = verdict(probability, low), verdict(probability, high)
        if before != after:
            flipped.append(f"{hours:g} hours ({probability:.4f})")
        rows.append([f"{hours:g}", f"{probability:.4f}", before, after, "flips" if before != after else ""])
    print(cli.table(["hours", "probability", f"at {low:g}", f"at {high:g}", ""], rows))
    if flipped:
        print(f"Flips from Pass to Fail when the threshold rises to {high:g}: {', '.join(flipped)}.")
    else:
        print(f"Nobody flips: no probability lies in [{low:g}, {high:g}).")
    print("A higher threshold asks for more confidence before saying Pass: fewer false passes, more false fails.")
    return 0


if __name__ == "__main__":
    cli.entry(main)
