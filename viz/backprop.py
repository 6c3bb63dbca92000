"""Backprop as an animation: one SVG frame per chain-rule step, and an offline player page.

Each frame is the computation graph with the node being processed highlighted, the gradients
filled in so far, and the ones backprop has not reached yet shown as "grad = ?". The caption is
the step as ``autodiff.stepper`` prints it (``dL/dw += dL/dz × ∂z/∂w = -0.2081 × 3 = -0.6242``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from autodiff import Value, topological_order
from autodiff.stepper import Step, backward_steps, name_of
from viz.graph import draw
from viz.outputs import prepare_out_dir
from viz.player import Frame, write_player

__all__ = ["backprop_frames", "render_backprop"]

COLUMNS = ("input", "local derivative ∂node/∂input", "contribution = upstream × local", "input's grad after")


def _frame(loss: Value, index: int, step: Step, svg: str) -> Frame:
    node = name_of(step.node, loss)
    rows = [
        [name_of(part.value, loss), part.local_derivative, part.contribution, part.grad_after]
        for part in step.shown_inputs
    ]
    return Frame(svg=svg, caption=str(step), rows=rows, name=f"step {index + 1}: {node}")


def backprop_frames(loss: Value, *, renderer: str = "wasm", parameters: Iterable[Value] | None = None) -> list[Frame]:
    """Run backward from ``loss`` step by step and draw a frame after each step.

    Like ``loss.backward()``, this leaves every gradient in the graph as backward() would (leaves
    accumulate); the frames show the gradients as they were filled in, step by step.
    """
    if not isinstance(loss, Value):
        raise TypeError(f"render_backprop needs a Value to start from, got {type(loss).__name__} {loss!r}")
    if loss.is_leaf:
        raise ValueError(f"{loss!r} is a leaf (not computed from anything), so backprop has no steps to draw")
    parameter_list = None if parameters is None else list(parameters)
    steps = list(backward_steps(loss))  # all steps first: the graph ends as backward() leaves it
    shown: dict[Value, float | None] = dict.fromkeys(topological_order(loss))
    frames = []
    for index, step in enumerate(steps):
        shown[step.node] = step.upstream
        for part in step.inputs:
            shown[part.value] = part.grad_after
        graph = draw(loss, parameters=parameter_list, highlight=[step.node], grads=dict(shown), renderer=renderer)
        frames.append(_frame(loss, index, step, graph.svg()))
    return frames


def render_backprop(
    loss: Value,
    out_dir: str | os.PathLike[str],
    *,
    renderer: str = "wasm",
    title: str = "",
    parameters: Iterable[Value] | None = None,
) -> Path:
    """Write one SVG frame per backward step of ``loss`` and an offline ``index.html`` player.

    Returns the player's path. ``out_dir`` must be new, empty, or from an earlier run (checked
    before any gradient changes). The graph ends with the gradients ``loss.backward()`` leaves.
    """
    out = prepare_out_dir(out_dir)
    frames = backprop_frames(loss, renderer=renderer, parameters=parameters)
    loss_name = name_of(loss, loss)
    description = (
        f"One backward pass from {loss_name}, one node per frame. The highlighted node passes "
        f"d{loss_name}/d(node) × ∂node/∂input to each input; gradients not reached yet show '?'."
    )
    return write_player(
        out,
        title=title or f"backprop from {loss_name}, step by step",
        frames=frames,
        columns=COLUMNS,
        description=description,
    )
