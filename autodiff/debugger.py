"""Breaking into a debugger during backprop: ``loss.backward(break_at=...)`` names the node.

At that node, autodiff.backward's ``chain_rule_step`` calls the built-in ``breakpoint()`` with
``node``, ``upstream``, ``inputs``, ``local_derivatives`` and ``contributions`` in its locals, so
``PYTHONBREAKPOINT`` is honoured (``0`` turns it off, a dotted name picks another debugger) and IDEs
that hook ``sys.breakpointhook`` stop there too.
"""

from __future__ import annotations

from autodiff.value import Value


def _labels(order: list[Value], *, computed_only: bool = False) -> list[str]:
    return sorted({n.label for n in order if n.label and not (computed_only and n.op_class is None)})


def find_break_node(order: list[Value], break_at: Value | str) -> Value:
    """The node of ``order`` (a topological order) that ``break_at`` names, or a clear error.

    A label used by several nodes means the first of them backprop reaches. Leaves (inputs,
    parameters) are refused: backprop does no work at a leaf, so it would never stop there.

    Args:
        order: the graph's values in topological order.
        break_at: a Value of the graph, or a label.

    Returns:
        The computed node to stop at.

    Raises:
        ValueError: ``break_at`` is not in the graph, names no value of it, or is a leaf.
        TypeError: ``break_at`` is neither a Value nor a str.
    """
    if isinstance(break_at, Value):
        if not any(node is break_at for node in order):
            raise ValueError(f"break_at={break_at!r} is not part of this graph")
        target = break_at
    elif isinstance(break_at, str):
        found = [node for node in reversed(order) if node.label == break_at]
        if not found:
            raise ValueError(f"break_at={break_at!r} names no value in this graph; its labels are {_labels(order)}")
        target = found[0]
    else:
        raise TypeError(f"break_at needs a Value or a label (str), got {type(break_at).__name__} {break_at!r}")
    if target.op_class is None:
        raise ValueError(
            f"break_at={break_at!r} is a leaf (an input or parameter): backprop passes nothing on from "
            f"it, so there is nowhere to stop; break at a value computed from it instead, "
            f"one of {_labels(order, computed_only=True)}"
        )
    return target
