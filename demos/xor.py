"""XOR: the problem one neuron cannot solve, solved by an MLP 2-4-1 and watched in the network studio.

    python -m demos.xor [--epochs 200] [--lr 0.1] [--mode per_row|full_batch] [--out DIR]

A single neuron draws one straight line, and no line separates XOR's classes (label 1 where x1 and
x2 have different signs). Four tanh neurons each draw a line; the output neuron combines them.
Prints each epoch's loss and accuracy; writes index.html (the network studio), loss.svg and
decision_boundary.svg into ``--out``.
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff import nn
from autodiff.datasets import xor
from demos import cli
from demos.moons import add_network_args, run_network_demo

DEFAULT_OUT = "out/xor"


def main(argv: Sequence[str] | None = None) -> int:
    """Train the XOR MLP, print loss and accuracy per epoch, write the network studio."""
    parser = cli.parser("xor", __doc__)
    add_network_args(parser, epochs=200, lr=0.1, out=DEFAULT_OUT)
    args = parser.parse_args(argv)
    dataset = xor(100, seed=args.seed)
    model = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=args.seed)
    run_network_demo(dataset, model, args)
    return 0


if __name__ == "__main__":
    cli.entry(main)
