"""Pages 2–3: the forward pass by hand — each multiplication read off the computation graph.

    python -m demos.forward_pass [--hours 3 2.5] [--weight 0.5] [--bias -1]

For each number of hours it builds the neuron's graph (hours → raw z → probability p) and prints
every step with its real numbers: hours 3 → raw 0.5 → probability 0.6225 → Pass; hours 2.5 →
raw 0.25 → probability 0.5622, the uncertain zone just above 0.5.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autodiff import Value, nn, topological_order
from demos import cli

THRESHOLD = 0.5
UNCERTAIN = 0.1  # within this of 0.5 the neuron is barely deciding


def verdict(probability: float, threshold: float = THRESHOLD) -> str:
    """ "Pass" when probability ≥ threshold, else "Fail" (page 3's decision)."""
    return "Pass" if probability >= threshold else "Fail"


def explain(hours: float, weight: float, bias: float) -> list[str]:
    """The forward pass for one student, one printed line per step of the graph."""
    neuron = nn.Neuron(1, "sigmoid", weights=[weight], bias=bias)
    probability = neuron([Value(hours, label="hours")])
    lines = [f"hours = {hours:g}, weight w = {weight:g}, bias b = {bias:g}"]
    for node in topological_order(probability):
        if node.op == "linear":
            w, x, b = node.parents
            product = w.data * x.data
            lines.append(f"  {w.label} × {x.label} = {w.data:g} × {x.data:g} = {product:g}")
            lines.append(
                f"  raw {node.label} = {w.label} × {x.label} + {b.label} = {product:g} + ({b.data:g}) = {node.data:.4f}"
            )
        elif node.op == "sigmoid":
            z = node.parents[0].data
            lines.append(
                f"  probability {node.label} = sigmoid({z:.4f}) = 1 / (1 + e^-{z:.4f}) = 1 / {1 + math.exp(-z):.4f}"
                f" = {node.data:.4f}"
            )
    p = probability.data
    zone = " — close to 0.5: the uncertain zone" if abs(p - THRESHOLD) < UNCERTAIN else ""
    lines.append(f"  decision: {p:.4f} {'≥' if p >= THRESHOLD else '<'} {THRESHOLD:g} → {verdict(p)}{zone}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Print the forward pass for each --hours value."""
    parser = cli.parser("forward_pass", __doc__)
    parser.add_argument(
        "--hours", type=cli.finite_float, nargs="+", default=[3.0, 2.5], help="hours studied (default: 3 2.5)"
    )
    parser.add_argument("--weight", type=cli.finite_float, default=0.5, help="the weight w (default: 0.5)")
    parser.add_argument("--bias", type=cli.finite_float, default=-1.0, help="the bias b (default: -1)")
    args = parser.parse_args(argv)
    for i, hours in enumerate(args.hours):
        if i:
            print()
        print("\n".join(explain(hours, args.weight, args.bias)))
    return 0


if __name__ == "__main__":
    cli.entry(main)
