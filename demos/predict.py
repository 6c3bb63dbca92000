"""Practice project: a tiny command-line predictor that loads an exported model.json.

    python -m demos.predict --model out/study_hours/model.json --hours 2.5
    python -m demos.predict --model out/two_inputs/model.json --inputs 3 7

Prints the probability of passing and Pass/Fail. The file is parsed as JSON and checked field by
field (missing keys, wrong types get one sentence and exit 2); nothing in it is ever executed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from autodiff.text import terminal
from demos import cli, model_file


def main(argv: Sequence[str] | None = None) -> int:
    """Load --model and print the prediction for --hours (one input) or --inputs (any number)."""
    parser = cli.parser("predict", __doc__)
    parser.add_argument("--model", type=Path, required=True, help="a model.json written by a training demo")
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--hours", type=cli.finite_float, help="hours studied, for a one-input model")
    given.add_argument(
        "--inputs",
        type=cli.finite_float,
        nargs="+",
        action=cli.Gather,
        metavar="X",
        help="one value per feature, in order",
    )
    parser.add_argument(
        "--threshold", type=cli.probability, help="Pass from this probability (default: the model's, 0.5)"
    )
    args = parser.parse_args(argv)

    saved = model_file.load(args.model)
    if args.threshold is not None:
        saved = model_file.SavedModel(saved.feature_names, saved.weights, saved.bias, args.threshold)
    features = [args.hours] if args.hours is not None else list(args.inputs)
    if len(features) != len(saved.feature_names):
        names = ", ".join(saved.feature_names)
        flag = "--hours" if args.hours is not None else "--inputs"
        raise cli.DemoError(
            f"{args.model} expects {len(saved.feature_names)} input(s) ({names}), but {flag} gave {len(features)}; "
            f"use --inputs with one value per feature."
        )
    probability, verdict = saved.predict(features)
    if math.isnan(probability):  # weights × inputs overflowed: inf − inf
        raise cli.DemoError(f"{args.model} gives no probability for these inputs (nan: the raw score overflows).")
    given_text = ", ".join(f"{terminal(name)} {x:g}" for name, x in zip(saved.feature_names, features))
    print(f"{given_text}: probability of passing {probability:.4f} → {verdict} (threshold {saved.threshold:g})")
    return 0


if __name__ == "__main__":
    cli.entry(main)
