"""Gradients as results, not in ``.grad``: ``grad`` (to any order), ``hessian`` and ``hvp``.

``grad(output, inputs)`` is ``torch.autograd.grad`` for scalars: it returns d output/d input for
each input and leaves every ``.grad`` as it was. With ``create_graph=True`` the chain rule is
carried out on Values instead of floats, using the same op table as ``backward()`` (each op's
``derivatives`` takes floats or Values), so every derivative is itself a computation graph that
can be drawn, or differentiated again:

    w = Value(0.5, label="w")
    loss = (w * 3.0).sigmoid()
    (slope,) = grad(loss, [w], create_graph=True)   # a Value: σ'(3w)·3, as nodes
    (curvature,) = grad(slope, [w])                 # a float: the second derivative
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff.backward import topological_order
from autodiff.forward import _check_inputs, _check_output, depends_on, jvp
from autodiff.guards import engine_derivatives
from autodiff.value import Constant, Value, _as_value

__all__ = ["grad", "hessian", "hvp"]

Gradient = float | Value


def grad(
    output: Value, inputs: Value | Sequence[Value], create_graph: bool = False
) -> tuple[float, ...] | tuple[Value, ...]:
    """The derivative of output by each input: floats, or differentiable Values with ``create_graph``.

    Like ``torch.autograd.grad``: no ``.grad`` is read or written, and ``create_graph=False``
    builds no nodes. An input ``output`` does not depend on gets 0 (PyTorch would need
    ``allow_unused``). An input may be any node of the graph, not only a leaf. With
    ``create_graph``, every node that depends on any leaf stays differentiable, whether or not it
    is among ``inputs`` (as every tensor with ``requires_grad`` does in PyTorch): the derivative
    by x0 of x0²·x1 is 2·x0·x1, which ``grad`` by x1 then sees. A derivative may be a node of the
    graph itself (∂(x·y)/∂x is y), so label a result before drawing it only if it is new.

    Args:
        output: the Value to differentiate.
        inputs: the Values (or one Value) to differentiate by.
        create_graph: give the derivatives as Values, themselves differentiable.

    Returns:
        One derivative per input, in order: floats, or Values with ``create_graph``.

    Raises:
        TypeError: ``output`` or an input is not a Value, or ``create_graph`` is not a bool.
        ValueError: ``inputs`` is empty.
    """
    _check_output(output, "grad")
    inputs = _check_inputs(inputs, "grad")
    if not isinstance(create_graph, bool):
        raise TypeError(f"grad's create_graph needs True or False, got {type(create_graph).__name__} {create_graph!r}")
    order = topological_order(output)
    live = depends_on(order, inputs)
    if not create_graph:
        gradients = _reverse_on_floats(output, order, live)
        return tuple(gradients.get(x, 0.0) for x in inputs)
    with engine_derivatives():  # relu's ``a > 0`` on a Value here is the engine's choice, not a user's branch
        gradients = _reverse_on_values(output, order, live, _variables(order, live))
    # A derivative that does not depend on any input came out as a plain number: give it as a
    # Constant, so every result is a Value that can be differentiated again (to 0).
    return tuple(_as_value(gradients.get(x, 0.0)) for x in inputs)


def _reverse_on_floats(output: Value, order: list[Value], live: set[Value]) -> dict[Value, float]:
    """backward()'s arithmetic (the same float operations in the same order) into a dict."""
    gradients: dict[Value, float] = {output: 1.0}
    for node in reversed(order):
        if node._op is None or node not in live:
            continue
        upstream = gradients[node]
        parents = node.parents
        local = node._op.derivatives(*[parent.data for parent in parents], node.data)
        for parent, derivative in zip(parents, local):
            if parent in live:
                gradients[parent] = gradients.get(parent, 0.0) + upstream * derivative
    return gradients


def _variables(order: list[Value], live: set[Value]) -> set[Value]:
    """The nodes of ``order`` a later ``grad`` may differentiate by: not plain numbers.

    Every Value leaf but a Constant (the ``3.0`` of ``w * 3.0``) is a variable, as every tensor
    with ``requires_grad`` is to PyTorch, and so is every node computed from one, whether or not it
    is among this call's inputs: ∂(x0²·x1)/∂x0 = 2·x0·x1 must keep its x1 for ∂/∂x1 to see it.
    """
    variables = set(live)
    for node in order:
        if node._op is None:
            if type(node) is not Constant:
                variables.add(node)
        elif node not in variables and any(parent in variables for parent in node.parents):
            variables.add(node)
    return variables


def _reverse_on_values(
    output: Value, order: list[Value], live: set[Value], variables: set[Value]
) -> dict[Value, Gradient]:
    """The chain rule with Values: each product and sum becomes a node of the derivative's graph.

    Gradients flow only through ``live`` nodes (those that depend on an input). Each op's local
    derivatives are taken with every variable parent as its Value, so they stay differentiable
    by any leaf, and with plain numbers for the rest, so the new graph holds only what can vary
    (``w * 3.0`` gives ∂/∂w = 3.0, not a node).
    """
    gradients: dict[Value, Gradient] = {output: 1.0}
    for node in reversed(order):
        if node._op is None or node not in live:
            continue
        upstream = gradients[node]
        parents = node.parents
        local = node._op.derivatives(*[parent if parent in variables else parent.data for parent in parents], node)
        for parent, derivative in zip(parents, local):
            if parent in live:
                contribution = _times(upstream, derivative)
                gradients[parent] = gradients[parent] + contribution if parent in gradients else contribution
    return gradients


def _times(upstream: Gradient, derivative: Gradient) -> Gradient:
    """Return upstream × derivative; a factor of exactly ±1.0 gives the other factor (negated), bit for bit."""
    if type(upstream) is float and (upstream == 1.0 or upstream == -1.0):
        return derivative if upstream == 1.0 else -derivative
    if type(derivative) is float and (derivative == 1.0 or derivative == -1.0):
        return upstream if derivative == 1.0 else -upstream
    return upstream * derivative


def hessian(output: Value, inputs: Sequence[Value]) -> tuple[tuple[float, ...], ...]:
    """The matrix of second derivatives ∂²output/∂xᵢ∂xⱼ: row i is the gradient of ∂output/∂xᵢ.

    One reverse pass per input over the first derivatives' graph, so meant for small graphs.

    Args:
        output: the Value to differentiate twice.
        inputs: the Values (or one Value) to differentiate by.

    Returns:
        The n × n matrix as a tuple of rows, one per input, in order.

    Raises:
        TypeError: ``output`` or an input is not a Value.
        ValueError: ``inputs`` is empty.
    """
    inputs = _check_inputs(inputs, "hessian")
    return tuple(grad(first, inputs) for first in grad(output, inputs, create_graph=True))


def hvp(output: Value, inputs: Sequence[Value], vector: Sequence[float]) -> tuple[float, ...]:
    """The Hessian times ``vector``, without the Hessian: how the gradient changes along ``vector``.

    Forward mode over reverse mode: the gradient's graph (``create_graph=True``) walked once
    forward with ``vector`` as the inputs' tangents (see autodiff.forward.jvp).

    Args:
        output: the Value to differentiate twice.
        inputs: the Values (or one Value) to differentiate by.
        vector: one number per input, the direction.

    Returns:
        The product H·vector, one float per input, in order.

    Raises:
        TypeError: ``output`` or an input is not a Value, or ``vector`` is not a list of numbers.
        ValueError: ``inputs`` is empty, or ``vector`` has not one number per input.
    """
    inputs = _check_inputs(inputs, "hvp")
    return jvp(grad(output, inputs, create_graph=True), inputs, vector)
