"""Breaking into a debugger during backprop: ``loss.backward(break_at=...)``."""

from __future__ import annotations

from autodiff.value import Value


def find_break_node(order: list[Value], break_at: Value | str) -> Value:
    if isinstance(break_at, Value):
        if not any(node is break_at for node in order):
            raise ValueError(f"break_at={break_at!r} is not part of this graph")
        return break_at
    if isinstance(break_at, str):
        for node in order:
            if node.label == break_at:
                return node
        labels = sorted({node.label for node in order if node.label})
        raise ValueError(f"break_at={break_at!r} names no value in this graph; its labels are {labels}")
    raise TypeError(f"break_at needs a Value or a label (str), got {type(break_at).__name__}")


def pause_at(node: Value) -> None:
    """Where ``backward(break_at=...)`` stops: the locals below read like the chain rule.

    ``step`` from here enters the op's ``derivatives`` (autodiff.ops), the one place its
    calculus lives.
    """
    op = node.op  # noqa: F841 - for the debugger
    upstream = node.grad  # dL/d(node), complete: every later node has been processed
    inputs = node.parents  # noqa: F841
    local_derivatives = node.local_derivatives()  # ∂node/∂input, per input
    contributions = [upstream * d for d in local_derivatives]  # noqa: F841 - what each input gets
    breakpoint()  # noqa: T100 - this is the point of break_at
