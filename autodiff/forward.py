"""Forward mode: push a small change of the inputs through the recorded graph, leaves to root.

``jvp(output, inputs, tangents)`` answers "if the inputs move by ``tangents`` (times a tiny t),
how fast does the output move?": the directional derivative Σᵢ ∂output/∂xᵢ · tangentᵢ. It walks
the graph in the order it was computed, and each node's tangent is its op's local derivatives
(the same ``derivatives`` of autodiff.ops that backward uses) times its parents' tangents.

One forward pass gives every output's rate of change along one direction; one reverse pass
(``backward``, ``grad``) gives one output's rate of change along every input. So forward mode
pays off for few inputs and many outputs, reverse mode for the opposite: a loss of many weights.
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff.backward import topological_order
from autodiff.value import Value, _check_number

__all__ = ["depends_on", "jvp"]


def jvp(
    output: Value | Sequence[Value], inputs: Value | Sequence[Value], tangents: float | Sequence[float]
) -> float | tuple[float, ...]:
    """Σᵢ ∂output/∂inputᵢ · tangentᵢ by one forward walk: a float, or one per output for a list.

    Reads ``data`` only: no ``.grad`` is touched and no node is built. An input may be any node
    of the graph (its tangent is added to what flows into it from its own parents).

    Args:
        output: A Value, or a list of Values that all come out of the same walk.
        inputs: The Values to move: a Value or a list of them.
        tangents: How far each input moves: a number for one input, else one number per input.

    Returns:
        The rate of change of ``output`` along ``tangents``: a float, or a tuple with one per output
        when ``output`` is a list.

    Raises:
        TypeError: An output or input is not a Value, or a tangent is not a number.
        ValueError: ``inputs`` is empty, or ``tangents`` does not have one number per input.
    """
    outputs = [output] if isinstance(output, Value) else _check_outputs(output)
    inputs = _check_inputs(inputs, "jvp")
    if isinstance(tangents, (int, float)) and not isinstance(tangents, bool):
        tangents = [tangents]
    tangents = _check_vector(tangents, inputs, "jvp")

    seeds: dict[Value, float] = {}
    for x, t in zip(inputs, tangents):
        seeds[x] = seeds.get(x, 0.0) + t  # the same input twice: its tangents add, as its gradients would
    order = _joint_order(outputs)
    live = depends_on(order, inputs)
    tangent: dict[Value, float] = {}
    for node in order:
        if node not in live:
            continue  # does not move with the inputs: tangent 0
        change = seeds.get(node, 0.0)
        if node._op is not None:
            parents = node.parents
            local = node._op.derivatives(*[parent.data for parent in parents], node.data)
            for parent, derivative in zip(parents, local):
                if parent in tangent:
                    change += derivative * tangent[parent]
        tangent[node] = change
    results = tuple(tangent.get(out, 0.0) for out in outputs)
    return results[0] if isinstance(output, Value) else results


def depends_on(order: list[Value], inputs: Sequence[Value]) -> set[Value]:
    """The nodes of ``order`` (a topological order) that are an input or computed from one.

    Only these move when the inputs do, and only these carry a gradient back to an input;
    to either mode, every other node is a constant.

    Args:
        order: The graph's nodes, each after its parents (``topological_order``).
        inputs: The Values that move.

    Returns:
        The set of nodes that depend on an input, the inputs included.
    """
    live = set(inputs)
    for node in order:
        if node._op is not None and node not in live and any(parent in live for parent in node.parents):
            live.add(node)
    return live


def _joint_order(outputs: list[Value]) -> list[Value]:
    """One topological order covering every output's graph (shared nodes once)."""
    if len(outputs) == 1:
        return topological_order(outputs[0])
    order: list[Value] = []
    seen: set[Value] = set()
    for out in outputs:
        for node in topological_order(out):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


def _check_output(output: object, what: str) -> None:
    if not isinstance(output, Value):
        raise TypeError(f"{what} needs a Value as its output, got {type(output).__name__} {output!r}")


def _check_outputs(outputs: object) -> list[Value]:
    if not isinstance(outputs, Sequence) or isinstance(outputs, str) or not outputs:
        raise TypeError(f"jvp needs a Value or a non-empty list of Values as its output, got {outputs!r}")
    for i, out in enumerate(outputs):
        if not isinstance(out, Value):
            raise TypeError(f"jvp needs Values as outputs, got output {i} = {type(out).__name__} {out!r}")
    return list(outputs)


def _check_inputs(inputs: object, what: str) -> list[Value]:
    """``inputs`` as a list of Values (one Value is a list of one), or a one-sentence error."""
    if isinstance(inputs, Value):
        return [inputs]
    if not isinstance(inputs, Sequence) or isinstance(inputs, str):
        raise TypeError(f"{what} needs a list of Values as its inputs, got {type(inputs).__name__} {inputs!r}")
    if not inputs:
        raise ValueError(f"{what} needs at least one input, got an empty list")
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"{what} needs Values as inputs, got input {i} = {type(x).__name__} {x!r}")
    return list(inputs)


def _check_vector(vector: object, inputs: list[Value], what: str) -> list[float]:
    """One real number per input, or a one-sentence error."""
    if not isinstance(vector, Sequence) or isinstance(vector, str):
        raise TypeError(f"{what} needs a list of numbers, one per input, got {type(vector).__name__} {vector!r}")
    if len(vector) != len(inputs):
        raise ValueError(f"{what} needs one number per input: {len(inputs)} inputs, {len(vector)} numbers")
    return [_check_number(t, f"{what} entry {i}") for i, t in enumerate(vector)]
