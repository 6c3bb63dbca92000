"""One backward pass, one multiplication at a time, on one row of the tutorial.

    python -m demos.backprop                       # hours 3, passed 1, w 0.1, b 0: both losses
    python -m demos.backprop --loss bce --hours 2 --passed 0

Prints every chain-rule step with its numbers, for squared error and for binary cross-entropy,
and writes a studio page for each pass (step through it, edit a number, offline) and an index.html linking them.
Cross-entropy's steps give dL/dz = p − passed and dL/dw = (p − passed)·hours: the tutorial's hand-written rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autodiff import Value, compile, sigmoid
from autodiff.datasets import STUDY_HOURS
from autodiff.losses import binary_cross_entropy, binary_cross_entropy_with_logits, squared_error
from autodiff.stepper import Step, backward_steps
from autodiff.training import inputs_for
from demos import cli, runs

LOSSES = {
    "squared": ("squared error", "L = (passed - p)²"),
    "bce": ("binary cross-entropy", "L = -[passed·log p + (1 - passed)·log(1 - p)]"),
}


def neuron_on_row(hours: float, passed: int, weight: float, bias: float) -> dict[str, Value]:
    """The tutorial's neuron on one row, as training builds it: z = w*hours + b, p = sigmoid(z); and the target.

    The columns are named as in the tutorial's table (hours, passed), so graphs and steps read like the tutorial.
    """
    model = runs.neuron(STUDY_HOURS, [weight], bias)
    (x,) = inputs_for([hours], STUDY_HOURS.feature_names)
    target = Value(float(passed), label=STUDY_HOURS.label_name)
    p = model([x])
    return {"w": model.weights[0], "b": model.bias, "hours": x, "passed": target, "z": p.parents[0], "p": p}


def tutorial_row(hours: float, passed: int, weight: float, bias: float, loss: str) -> dict[str, Value]:
    """The tutorial's row with the chosen loss: L = squared error or binary cross-entropy of (p, passed)."""
    row = neuron_on_row(hours, passed, weight, bias)
    loss_value = (squared_error if loss == "squared" else binary_cross_entropy)(row["p"], row["passed"])
    assert isinstance(loss_value, Value)
    loss_value.label = "L"
    return {**row, "L": loss_value}


def print_pass(values: dict[str, Value], loss: str) -> list[Step]:
    """Step through one backward pass, printing each chain-rule step; returns the steps."""
    name, formula = LOSSES[loss]
    L, p, hours, passed = values["L"], values["p"], values["hours"], values["passed"]
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
        error = p.data - passed.data
        print(f"; the tutorial's rule (p - passed)·hours = {error * hours.data:.4g}, (p - passed) = {error:.4g}")
    else:
        print()
    return steps


# --- the generated code: what autodiff.compile writes for this row -------------------------------

# The tutorial's hand rule (page 4), one line per gradient, keyed by the generated line it matches; the
# generated code has one more line, where z = w*hours + b passes dL/dz on to w*hours.
HAND_RULE = {
    "d_z": "error = prediction - actual",
    "d_w_hours": "(no line of its own: the + passes the error on, so d_w_hours is the error)",
    "d_b": "gradient for the bias = error",
    "d_w": "gradient for the weight = error * hours",
}
# This demo's --loss choices → the loss compiled for the code listing, and its title.
CODE_LOSSES = {
    "squared": ("squared", "the code for squared error"),
    "bce": ("cross-entropy", "the code for cross-entropy (from the raw score z, as binary_cross_entropy_with_logits)"),
}


def compiled_row(hours: float, passed: int, weight: float, bias: float, loss: str) -> Callable[..., Any]:
    """The tutorial's row compiled with w and b as the arguments (hours and passed baked in)."""
    row = neuron_on_row(hours, passed, weight, bias)
    # Unlabelled, the product draws as w*hours; a label gives its variable a name (w_hours, not v2).
    row["z"].parents[0].label = "w_hours"
    if loss == "squared":
        root = squared_error(row["p"], row["passed"])
    else:  # cross-entropy of sigmoid(z) from z itself: its backward starts at dL/dz
        root = binary_cross_entropy_with_logits(row["z"], row["passed"])
    assert isinstance(root, Value)
    root.label = "L"
    return compile(root, [row["w"], row["b"]], name=f"{loss.replace('-', '_')}_row")


def backward_lines(code: str) -> list[str]:
    """The chain-rule lines of a compiled function's source, comments dropped."""
    body = code.split("# backward:", 1)[1].splitlines()[1:]
    return [line.split("  #")[0].strip() for line in body if line.strip().startswith("d_")]


def print_generated_code(hours: float, passed: int, weight: float, bias: float, losses: Sequence[str]) -> bool:
    """Print the code autodiff.compile writes for the row under ``losses``; line cross-entropy up with the hand rule.

    Returns whether the cross-entropy code's gradients are the hand rule's to the last bit (True without it).
    """
    print(
        f"\nThe code autodiff.compile writes for this row (hours = {hours:g}, passed = {passed} baked in; "
        "w, b the arguments)"
    )
    for loss in losses:
        compiled_loss, title = CODE_LOSSES[loss]
        print(f"\n{title}:")
        for line in compiled_row(hours, passed, weight, bias, compiled_loss).source.splitlines():
            print(f"  {line}")
    if "bce" not in losses:
        return True
    cross_entropy = compiled_row(hours, passed, weight, bias, "cross-entropy")
    _, (d_w, d_b) = cross_entropy(weight, bias)
    prediction = sigmoid(weight * hours + bias)
    error = prediction - passed
    print("\nCross-entropy's backward, line by line, is the tutorial's hand rule:")
    for line in backward_lines(cross_entropy.source):
        print(f"  {line}")
        print(f"      hand rule: {HAND_RULE.get(line.split(' ', 1)[0], '')}")
    same = d_w == error * hours and d_b == error
    print(
        f"  numbers: error = {prediction:.6f} - {passed} = {error:.6f}; generated d_w = {d_w!r}, error * hours = "
        f"{error * hours!r}; d_b = {d_b!r}: {'the same floats' if same else 'NOT the same'}"
    )
    return same


def main(argv: Sequence[str] | None = None) -> int:
    """Print the chain-rule steps for the chosen row and losses, and write their animations."""
    parser = cli.parser("backprop", __doc__.strip().splitlines()[0])
    parser.add_argument("--hours", type=cli.finite_float, default=3.0, help="study hours, the input (default: 3)")
    parser.add_argument("--passed", type=int, choices=(0, 1), default=1, help="the label, 0 or 1 (default: 1)")
    parser.add_argument("--weight", type=cli.finite_float, default=0.1, help="starting weight w (default: 0.1)")
    parser.add_argument("--bias", type=cli.finite_float, default=0.0, help="starting bias b (default: 0)")
    parser.add_argument(
        "--loss", choices=("squared", "bce", "both"), default="both", help="which loss to step (default: both)"
    )
    cli.add_out(parser, "out/backprop")
    parser.add_argument("--no-animation", action="store_true", help="print the steps only; write no files")
    parser.add_argument("--no-code", action="store_true", help="leave out the code autodiff.compile writes")
    args = parser.parse_args(argv)

    losses = ["squared", "bce"] if args.loss == "both" else [args.loss]
    out: Path | None = None if args.no_animation else cli.prepare_out(args.out)

    first = tutorial_row(args.hours, args.passed, args.weight, args.bias, losses[0])
    print(
        f"One row: hours = {args.hours:g}, passed = {args.passed}; weight w = {args.weight:g}, bias b = {args.bias:g}"
    )
    print(f"forward: z = w*hours + b = {first['z'].data:.4g}, p = sigmoid(z) = {first['p'].data:.4g}")
    print("backward: one chain-rule step per line, from L back to w and b;")
    print("          hours and passed (the data) get gradients too, but training changes only w and b")
    pages = []
    for loss in losses:
        print()
        print_pass(tutorial_row(args.hours, args.passed, args.weight, args.bias, loss), loss)
        if out is not None:
            import viz

            # A fresh copy of the row to draw, so the printed graph's leaves don't accumulate twice.
            fresh = tutorial_row(args.hours, args.passed, args.weight, args.bias, loss)
            page = viz.studio(fresh["L"], title=f"backprop: {LOSSES[loss][0]}")
            pages.append((loss, page))  # written together at the end, whole or not at all
    if not args.no_code:
        print_generated_code(args.hours, args.passed, args.weight, args.bias, losses)
    if out is not None:
        _write_pages(out, pages)
        print(f"\nstep through it: open {out / 'index.html'} in a browser (works offline)")
    return 0


def _write_pages(out: Path, pages: list[tuple[str, Any]]) -> None:
    """Each loss's studio and a small offline page linking them, swapped into ``out`` whole (viz.outputs.staged_output).

    A re-run replaces only what the last one wrote; a learner's own files in ``out`` stay.
    """
    from viz.outputs import staged_output, write_text

    with staged_output(out) as stage:
        for loss, page in pages:
            page.save(stage.dir / f"{loss}.html")
        links = "\n".join(f'<li><a href="{loss}.html">{LOSSES[loss][0]}</a></li>' for loss, _ in pages)
        write_text(
            stage.dir / "index.html",
            "<!doctype html>\n<meta charset='utf-8'>\n<title>backprop, step by step</title>\n"
            "<h1>One backward pass, step by step</h1>\n<ul>\n" + links + "\n</ul>\n",
        )


if __name__ == "__main__":
    cli.entry(main)
