"""Walking the graph: the orders backprop visits nodes in, and pausing the collector while building.

Plumbing, not calculus: the shipped VS Code configuration (.vscode/launch.json) steps over this
module, so "step into" from ``loss.backward()`` goes from the chain rule straight to an op's
``derivatives`` instead of through every node of the sort (and every ``node.parents``).
Everything here is iterative, so a chain of a million operations needs no recursion.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # value.py imports this module for ``parents_of``
    from autodiff.value import Value

__all__ = ["computed_nodes", "gc_paused", "parents_of", "table_order", "topological_order"]


def parents_of(node: Value) -> tuple[Value, ...]:
    """The values ``node`` was computed from, in operand order (empty for a leaf): ``Value.parents``.

    Read from the two parent slots, whose layout Value's docstring gives.

    Args:
        node: any Value.

    Returns:
        Its parents as a tuple.
    """
    a = node._a
    if a is None:
        return node._b or ()  # type: ignore[return-value] - a leaf's None, or three or more
    b = node._b
    return (a,) if b is None else (a, b)  # type: ignore[return-value]


def topological_order(root: Value) -> list[Value]:
    """Every value ``root`` depends on, each after all of its parents (root last).

    Depth-first, parents visited in operand order, so the same code gives the same order.

    Args:
        root: the value whose graph to order, usually the loss.

    Returns:
        Each value once, leaves and computed nodes alike, every parent before its children.
    """
    with gc_paused():
        return _topological_order(root)


def _topological_order(root: Value) -> list[Value]:
    # Recursion written out: ``node`` and ``parents`` (an iterator that keeps our place among its
    # parents) are the current call; ``stack`` holds the callers paused while we descend.
    order: list[Value] = []
    seen = {root}
    stack: list[tuple[Value, Iterator[Value]]] = []
    node, parents = root, iter(parents_of(root))
    while True:
        for parent in parents:
            if parent in seen:
                continue
            seen.add(parent)
            if parent._op is not None:  # a computed node: descend into it
                stack.append((node, parents))
                node, parents = parent, iter(parents_of(parent))
                break
            order.append(parent)  # a leaf is finished as soon as it is found
        else:  # every parent is finished, so this node is: return to its caller
            order.append(node)
            if not stack:
                return order
            node, parents = stack.pop()


def computed_nodes(root: Value) -> list[Value]:
    """``topological_order(root)`` without the leaves, each node's grad reset to 0.0.

    The fast path's order: a leaf has no work to do in backward, so skipping leaves here saves a
    set lookup and a visit each. Computed nodes keep their relative order, so gradients are
    accumulated in exactly the same sequence as with the full order.

    Args:
        root: the value backward starts from.

    Returns:
        The computed nodes, every parent before its children (root last); empty when root is a leaf.
    """
    if root._op is None:
        return []
    order: list[Value] = []
    seen = {root}
    # Recursion written out, reading parents straight from the slots (see Value's docstring) so
    # that no tuple or iterator is made per node. ``node`` is the current call; ``back_from`` is
    # the parent we just returned from (None on entering ``node``), which tells us where we are
    # among node's one or two parents. Nodes with three or more keep an iterator in ``place``.
    stack: list[Value] = []  # the callers paused while we descend
    place: dict[Value, Iterator[Value]] = {}
    node: Value = root
    back_from: Value | None = None
    while True:
        parent = None
        a = node._a
        if a is not None:  # one or two parents: first a, then b
            b = node._b
            if back_from is None and a._op is not None and a not in seen:
                parent = a
            elif b is not None and back_from is not b and b._op is not None and b not in seen:
                parent = b
        else:  # three or more, in the tuple _b
            parents = iter(node._b) if back_from is None else place.pop(node)
            for candidate in parents:
                if candidate._op is not None and candidate not in seen:
                    parent = candidate
                    place[node] = parents
                    break
        if parent is not None:  # descend into it
            seen.add(parent)
            stack.append(node)
            node, back_from = parent, None
            continue
        node.grad = 0.0  # values computed inside the graph hold this pass's gradient only
        order.append(node)  # every parent is finished, so this node is: return to its caller
        if not stack:
            return order
        node, back_from = stack.pop(), node


def table_order(root: Value, break_at: Value | str | None) -> tuple[list[Value], Value | None]:
    """The computed nodes (grads reset) and the node ``break_at`` names, for the table's walk.

    The node is found first: a ``break_at`` that names nothing (or a leaf) raises here, before any
    grad has been reset, so a typo leaves the graph as it was.

    Args:
        root: the value backward starts from.
        break_at: a Value, a label, or None.

    Returns:
        ``(computed nodes in topological order, the break node or None)``.

    Raises:
        ValueError: ``break_at`` names no value of the graph, or a leaf.
        TypeError: ``break_at`` is neither a Value nor a str.
    """
    target = None
    if break_at is not None:
        from autodiff.debugger import find_break_node  # imported here: it imports value.py, which imports this

        target = find_break_node(topological_order(root), break_at)
    return computed_nodes(root), target


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block, restoring its state after.

    Graphs of Values hold no reference cycles, so reference counting frees them and the cyclic
    collector only costs time: building a big graph triggers full collections that rescan every
    node. Wrap a training loop (or a big graph's construction) in ``with gc_paused():`` to skip
    them. Nested use is fine; the collector is re-enabled only by the block that disabled it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
