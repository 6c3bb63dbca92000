"""Backward one node at a time: each chain-rule multiplication as a Step you can print or inspect.

    for step in loss.backward_steps():
        print(step)

prints lines like ``z = w*x + b   dL/dw += dL/dz × ∂z/∂w = -0.2081 × 3 = -0.6242``. Run to the
end, the steps leave exactly the gradients ``loss.backward()`` leaves (same order, same float
operations); stopped early, the gradients are those of the nodes processed so far.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from autodiff.backward import topological_order
from autodiff.value import Constant, Value, formula_of

__all__ = ["InputStep", "Step", "backward_steps", "name_of"]


def _num(x: float) -> str:
    """A number as the stepper prints it: 4 significant digits, like Value's repr."""
    return f"{x:.4g}"


def _operand(v: Value, depth: int) -> str:
    """``v`` inside another formula: its label, its number, or its formula (``depth`` levels) in brackets."""
    if v.label:
        return v.label
    if v.op_class is None:
        return _num(v.data)
    if depth <= 0:
        return f"({v.op}…)"
    return f"({formula_of(v, lambda parent: _operand(parent, depth - 1))})"


_NAME_WIDTH = 32  # longer formulas are cut to fewer levels, so deep unlabelled graphs stay readable


def name_of(v: Value, loss: Value | None = None) -> str:
    """What ``d…/d·`` calls ``v``: its label, else a short formula; an unlabelled loss is ``L``.

    Args:
        v: the value to name.
        loss: the value backward started from, named ``L`` when it has no label.

    Returns:
        The label; else the formula to as many levels (3, 2 or 1) as fit in 32 characters, deeper
        parts shown as ``(op…)``.
    """
    if v is loss and not v.label:
        return "L"
    for depth in (3, 2, 1):
        name = _operand(v, depth)
        if len(name) <= _NAME_WIDTH:
            return name
    return _operand(v, 0)


@dataclass(frozen=True)
class InputStep:
    """One input's share of a step: d(loss)/d(input) += upstream × local_derivative.

    Attributes:
        value: the input (parent) Value, which received the contribution.
        local_derivative: ∂node/∂input, from the op table (autodiff.ops).
        contribution: upstream × local_derivative: what this step added to ``value.grad``.
        grad_after: ``value.grad`` right after adding the contribution (the total so far).
    """

    value: Value
    local_derivative: float
    contribution: float
    grad_after: float


@dataclass(frozen=True)
class Step:
    """One node of a backward pass: its upstream gradient, and what it passed to each input.

    Attributes:
        node: the node being processed; its grad is complete (every later node has been processed).
        op: the op's name, as in ``node.op`` ("*", "sigmoid", "linear", ...).
        upstream: d(loss)/d(node): the gradient flowing into this node from above.
        inputs: one InputStep per parent, in operand order (constants included, e.g. the 2 in x**2).
        loss: the value backward started from (what ``dL`` refers to).
    """

    node: Value
    op: str
    upstream: float
    inputs: tuple[InputStep, ...]
    loss: Value

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """∂node/∂input for each input, in operand order."""
        return tuple(i.local_derivative for i in self.inputs)

    @property
    def contributions(self) -> tuple[float, ...]:
        """Upstream × local derivative for each input, in operand order."""
        return tuple(i.contribution for i in self.inputs)

    @property
    def shown_inputs(self) -> tuple[InputStep, ...]:
        """The inputs worth a line: plain constants (the 2 in x**2, the 1 in 1 - p) left out."""
        return tuple(i for i in self.inputs if not isinstance(i.value, Constant)) or self.inputs[:1]

    def lines(self) -> list[str]:
        """The chain rule for each input, with the numbers; plain constants (the 2 in x**2) left out."""
        node = self.node
        loss_name = name_of(self.loss, self.loss)
        node_name = name_of(node, self.loss)
        formula = formula_of(node, lambda parent: name_of(parent, self.loss))
        header = f"{node_name} = {formula}" if node.label or node is self.loss else formula
        out = []
        for k, part in enumerate(self.shown_inputs):
            input_name = name_of(part.value, self.loss)
            lead = header if k == 0 else " " * len(header)
            out.append(
                f"{lead}   d{loss_name}/d{input_name} += d{loss_name}/d{node_name} × ∂{node_name}/∂{input_name}"
                f" = {_num(self.upstream)} × {_num(part.local_derivative)} = {_num(part.contribution)}"
            )
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def backward_steps(loss: Value) -> Iterator[Step]:
    """Backpropagate from ``loss`` one node at a time, yielding each node's chain-rule Step.

    Same semantics as ``backward()``: values computed inside the graph are reset, leaves
    accumulate, and ``loss.grad`` gets 1 added. The reset happens when iteration starts.

    Args:
        loss: the value to differentiate, usually the loss.

    Yields:
        One Step per computed node, from ``loss`` back towards the leaves, each yielded after its
        contributions were added to its inputs' grads.

    Raises:
        TypeError: ``loss`` is not a Value (raised when iteration starts).
    """
    if not isinstance(loss, Value):
        raise TypeError(f"backward_steps needs a Value to start from, got {type(loss).__name__} {loss!r}")
    order = topological_order(loss)
    for node in order:
        if node.op_class is not None:
            node.grad = 0.0
    loss.grad += 1.0  # d(loss)/d(loss)
    for node in reversed(order):
        op = node.op_class
        if op is None:
            continue
        upstream = node.grad
        parents = node.parents
        local = op.derivatives(*[parent.data for parent in parents], node.data)
        inputs = []
        for parent, derivative in zip(parents, local):
            contribution = upstream * derivative
            parent.grad += contribution
            inputs.append(InputStep(parent, derivative, contribution, parent.grad))
        yield Step(node, op.name, upstream, tuple(inputs), loss)
