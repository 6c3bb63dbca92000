"""Page 5: check the trained model — each student's prediction, then tune the learning rate and epochs.

    python -m demos.check_model [--epochs 10 100 1000] [--lr 0.01 0.1 0.5]

Trains with the tutorial's settings, prints every student's probability and Pass/Fail, then a
tuning table: for each learning rate and epoch count, the epoch's loss, weight, bias and how many
of the four students the model gets right. A short quiz at the end is answered from the run.
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff import EpochRecord
from autodiff.datasets import STUDY_HOURS
from demos import cli, runs
from demos.report import predictions, print_predictions, report_training


def tuning_rows(learning_rates: Sequence[float], epoch_counts: Sequence[int]) -> list[list[str]]:
    """One row per (learning rate, epochs): one training run per rate, read at each epoch count."""
    rows = []
    wanted = set(epoch_counts)
    for learning_rate in learning_rates:
        start = runs.Start(weights=(0.1,), learning_rate=learning_rate, epochs=max(epoch_counts))
        seen: dict[int, EpochRecord] = {}  # caught as they pass: a long run keeps only some records

        def catch(record: EpochRecord, seen: dict[int, EpochRecord] = seen) -> None:
            if record.epoch + 1 in wanted:
                seen[record.epoch + 1] = record

        history, model = runs.run("bce", STUDY_HOURS, start, on_epoch=catch)
        if history.interrupted:
            raise KeyboardInterrupt
        for epochs in epoch_counts:
            if epochs not in seen:  # training stopped before (divergence): say so in the row
                rows.append([f"{learning_rate:g}", str(epochs), "stopped", "", "", "diverged"])
                continue
            record = seen[epochs]
            model.load_state_dict(record.parameters)
            verdicts = [verdict for _, _, verdict in predictions(model, STUDY_HOURS)]
            right = sum((v == "Pass") == bool(actual) for v, (_, actual) in zip(verdicts, STUDY_HOURS.rows))
            w, b = record.parameters["w"], record.parameters["b"]
            rows.append([f"{learning_rate:g}", str(epochs), f"{record.loss:.4f}", f"{w:.4f}", f"{b:.4f}", f"{right}/4"])
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print predictions, the tuning table and the quiz."""
    parser = cli.parser("check_model", __doc__)
    parser.add_argument(
        "--epochs",
        type=cli.positive_int,
        nargs="+",
        action=cli.Gather,
        default=[10, 100, 1000],
        help="epoch counts to compare",
    )
    parser.add_argument(
        "--lr",
        type=cli.positive_float,
        nargs="+",
        action=cli.Gather,
        default=[0.01, 0.1, 0.5],
        help="learning rates to compare",
    )
    args = parser.parse_args(argv)
    epoch_counts = sorted(set(args.epochs))

    start = runs.Start(weights=(0.1,), epochs=1000)
    history, model = runs.run("bce", STUDY_HOURS, start)
    if history.interrupted:  # this demo writes nothing: stopping early leaves nothing to keep
        raise KeyboardInterrupt
    report_training(history)
    print(f"Trained with the tutorial's settings (lr {start.learning_rate:g}, {start.epochs} epochs, per-row):")
    print(f"Final weight: {model.weights[0].data:.4f}, bias: {model.bias.data:.4f}")
    print_predictions(model, STUDY_HOURS)

    print("\nTuning: the loss the epoch printed, and the weights at its end (per-row updates, start w 0.1, b 0.0)")
    print(
        cli.table(["lr", "epochs", "last epoch's loss", "weight", "bias", "right"], tuning_rows(args.lr, epoch_counts))
    )

    below = next((epoch for epoch, loss in enumerate(history.losses) if loss < 0.1), None)
    unsure = model([2.5]).data
    print("\nQuiz")
    print(
        f"1. What does the model say for 2.5 hours?  probability {unsure:.4f} → {'Pass' if unsure >= 0.5 else 'Fail'}"
    )
    print(
        "2. At which epoch did the loss first drop below 0.1?  "
        + (f"epoch {below}" if below is not None else "not within 1000 epochs")
    )
    print("3. Why does a tiny learning rate need more epochs?  Each update moves the weights lr × gradient:")
    print("   a tenth of the learning rate takes about ten times the steps to travel as far (see the table).")
    return 0


if __name__ == "__main__":
    cli.entry(main)
