"""Reverse mode: walk the graph from the root back to the leaves, applying the chain rule.

Everything here is iterative, so a chain of a million operations needs no recursion.

Read ``_backward_by_table`` first: it is backprop in five lines, asking each node's op
(autodiff.ops) for its local derivatives. ``backward_fast`` (autodiff.fast_path) does the same
arithmetic with the common ops' derivative templates written out inline, generated from the op
table at import; it exists only for speed and is checked against the table by
tests/test_performance_paths.py (bit-for-bit equal gradients on random graphs). Under a debugger
backward() always takes the table, so breakpoints in autodiff/ops.py are hit.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from autodiff.debugger import find_break_node, pause_at
from autodiff.fast_path import backward_fast
from autodiff.value import Value


def topological_order(root: Value) -> list[Value]:
    """Every value ``root`` depends on, each after all of its parents (root last).

    Depth-first, parents visited in operand order, so the same code gives the same order.
    """
    with gc_paused():
        return _topological_order(root)


def _topological_order(root: Value) -> list[Value]:
    # Recursion written out: ``node`` and ``parents`` (an iterator that keeps our place among its
    # parents) are the current call; ``stack`` holds the callers paused while we descend.
    order: list[Value] = []
    seen = {root}
    stack: list[tuple[Value, Iterator[Value]]] = []
    node, parents = root, iter(root.parents)
    while True:
        for parent in parents:
            if parent in seen:
                continue
            seen.add(parent)
            if parent._op is not None:  # a computed node: descend into it
                stack.append((node, parents))
                node, parents = parent, iter(parent.parents)
                break
            order.append(parent)  # a leaf is finished as soon as it is found
        else:  # every parent is finished, so this node is: return to its caller
            order.append(node)
            if not stack:
                return order
            node, parents = stack.pop()


def backward(root: Value, break_at: Value | str | None = None) -> None:
    """Set ``grad`` on every value ``root`` depends on to d(root)/d(value).

    As in PyTorch, gradients *accumulate* in leaves (parameters and inputs): a second call adds
    to what the first left, so call ``zero_grad`` between optimizer steps. Values computed inside
    the graph are reset on each call and hold this pass's gradient.

    ``break_at`` (a Value or a label) calls ``breakpoint()`` when backprop reaches that node,
    honouring PYTHONBREAKPOINT; see autodiff.debugger for what the debugger shows there.
    """
    # No pause of the cyclic garbage collector here: the fast walk reads parents from slots and
    # allocates next to nothing, so a collection never falls inside it (measured: backward of a
    # 1,000,000-node chain takes the same time with the collector paused, and the tutorial's
    # small graphs pay for the pause itself). Building big graphs is where it costs: gc_paused().
    if break_at is None and _gettrace() is None and not (_monitoring and debugger_active()):
        computed = _computed_nodes(root)  # resets their grads on the way
        root.grad += 1.0  # d(root)/d(root)
        backward_fast(computed)
        return
    # Under a debugger (or with break_at), backprop asks every op for its derivatives, so a breakpoint
    # set in, say, Sigmoid.derivatives in autodiff/ops.py stops there. Same floats either way.
    order = topological_order(root)  # pauses the collector: this walk allocates per node
    # Find the node first: a break_at that names nothing (or a leaf) raises here, before any
    # grad has been reset or accumulated, so a typo leaves the graph as it was.
    target = None if break_at is None else find_break_node(order, break_at)
    for node in order:
        if node._op is not None:
            node.grad = 0.0
    root.grad += 1.0
    _backward_by_table(order, target)


_gettrace = sys.gettrace  # looked up once: backward() asks on every call
_monitoring = getattr(sys, "monitoring", None)  # Python 3.12+: debuggers may use sys.monitoring instead


def debugger_active() -> bool:
    """True when a debugger, or any tool that traces Python lines, is watching (pdb, IDEs, coverage)."""
    if _gettrace() is not None:
        return True
    return _monitoring is not None and any(_monitoring.get_tool(tool) is not None for tool in range(6))


def _computed_nodes(root: Value) -> list[Value]:
    """``topological_order(root)`` without the leaves, each node's grad reset to 0.0.

    The fast path's order: a leaf has no work to do in backward, so skipping leaves here saves a
    set lookup and a visit each. Computed nodes keep their relative order, so gradients are
    accumulated in exactly the same sequence as with the full order.
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


def _backward_by_table(order: list[Value], target: Value | None = None) -> None:
    """The chain rule, node by node from the root: each parent gets upstream × local derivative.

    Used whenever a debugger may be watching (a tracer is set, or ``break_at``), so a breakpoint in
    an op's ``derivatives`` stops a plain ``loss.backward()``, and ``step`` from ``pause_at`` leads in.
    """
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


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad`` of each value to 0.0 (before the next backward pass accumulates into it)."""
    for value in values:
        value.grad = 0.0
