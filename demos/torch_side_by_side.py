"""PyTorch side by side: the same per-row training loop in autodiff and in torch (float64), number for number.

    python -m demos.torch_side_by_side [--loss bce|squared] [--epochs 1000] [--lr 0.1]

The tutorial promises "you'll recognize the same skeleton in PyTorch": here both loops run
predict → loss → zero_grad → backward → step on the same data, and the epoch losses and final
weights are printed next to each other; they agree to 1e-9. torch is optional: without it this
says how to install it and exits 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autodiff.datasets import STUDY_HOURS
from demos import cli, runs

TOLERANCE = 1e-9
INSTALL = "pip install torch==2.13.0   (or, in this repository: pip install -e '.[torch]')"
LOG_EVERY = 100


def torch_run(torch: Any, loss_name: str, start: runs.Start) -> tuple[list[float], float, float]:
    """The tutorial's loop in torch float64 scalars: epoch losses (summed squared error), final w and b."""
    weight = torch.tensor(start.weights[0], dtype=torch.float64, requires_grad=True)
    bias = torch.tensor(start.bias, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([weight, bias], lr=start.learning_rate)
    epoch_losses = []
    for _ in range(start.epochs):
        total = 0.0
        for (hours,), passed in STUDY_HOURS.rows:
            x = torch.tensor(hours, dtype=torch.float64)
            y = torch.tensor(passed, dtype=torch.float64)
            probability = torch.sigmoid(weight * x + bias)
            total += ((y - probability.detach()) ** 2).item()  # the tutorial's printed "Loss"
            if loss_name == "bce":
                loss = torch.nn.functional.binary_cross_entropy(probability, y)
            else:
                loss = (y - probability) ** 2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epoch_losses.append(total)
    return epoch_losses, weight.item(), bias.item()


def main(argv: Sequence[str] | None = None) -> int:
    """Run both loops and print them side by side; exit 1 if they disagree beyond 1e-9."""
    parser = cli.parser("torch_side_by_side", __doc__)
    parser.add_argument(
        "--loss", choices=("bce", "squared"), default="bce", help="what both backpropagate (default: bce)"
    )
    parser.add_argument("--epochs", type=cli.positive_int, default=1000, help="epochs to train (default: 1000)")
    parser.add_argument("--lr", type=cli.positive_float, default=0.1, help="learning rate (default: 0.1)")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("This demo needs PyTorch, an optional extra. Install it with:")
        print(f"    {INSTALL}")
        return 0

    start = runs.Start(weights=(0.1,), learning_rate=args.lr, epochs=args.epochs)
    history, model = runs.run(args.loss, STUDY_HOURS, start)
    torch_losses, torch_weight, torch_bias = torch_run(torch, args.loss, start)

    print(f"Same loop, two engines: {args.loss} loss, lr {args.lr:g}, {args.epochs} epochs, per-row updates (float64)")
    shown = [e for e in range(args.epochs) if e % LOG_EVERY == 0 or e == args.epochs - 1]
    rows = [
        [
            str(e),
            f"{history.losses[e]:.10f}",
            f"{torch_losses[e]:.10f}",
            f"{abs(history.losses[e] - torch_losses[e]):.1e}",
        ]
        for e in shown
    ]
    print(cli.table(["epoch", "autodiff loss", "torch loss", "|difference|"], rows))
    weight, bias = model.weights[0].data, model.bias.data
    print()
    print(
        cli.table(
            ["final", "autodiff", "torch", "|difference|"],
            [
                ["weight", f"{weight:.10f}", f"{torch_weight:.10f}", f"{abs(weight - torch_weight):.1e}"],
                ["bias", f"{bias:.10f}", f"{torch_bias:.10f}", f"{abs(bias - torch_bias):.1e}"],
            ],
        )
    )
    worst = max(
        [abs(a - b) for a, b in zip(history.losses, torch_losses)]
        + [abs(weight - torch_weight), abs(bias - torch_bias)]
    )
    if worst > TOLERANCE:
        print(f"The two engines differ by {worst:.2e}, more than {TOLERANCE:g}.")
        return 1
    print(f"Largest difference anywhere: {worst:.1e} (within {TOLERANCE:g}). Same skeleton, same numbers.")
    return 0


if __name__ == "__main__":
    cli.entry(main)
