"""Page 6: two inputs — study hours and sleep hours — one neuron, its own studio, graphs and decision boundary.

    python -m demos.two_inputs [--update hand|bce|bce-logits|squared] [--epochs 1000] [--lr 0.1] [--out out/two_inputs]

raw = study × w1 + sleep × w2 + bias, then the same sigmoid and loss. Starts at w1 = w2 = 0.1,
bias 0.0, lr 0.1, 1000 epochs, per-row updates; prints the loss every 200 epochs (epoch 0:
1.3209), the final weights, each student's prediction and a NumPy peek at the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff.datasets import STUDY_SLEEP
from demos import cli, runs
from demos.report import print_written, train_and_write

DEFAULT_OUT = "out/two_inputs"
LOG_EVERY = 200


def numpy_peek(weights: Sequence[float], bias: float) -> str:
    """Page 6's NumPy aside: all four probabilities at once, sigmoid(X @ w + b)."""
    import numpy as np

    features = np.array([features for features, _ in STUDY_SLEEP.rows])
    with np.errstate(over="ignore"):  # exp(large) is inf and 1 / (1 + inf) is 0: the right answer, no warning
        probabilities = 1.0 / (1.0 + np.exp(-(features @ np.array(weights) + bias)))
    return "NumPy, all rows at once: 1 / (1 + exp(-(X @ w + b))) = " + ", ".join(f"{p:.4f}" for p in probabilities)


def main(argv: Sequence[str] | None = None) -> int:
    """Train on study + sleep, print the tutorial's log and write the studio, graphs and plots."""
    parser = cli.parser("two_inputs", __doc__)
    cli.add_training_args(parser, runs.UPDATE_HELP)
    cli.add_out(parser, DEFAULT_OUT)
    args = parser.parse_args(argv)

    start = runs.Start(weights=(0.1, 0.1), bias=0.0, learning_rate=args.lr, epochs=args.epochs)
    history, model, written = train_and_write(
        STUDY_SLEEP,
        start,
        args.update,
        args.out,
        every=args.every,
        log_every=LOG_EVERY,
        after_log=lambda history, model: print(numpy_peek([w.data for w in model.weights], model.bias.data)),
    )
    print_written(written, history)
    return 0


if __name__ == "__main__":
    cli.entry(main)
