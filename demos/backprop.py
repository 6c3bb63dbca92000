"""One backward pass, one multiplication at a time, on one row of the tutorial.

    python -m demos.backprop                       # hours 3, passed 1, w 0.1, b 0: both losses
    python -m demos.backprop --loss bce --hours 2 --passed 0

Prints every chain-rule step with its numbers, for squared error and for binary cross-entropy,
and writes a studio page for each pass (step through it, edit a number, offline) and an index.html linking them.
Cross-entropy's steps end in dL/dz = p − y: the tutorial's hand-written update rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from autodiff import Value, linear
from autodiff.losses import binary_cross_entropy, squared_error
from autodiff.stepper import Step, backward_steps
from demos import cli

LOSSES = {
    "squared": ("squared error", "L = (y - p)²"),
    "bce": ("binary cross-entropy", "L = -[y·log p + (1 - y)·log(1 - p)]"),
}


def tutorial_row(hours: float, passed: int, weight: float, bias: float, loss: str) -> dict[str, Value]:
    """The tutorial's neuron on one row: z = w*x + b, p = sigmoid(z), L = the chosen loss of (p, y)."""
    w, b = Value(weight, label="w"), Value(bias, label="b")
    x = Value(hours, label="x")
    z = linear([w], [x], b)
    z.label = "z"
    p = z.sigmoid()
    p.label = "p"
    loss_value = squared_error(p, passed) if loss == "squared" else binary_cross_entropy(p, passed)
    assert isinstance(loss_value, Value)
    loss_value.label = "L"
    return {"w": w, "b": b, "x": x, "z": z, "p": p, "L": loss_value}


def print_pass(values: dict[str, Value], loss: str, passed: int) -> list[Step]:
    """Step through one backward pass, printing each chain-rule step; returns the steps."""
    name, formula = LOSSES[loss]
    L, p, x = values["L"], values["p"], values["x"]
    print(f"{name}: {formula} = {L.data:.4g}")
    steps = []
    for step in backward_steps(L):
        steps.append(step)
        for line in step.lines():
            print(f"  {line}")
    w, b = values["w"], values["b"]
    print(f"  so dL/dw = {w.grad:.4g} and dL/db = {b.grad:.4g}", end="")
    if loss == "bce":
        # The tutorial's rule, by hand: error × the input that fed the weight.
        error = p.data - passed
        print(f"; the tutorial's rule (p - y)·x = {error * x.data:.4g}, (p - y) = {error:.4g}")
    else:
        print()
    return steps


def main(argv: Sequence[str] | None = None) -> int:
    """Print the chain-rule steps for the chosen row and losses, and write their animations."""
    parser = cli.parser("backprop", __doc__.strip().splitlines()[0])
    parser.add_argument("--hours", type=cli.finite_float, default=3.0, help="study hours x (default: 3)")
    parser.add_argument("--passed", type=int, choices=(0, 1), default=1, help="the label y (default: 1)")
    parser.add_argument("--weight", type=cli.finite_float, default=0.1, help="starting weight w (default: 0.1)")
    parser.add_argument("--bias", type=cli.finite_float, default=0.0, help="starting bias b (default: 0)")
    parser.add_argument(
        "--loss", choices=("squared", "bce", "both"), default="both", help="which loss to step (default: both)"
    )
    cli.add_out(parser, "out/backprop")
    parser.add_argument("--no-animation", action="store_true", help="print the steps only; write no files")
    args = parser.parse_args(argv)

    losses = ["squared", "bce"] if args.loss == "both" else [args.loss]
    out: Path | None = None if args.no_animation else cli.prepare_out(args.out)

    first = tutorial_row(args.hours, args.passed, args.weight, args.bias, losses[0])
    print(
        f"One row: hours x = {args.hours:g}, passed y = {args.passed}, weight w = {args.weight:g}, "
        f"bias b = {args.bias:g}"
    )
    print(f"forward: z = w*x + b = {first['z'].data:.4g}, p = sigmoid(z) = {first['p'].data:.4g}")
    pages = []
    for loss in losses:
        print()
        print_pass(tutorial_row(args.hours, args.passed, args.weight, args.bias, loss), loss, args.passed)
        if out is not None:
            import viz

            # A fresh copy of the row to draw, so the printed graph's leaves don't accumulate twice.
            fresh = tutorial_row(args.hours, args.passed, args.weight, args.bias, loss)
            page = viz.studio(fresh["L"], title=f"backprop: {LOSSES[loss][0]}")
            pages.append((loss, page.save(out / f"{loss}.html")))
    if out is not None:
        _write_index(out, pages)
        print(f"\nstep through it: open {out / 'index.html'} in a browser (works offline)")
    return 0


def _write_index(out: Path, pages: list[tuple[str, Path]]) -> None:
    """A small offline page linking each loss's studio."""
    from viz.outputs import write_text

    links = "\n".join(
        f'<li><a href="{page.relative_to(out).as_posix()}">{LOSSES[loss][0]}</a></li>' for loss, page in pages
    )
    write_text(
        out / "index.html",
        "<!doctype html>\n<meta charset='utf-8'>\n<title>backprop, step by step</title>\n"
        "<h1>One backward pass, step by step</h1>\n<ul>\n" + links + "\n</ul>\n",
    )


if __name__ == "__main__":
    cli.entry(main)
