"""One backward pass, one multiplication at a time, on one row of the tutorial.

    python -m demos.backprop                       # hours 3, passed 1, w 0.1, b 0: both losses
    python -m demos.backprop --loss bce --hours 2 --passed 0
    python -m demos.backprop --quiz                # predict each number before it is shown

Prints every chain-rule step with its numbers, for squared error and for binary cross-entropy,
and writes a studio page for each pass (step through it, edit a number, offline) and an index.html linking them.
Cross-entropy's steps give dL/dz = p − passed and dL/dw = (p − passed)·hours: the tutorial's hand-written rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autodiff import Value, compile, sigmoid
from autodiff.datasets import STUDY_HOURS
from autodiff.losses import binary_cross_entropy, binary_cross_entropy_with_logits, squared_error
from autodiff.stepper import Step, backward_steps, name_of
from autodiff.training import inputs_for
from autodiff.value import formula_of
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


TOLERANCE = "within 1% of the value (±0.001 near zero)"
LEARNING_RATE = 0.1


def near(given: float, truth: float) -> bool:
    """Whether an answer counts as right: within 1% of the value, or 0.001 when the value is near zero.

    Args:
        given: the learner's answer.
        truth: the engine's number.

    Returns:
        True when the answer is within the tolerance.
    """
    return abs(given - truth) <= max(0.01 * abs(truth), 0.001)


def quiz_questions(values: dict[str, Value]) -> list[tuple[str, float, str]]:
    """The questions of one row, in the order a learner works them out: (question, answer, how it is computed).

    The forward pass (p from z), then each backward step's local derivative and contribution for the
    parameters' path (the data get no question: training never changes them), then the update of w and b.

    Args:
        values: the row's named Values (``tutorial_row``), before backward has run.

    Returns:
        One (question, answer, explanation) per question; building them runs backward on ``values["L"]``.
    """
    L, z, p = values["L"], values["z"], values["p"]
    out = [
        (f"p = sigmoid(z) with z = {z.data:.4g}:  p = ?", p.data, f"p = 1 / (1 + exp(−{z.data:.4g})) = {p.data:.4g}")
    ]
    data = {id(values["hours"]), id(values["passed"])}
    for step in backward_steps(L):
        node = name_of(step.node, L)
        for part in step.shown_inputs:
            if id(part.value) in data:
                continue
            other = name_of(part.value, L)
            rule = _local_rule(step, step.inputs.index(part), L)
            out.append(
                (
                    f"step through {node} = {formula_of(step.node, lambda v: name_of(v, L))}:  ∂{node}/∂{other} = ?",
                    part.local_derivative,
                    f"∂{node}/∂{other} = {rule}{part.local_derivative:.4g}",
                )
            )
            out.append(
                (
                    f"  dL/d{other} += dL/d{node} × ∂{node}/∂{other}"
                    f" = {step.upstream:.4g} × {part.local_derivative:.4g} = ?",
                    part.contribution,
                    f"{step.upstream:.4g} × {part.local_derivative:.4g} = {part.contribution:.4g}",
                )
            )
    for name in ("w", "b"):
        v = values[name]
        after = v.data - LEARNING_RATE * v.grad
        out.append(
            (
                f"update: {name} ← {name} − lr × dL/d{name} = {v.data:.4g} − {LEARNING_RATE:g} × {v.grad:.4g} = ?",
                after,
                f"{name} = {v.data:.4g} − {LEARNING_RATE:g} × {v.grad:.4g} = {after:.4g}",
            )
        )
    return out


def _local_rule(step: Step, j: int, loss: Value) -> str:
    """The op's rule for operand ``j`` with names and then numbers, ending in "= " (empty for a constant rule)."""
    from viz.studio import _op_text

    _, rules = _op_text(step.node)
    rule = rules[j]
    if "{" not in rule:
        return ""
    names = {str(k): name_of(v, loss) for k, v in enumerate(step.node.parents)} | {"out": name_of(step.node, loss)}
    numbers = {str(k): f"{v.data:.4g}" for k, v in enumerate(step.node.parents)} | {"out": f"{step.node.data:.4g}"}
    fill = lambda table: re.sub(r"\{(\w+)\}", lambda m: table[m.group(1)], rule)  # noqa: E731
    return f"{fill(names)} = {fill(numbers)} = "


def run_quiz(values: dict[str, Value], ask: Callable[[str], str] = input) -> tuple[int, int]:
    """Ask each question on the terminal, check the answer, reveal the value; returns (right, asked).

    End of input (Ctrl-D) or Ctrl-C ends the quiz early with one sentence and the score so far.

    Args:
        values: the row's named Values (``tutorial_row``), before backward has run.
        ask: reads one answer after printing its prompt (``input`` by default).

    Returns:
        (right, asked): the score.
    """
    print(f"Predict each number before it is shown; an answer is right {TOLERANCE}.")
    right = asked = 0
    for question, truth, how in quiz_questions(values):
        while True:
            try:
                text = ask(f"{question} ").strip().replace("\u2212", "-")
            except (EOFError, KeyboardInterrupt):
                print(f"\nQuiz ended early: {right} of {asked} right.")
                return right, asked
            try:
                given = float(text)
            except ValueError:
                print(f"  {text!r} is not a number; type one, e.g. 0.25")
                continue
            break
        asked += 1
        ok = near(given, truth)
        right += ok
        verdict = "right" if ok else "not quite"
        print(f"  {verdict}: {how}; you said {given:g} (off by {abs(given - truth):.4g})")
    print(f"Score: {right} of {asked} right.")
    return right, asked


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
    parser.add_argument(
        "--quiz", action="store_true", help="ask each number of the pass before showing it (reads answers from stdin)"
    )
    args = parser.parse_args(argv)
    if args.quiz:
        loss = "bce" if args.loss == "both" else args.loss
        values = tutorial_row(args.hours, args.passed, args.weight, args.bias, loss)
        print(
            f"One row: hours = {args.hours:g}, passed = {args.passed}; w = {args.weight:g}, b = {args.bias:g}; "
            f"L = {LOSSES[loss][1][4:]}"
        )
        run_quiz(values)
        return 0

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
        _write_pages(out, pages, f"hours {args.hours:g}, passed {args.passed}; w {args.weight:g}, b {args.bias:g}")
        print(f"\nstep through it: open {out / 'index.html'} in a browser (works offline)")
    return 0


_INDEX_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;color:#222;max-width:46em;margin:2em auto;padding:0 1em}"
    "h1{font-size:1.5em}a.card{display:block;border:1px solid #aab;border-radius:8px;padding:.8em 1em;margin:.8em 0;"
    "text-decoration:none;color:inherit;background:#f6f7f9}a.card:hover{background:#eef3ff}"
    "a.card b{color:#1f4e9c;font-size:1.1em}code{background:#f2f2f2;padding:0 .2em}"
)


def _write_pages(out: Path, pages: list[tuple[str, Any]], row: str) -> None:
    """Each loss's studio and an offline page saying what they show, swapped into ``out`` whole.

    Written through viz.outputs.staged_output: a re-run replaces only what the last one wrote, and a
    learner's own files in ``out`` stay.
    """
    from viz.escape import html_text as escape
    from viz.outputs import staged_output, write_text

    with staged_output(out) as stage:
        for loss, page in pages:
            page.save(stage.dir / f"{loss}.html")
        cards = "\n".join(
            f'<a class="card" href="{loss}.html"><b>{escape(LOSSES[loss][0])}</b><br>'
            f"<code>{escape(LOSSES[loss][1])}</code></a>"
            for loss, _ in pages
        )
        write_text(
            stage.dir / "index.html",
            "<!doctype html>\n<html lang='en'><meta charset='utf-8'>\n"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
            f"<title>backprop, step by step</title>\n<style>{_INDEX_STYLE}</style>\n"
            "<h1>One backward pass, step by step</h1>\n"
            f"<p>One row of the tutorial ({escape(row)}) through the neuron <code>p = sigmoid(w·hours + b)</code>, "
            "then backward from the loss L to w and b, one chain-rule multiplication per step. Each page opens on the "
            "forward pass; press &#x2192; to step, <b>predict</b> to guess each number before it is shown, "
            "click w or b to change it.</p>\n"
            + cards
            + "\n<p>Cross-entropy's steps end in the tutorial's hand-written rule: "
            "dL/dw = (p &#x2212; passed)&#xB7;hours. Squared error's do not.</p>\n</html>\n",
        )


if __name__ == "__main__":
    cli.entry(main)
