"""Reverse mode: walk the graph from the root back to the leaves, applying the chain rule.

Read ``chain_rule_step`` first: it is backprop at one node, asking the node's op (autodiff.ops)
for its local derivatives; ``backward`` calls it for each node from the root back (the walks are
in autodiff.walk). ``backward_fast`` (autodiff.fast_path) does the same arithmetic with the common
ops' derivative templates written out inline, generated from the op table at import; it exists
only for speed and is checked against the table by tests/test_performance_paths.py (bit-for-bit
equal gradients on random graphs). Under a debugger backward() always takes the table, so
breakpoints in autodiff/ops.py are hit.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from operator import attrgetter

from autodiff.fast_path import backward_fast
from autodiff.value import Value
from autodiff.walk import computed_nodes, gc_paused, table_order, topological_order

__all__ = ["backward", "chain_rule_step", "gc_paused", "topological_order", "zero_grad"]


def backward(root: Value, break_at: Value | str | None = None) -> None:
    """Set ``grad`` on every value ``root`` depends on to d(root)/d(value).

    As in PyTorch, gradients *accumulate* in leaves (parameters and inputs): a second call adds
    to what the first left, so call ``zero_grad`` between optimizer steps. Values computed inside
    the graph are reset on each call and hold this pass's gradient.

    Not thread-safe: backward writes ``grad`` on every node of the graph, so two threads running
    it on one graph (or on graphs that share nodes) corrupt each other's gradients. Separate graphs
    in separate threads are fine.

    Args:
        root: the value to differentiate, usually the loss.
        break_at: a Value or a label: at that node, ``chain_rule_step`` calls ``breakpoint()``
            (honouring PYTHONBREAKPOINT) with the chain rule's numbers in its locals.

    Raises:
        ValueError: ``break_at`` names no value of the graph, or a leaf.
        TypeError: ``root`` is not a Value (``Value.backward([v])``), or ``break_at`` is neither a
            Value nor a str.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward is called on a Value (v.backward()), got {type(root).__name__} {root!r}")
    # No pause of the cyclic garbage collector here: the fast walk reads parents from slots and
    # allocates next to nothing, so a collection never falls inside it (measured: backward of a
    # 1,000,000-node chain takes the same time with the collector paused, and the tutorial's
    # small graphs pay for the pause itself). Building big graphs is where it costs: gc_paused().
    # A debugger watches through a line tracer (pdb, IDEs, coverage) or, on Python 3.12+, holds
    # sys.monitoring's DEBUGGER_ID (debugpy). A profiler (cProfile: PROFILER_ID) must measure the
    # fast path users run, so it does not count. No call here, so "step into" has nothing to enter.
    if break_at is None and _gettrace() is None and (_monitoring is None or _monitoring.get_tool(_DEBUGGER) is None):
        computed = computed_nodes(root)  # resets their grads on the way
        root.grad += 1.0  # d(root)/d(root)
        backward_fast(computed)
        return
    # Under a debugger (or with break_at), backprop asks every op for its derivatives, one small
    # function call per node, so a breakpoint in, say, Sigmoid.derivatives stops there. Same floats.
    computed, target = table_order(root, break_at)
    root.grad += 1.0
    for node in reversed(computed):
        chain_rule_step(node, node is target)


def chain_rule_step(node: Value, pause: bool = False) -> None:
    """The chain rule at one node: each input's grad gets upstream × ∂node/∂input.

    Its locals are what ``backward(break_at=...)`` shows, fresh for each node: ``node``,
    ``upstream`` (dL/d node, complete: every later node has been processed), ``inputs`` (the
    values node was computed from, in operand order), ``local_derivatives`` (∂node/∂input, from
    the op's ``derivatives`` in autodiff.ops) and ``contributions`` (upstream × local).

    Args:
        node: a computed node whose ``grad`` is complete.
        pause: call ``breakpoint()`` once the numbers are in scope; ``step`` there enters the
            op's ``derivatives``, ``continue`` lets backprop finish.
    """
    upstream = node.grad
    inputs = node.parents
    local_derivatives = node._op.derivatives(*map(_data, inputs), node.data)
    contributions = [upstream * derivative for derivative in local_derivatives]
    if pause:
        breakpoint()  # noqa: T100 - the point of break_at; `step` enters the op's derivatives below
        local_derivatives = node._op.derivatives(*map(_data, inputs), node.data)
    for value, contribution in zip(inputs, contributions):
        value.grad += contribution


_data = attrgetter("data")
_gettrace = sys.gettrace  # looked up once: backward() asks on every call
_monitoring = getattr(sys, "monitoring", None)  # Python 3.12+: debuggers may use sys.monitoring instead
_DEBUGGER = getattr(_monitoring, "DEBUGGER_ID", 0)


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad`` of each value to 0.0 (before the next backward pass accumulates into it).

    Args:
        values: the values to clear, usually a model's parameters.
    """
    for value in values:
        value.grad = 0.0


Value.backward = backward  # type: ignore[method-assign] - loss.backward() is this function (value.py cannot import it)
