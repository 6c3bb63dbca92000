"""Newton's method against SGD on the tutorial's neuron, and forward mode against reverse mode.

    python -m demos.newton [--lr 0.1] [--max-epochs 100000]

Newton's method steps by the gradient divided by the curvature: it needs the Hessian, the table of
second derivatives, which autodiff gets by differentiating the gradient again
(autodiff.grad(..., create_graph=True), then grad once more). The demo prints the first Hessian
with its numbers, checks it by hand, counts the steps each method needs to reach the same loss,
and then counts how many local derivatives forward mode and reverse mode evaluate.
"""

from __future__ import annotations

import math
import random
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from autodiff import Value, grad, hessian, jvp, topological_order, total
from autodiff.datasets import STUDY_HOURS
from autodiff.losses import binary_cross_entropy_with_logits
from autodiff.ops import Op
from demos import cli

START = (0.1, 0.0)  # the tutorial's weight and bias
TARGETS = (1.0, 0.5, 0.2, 0.1, 0.05, 0.01)  # losses both methods must get down to
MAX_NEWTON_STEPS = 50
ROWS = [(features[0], label) for features, label in STUDY_HOURS.rows]  # (hours, passed)


def epoch_loss(weight: Value, bias: Value) -> Value:
    """Cross-entropy summed over the four rows, from each raw score (the stable form)."""
    return total([binary_cross_entropy_with_logits(weight * hours + bias, passed) for hours, passed in ROWS])


def loss_at(weight: float, bias: float) -> float:
    return epoch_loss(Value(weight), Value(bias)).data


def indent(text: str, spaces: int) -> str:
    return textwrap.indent(text, " " * spaces)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# --- Newton's method ---------------------------------------------------------------------------


def newton_step(weight: float, bias: float) -> tuple[tuple[float, float], tuple[tuple[float, ...], ...], float, float]:
    """The gradient, the Hessian and the step's new (weight, bias) at one point."""
    w, b = Value(weight, label="w"), Value(bias, label="b")
    loss = epoch_loss(w, b)
    d_w, d_b = grad(loss, [w, b])
    (h_ww, h_wb), (h_bw, h_bb) = matrix = hessian(loss, [w, b])
    # Solve H·step = gradient for the 2×2 H (Cramer's rule), then move against the step.
    det = h_ww * h_bb - h_wb * h_bw
    step_w = (h_bb * d_w - h_wb * d_b) / det
    step_b = (h_ww * d_b - h_bw * d_w) / det
    return (d_w, d_b), matrix, weight - step_w, bias - step_b


def newton_losses(limit: float) -> list[float]:
    """The loss before each Newton step, until it is at most ``limit``."""
    weight, bias = START
    losses = [loss_at(weight, bias)]
    while losses[-1] > limit and len(losses) <= MAX_NEWTON_STEPS:
        _, _, weight, bias = newton_step(weight, bias)
        losses.append(loss_at(weight, bias))
    return losses


# --- SGD, the tutorial's loop ------------------------------------------------------------------


def sgd_epoch_losses(lr: float, max_epochs: int, limit: float) -> list[float]:
    """The tutorial's per-row SGD (backward on each row's loss); the summed loss after each epoch."""
    weight, bias = Value(START[0], label="w"), Value(START[1], label="b")
    losses = [loss_at(weight.data, bias.data)]
    while losses[-1] > limit and len(losses) <= max_epochs:
        for hours, passed in ROWS:
            loss = binary_cross_entropy_with_logits(weight * hours + bias, passed)
            weight.grad = bias.grad = 0.0
            loss.backward()
            weight.data -= lr * weight.grad
            bias.data -= lr * bias.grad
        losses.append(loss_at(weight.data, bias.data))
    return losses


def first_at_or_below(losses: Sequence[float], target: float) -> int | None:
    return next((i for i, loss in enumerate(losses) if loss <= target), None)


# --- counting local-derivative evaluations -----------------------------------------------------


@contextmanager
def counting_local_derivatives(roots: Sequence[Value]) -> Iterator[list[int]]:
    """Count every call of an op's ``derivatives`` (one node's local derivatives) inside the block."""
    ops = {node.op_class for root in roots for node in topological_order(root) if node.op_class is not None}
    originals = {op: vars(op)["derivatives"] for op in ops}
    count = [0]

    def counted(op: type[Op]) -> Callable[..., tuple[float, ...]]:
        derivatives = originals[op].__func__

        def derivatives_counted(*inputs_and_out: float) -> tuple[float, ...]:
            count[0] += 1
            return derivatives(*inputs_and_out)

        return derivatives_counted

    for op in ops:
        op.derivatives = staticmethod(counted(op))  # type: ignore[method-assign]
    try:
        yield count
    finally:
        for op, original in originals.items():
            op.derivatives = original  # type: ignore[method-assign]


def wide_neuron_loss(n_weights: int) -> tuple[Value, list[Value]]:
    """The loss of a neuron reading ``n_weights`` numbers per student: hours, then made-up ones."""
    rng = random.Random(n_weights)
    parameters = [Value(0.1, label=f"w{i + 1}") for i in range(n_weights)] + [Value(0.0, label="b")]
    terms = []
    for hours, passed in ROWS:
        raw: Value = parameters[-1]
        for i, weight in enumerate(parameters[:-1]):
            raw = raw + weight * (hours if i == 0 else rng.uniform(0.0, 1.0))
        terms.append(binary_cross_entropy_with_logits(raw, passed))
    return total(terms), parameters


def unrolled_training(epochs: int, lr: float) -> tuple[list[Value], Value]:
    """The tutorial's loop written with Values: each epoch's loss, as a graph reaching back to the start w."""
    start = Value(START[0], label="w0")
    weight, bias = start, Value(START[1], label="b0")
    losses = []
    for _ in range(epochs):
        for hours, passed in ROWS:
            error = (weight * hours + bias).sigmoid() - passed  # the tutorial's update rule
            weight = weight - lr * error * hours
            bias = bias - lr * error
        losses.append(epoch_loss(weight, bias))
    return losses, start


Count = tuple[str, int, int, int, int, bool]  # what, forward passes/evaluations, reverse ones, same numbers


def one_output_many_inputs(n_weights: int) -> Count:
    """∂loss/∂(every parameter): one reverse pass, or one forward pass per parameter."""
    loss, parameters = wide_neuron_loss(n_weights)
    n = len(parameters)
    with counting_local_derivatives([loss]) as forward:
        by_forward = [jvp(loss, parameters, [1.0 if j == i else 0.0 for j in range(n)]) for i in range(n)]
    with counting_local_derivatives([loss]) as reverse:
        by_reverse = grad(loss, parameters)
    what = "the loss, by w and b" if n == 2 else f"the loss, by {n_weights} weights and a bias"
    return what, n, forward[0], 1, reverse[0], agree(by_forward, by_reverse)


def many_outputs_one_input(epochs: int, lr: float) -> Count:
    """∂(each epoch's loss)/∂(the start w): one forward pass, or one reverse pass per epoch."""
    losses, start = unrolled_training(epochs, lr)
    with counting_local_derivatives(losses) as forward:
        by_forward = jvp(losses, [start], [1.0])
    with counting_local_derivatives(losses) as reverse:
        by_reverse = [grad(loss, [start])[0] for loss in losses]
    return (
        f"each of {epochs} epochs' losses, by start w",
        1,
        forward[0],
        epochs,
        reverse[0],
        agree(by_forward, by_reverse),
    )


def agree(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in zip(a, b))


# --- the report --------------------------------------------------------------------------------


def print_first_hessian() -> None:
    weight, bias = START
    (d_w, d_b), ((h_ww, h_wb), (h_bw, h_bb)), new_weight, new_bias = newton_step(weight, bias)
    print(f"1. The first Newton step, from the tutorial's start: w = {weight}, b = {bias}\n")
    print("   The gradient says which way the loss tilts:")
    print(f"      {'∂L/∂w':<9}= {d_w:8.4f}    {'∂L/∂b':<9}= {d_b:8.4f}")
    print("   The Hessian says how fast that tilt changes, from autodiff.hessian(loss, [w, b]), which")
    print("   builds the gradient as Values (grad with create_graph=True) and differentiates it again:")
    print(f"      {'∂²L/∂w²':<9}= {h_ww:8.4f}    {'∂²L/∂w∂b':<9}= {h_wb:8.4f}")
    print(f"      {'∂²L/∂b∂w':<9}= {h_bw:8.4f}    {'∂²L/∂b²':<9}= {h_bb:8.4f}\n")
    print("   Check by hand. Through the sigmoid, ∂L/∂raw = p − passed, so ∂²L/∂raw² = p(1 − p); each")
    print("   row's raw = w·hours + b adds p(1 − p)·hours² to ∂²L/∂w², p(1 − p)·hours to ∂²L/∂w∂b and")
    print("   p(1 − p) to ∂²L/∂b²:\n")
    rows, sums = [], [0.0, 0.0, 0.0]
    for hours, _ in ROWS:
        p = sigmoid(weight * hours + bias)
        curve = p * (1 - p)
        parts = [curve * hours * hours, curve * hours, curve]
        sums = [s + x for s, x in zip(sums, parts)]
        rows.append([f"{hours:g}", f"{p:.4f}", f"{curve:.4f}", *[f"{x:.4f}" for x in parts]])
    rows.append(["sum", "", "", *[f"{s:.4f}" for s in sums]])
    headers = ["hours", "p", "p(1 − p)", "× hours²", "× hours", "× 1"]
    print(indent(cli.table(headers, rows), 6))
    same = all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(sums, (h_ww, h_wb, h_bb)))
    print(f"\n   The sums are the Hessian's entries: {'the same numbers' if same else 'THEY DIFFER'}.\n")
    print("   Newton's step solves Hessian × step = gradient: where the loss curves like a bowl, it")
    print("   jumps to the bottom of the bowl it sees, instead of a small step downhill.")
    print(f"      step = Hessian⁻¹ × gradient = ({weight - new_weight:.4f}, {bias - new_bias:.4f}); subtract it:")
    print(
        f"      w: {weight} → {new_weight:.4f}    b: {bias} → {new_bias:.4f}    "
        f"loss: {loss_at(weight, bias):.4f} → {loss_at(new_weight, new_bias):.4f}"
    )


def print_race(lr: float, max_epochs: int) -> None:
    print(f"\n2. Steps to reach the same loss (SGD: the tutorial's loop, an update after every row, lr {lr:g})\n")
    newton = newton_losses(min(TARGETS))
    sgd = sgd_epoch_losses(lr, max_epochs, min(TARGETS))
    rows = []
    for target in TARGETS:
        epochs, steps = first_at_or_below(sgd, target), first_at_or_below(newton, target)
        rows.append(
            [
                f"{target:.2f}",
                f"{epochs}" if epochs is not None else f"more than {max_epochs}",
                f"{4 * epochs}" if epochs is not None else "",
                f"{steps}" if steps is not None else f"more than {MAX_NEWTON_STEPS}",
            ]
        )
    print(indent(cli.table(["loss at most", "SGD epochs", "SGD updates", "Newton steps"], rows), 3))
    print()
    if len(sgd) > 1000:
        passed = first_at_or_below(newton, sgd[1000])
        print(f"   The tutorial's 1000 epochs end at L = {sgd[1000]:.4f}; Newton gets below that in {passed} steps.")
    print("   Each SGD epoch and each Newton step reads the four rows once. A Newton step also builds")
    print("   the Hessian: with 2 parameters that is 4 numbers, with a million it would be a trillion,")
    print("   which is why large networks train with SGD and its cousins instead.")
    print("   The loss never reaches 0: the data can be split perfectly (1–2 hours fail, 3–4 pass), so")
    print("   it keeps falling as w grows and the sigmoid sharpens into a step; both methods keep going.")


def print_modes(lr: float) -> None:
    print("\n3. Forward mode against reverse mode: local derivatives evaluated, counted\n")
    print("   Reverse mode (backward, grad) goes from one output back to every input in one pass.")
    print("   Forward mode (jvp) goes from one input forward to every output in one pass.")
    print("   An evaluation is one call of an op's derivatives: one node's local derivatives.\n")
    counts = [
        one_output_many_inputs(1),
        one_output_many_inputs(10),
        one_output_many_inputs(100),
        many_outputs_one_input(10, lr),
        many_outputs_one_input(100, lr),
    ]
    width = max(len(c[0]) for c in counts)
    print(f"   {'derivatives of':<{width}}  {'forward mode':>20}  {'reverse mode':>20}")
    print(f"   {'':<{width}}  {'passes':>7} {'evaluations':>12}  {'passes':>7} {'evaluations':>12}")
    for what, f_passes, f_evals, r_passes, r_evals, _ in counts:
        print(f"   {what:<{width}}  {f_passes:>7} {f_evals:>12,}  {r_passes:>7} {r_evals:>12,}")
    different = [c[0] for c in counts if not c[5]]
    print()
    if different:
        print(f"   The two modes gave DIFFERENT derivatives for: {'; '.join(different)}.")
    else:
        print("   Both modes gave the same derivatives in every row (to 9 digits).")
    print("   One output, many inputs (a loss and its weights): reverse mode needs one pass, forward")
    print("   mode one per input. Many outputs, one input (the losses of a training run, and where it")
    print("   started): one forward pass, while reverse mode walks back through the run once per epoch.")
    print("   Training has one loss and many weights, which is why backprop is reverse mode.")


def main(argv: Sequence[str] | None = None) -> int:
    """Print the first Newton step's Hessian, the steps each method needs, and the mode counts."""
    parser = cli.parser("newton", __doc__)
    parser.add_argument("--lr", type=cli.positive_float, default=0.1, help="SGD's learning rate (default: 0.1)")
    parser.add_argument(
        "--max-epochs",
        type=cli.positive_int,
        default=100_000,
        metavar="N",
        help="SGD gives up after N epochs (default: 100000)",
    )
    args = parser.parse_args(argv)

    print("Newton's method against SGD on the tutorial's neuron: probability = sigmoid(w·hours + b),")
    print("loss L = cross-entropy summed over the four students (its gradient is the tutorial's update).\n")
    print_first_hessian()
    print_race(args.lr, args.max_epochs)
    print_modes(args.lr)
    return 0


if __name__ == "__main__":
    cli.entry(main)
