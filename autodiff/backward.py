"""Reverse mode: walk the graph from the root back to the leaves, applying the chain rule.

Everything here is iterative, so a chain of a million operations needs no recursion.
"""

from __future__ import annotations

from collections.abc import Iterable

from autodiff.debugger import find_break_node, pause_at
from autodiff.value import Value


def topological_order(root: Value) -> list[Value]:
    """Every value ``root`` depends on, each after all of its parents (root last).

    Depth-first, parents visited in operand order, so the same code gives the same order.
    """
    order: list[Value] = []
    seen = {root}
    # Each stack entry is (node, index of the next parent to visit).
    stack: list[tuple[Value, int]] = [(root, 0)]
    while stack:
        node, i = stack[-1]
        parents = node.parents
        while i < len(parents) and parents[i] in seen:
            i += 1
        if i == len(parents):
            stack.pop()
            order.append(node)
        else:
            stack[-1] = (node, i + 1)
            seen.add(parents[i])
            stack.append((parents[i], 0))
    return order


def backward(root: Value, break_at: Value | str | None = None) -> None:
    """Set ``grad`` on every value ``root`` depends on to d(root)/d(value).

    As in PyTorch, gradients *accumulate* in leaves (parameters and inputs): a second call adds
    to what the first left, so call ``zero_grad`` between optimizer steps. Values computed inside
    the graph are reset on each call and hold this pass's gradient.

    ``break_at`` (a Value or a label) calls ``breakpoint()`` when backprop reaches that node,
    honouring PYTHONBREAKPOINT; see autodiff.debugger for what the debugger shows there.
    """
    order = topological_order(root)
    for node in order:
        if node._op is not None:
            node.grad = 0.0
    root.grad += 1.0  # d(root)/d(root)
    target = find_break_node(order, break_at) if break_at is not None else None
    for node in reversed(order):
        op = node._op
        if op is None:
            continue
        if node is target:
            pause_at(node)
        upstream = node.grad
        parents = node.parents
        local = op.derivatives(*[parent.data for parent in parents], node.data)
        for parent, derivative in zip(parents, local):
            parent.grad += upstream * derivative


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad`` of each value to 0.0 (before the next backward pass accumulates into it)."""
    for value in values:
        value.grad = 0.0
