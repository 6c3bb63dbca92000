"""Page 3: the sigmoid squashes any raw score into a probability between 0 and 1.

    python -m demos.sigmoid_table [--z -2 0 1.2 4]

Prints z, e^-z, sigmoid(z) = 1 / (1 + e^-z) and what it means for the decision:
-2 → 0.1192 (likely fail), 0 → 0.5, 1.2 → 0.7685, 4 → 0.9820 (likely pass).
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff import Value, exp
from demos import cli


def meaning(probability: float) -> str:
    """Page 3's reading of a probability: likely fail, uncertain, or likely pass."""
    if probability < 0.4:
        return "likely fail"
    if probability > 0.6:
        return "likely pass"
    return "uncertain (Pass only from 0.5 up)"


def rows(zs: Sequence[float]) -> list[list[str]]:
    """The table's rows, each sigmoid computed by the engine's sigmoid node."""
    result = []
    for z in zs:
        probability = Value(z, label="z").sigmoid().data
        e = exp(-z)
        result.append([f"{z:g}", f"{e:.4f}" if e < 1e6 else f"{e:.4g}", f"{probability:.4f}", meaning(probability)])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Print the sigmoid table for each --z value."""
    parser = cli.parser("sigmoid_table", __doc__)
    parser.add_argument(
        "--z", type=cli.finite_float, nargs="+", default=[-2.0, 0.0, 1.2, 4.0], help="raw scores (default: -2 0 1.2 4)"
    )
    args = parser.parse_args(argv)
    print("sigmoid(z) = 1 / (1 + e^-z)")
    print(cli.table(["z", "e^-z", "sigmoid(z)", "meaning"], rows(args.z)))
    return 0


if __name__ == "__main__":
    cli.entry(main)
