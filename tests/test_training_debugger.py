"""train() under a debugger: one backward pass per row, so a breakpoint in the calculus stops once per row."""

from __future__ import annotations

import dis
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autodiff import datasets, ops, train
from autodiff.nn import Neuron

OPS_FILE = Path(ops.__file__).resolve()
PACKAGES = OPS_FILE.parents[1]  # the folder this autodiff was imported from (the repo, or site-packages)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def tutorial_neuron() -> Neuron:
    return Neuron(1, "sigmoid", weights=[0.1], bias=0.0)


def first_body_line(function: object) -> int:
    """The line of a function's first statement (where pdb can put a breakpoint)."""
    code = function.__code__  # type: ignore[attr-defined]
    return sorted({line for _, line in dis.findlinestarts(code) if line})[1]


@pytest.mark.parametrize("mode", ["per_row", "full_batch"])
def test_sigmoids_derivative_runs_once_per_row_and_the_rows_loss_has_a_name(mode: str) -> None:
    """A tracer (as any debugger sets) sees Sigmoid.derivatives called once per row, 4 per epoch.

    At each call the training loop's frame holds the row's loss as a local named ``loss``; its
    value is the squared error written out here from the row's recorded parameters.
    """
    derivatives = ops.Sigmoid.derivatives.__code__
    seen: list[float | None] = []

    def tracer(frame, event, arg):  # noqa: ANN001, ANN202 - sys.settrace's signature
        if event == "call" and frame.f_code is derivatives:
            caller = frame.f_back
            while caller is not None and "loss" not in caller.f_locals:
                caller = caller.f_back
            seen.append(getattr(caller.f_locals["loss"], "data", None) if caller is not None else None)
        return None  # no line events: only calls are counted

    old_trace = sys.gettrace()
    sys.settrace(tracer)
    try:
        history = train(tutorial_neuron(), datasets.STUDY_HOURS, epochs=3, mode=mode)
    finally:
        sys.settrace(old_trace)
    assert len(seen) == 3 * 4
    if mode == "per_row":
        expected = [
            (y - sigmoid(w * features[0] + b)) ** 2
            for record in history.records
            for (w, b), (features, y) in zip(record.rows, datasets.STUDY_HOURS.rows)
        ]
        assert seen == pytest.approx(expected, rel=1e-12)
    else:  # one backward pass per epoch over the summed loss; its four sigmoids each once
        assert seen == pytest.approx([loss for loss in history.losses for _ in range(4)], rel=1e-12)


def test_pdb_breakpoint_in_sigmoid_derivatives_stops_four_times_per_epoch(tmp_path: Path) -> None:
    """A real pdb session: a breakpoint in Sigmoid.derivatives, two epochs of the tutorial → 8 stops."""
    script = tmp_path / "tutorial.py"
    script.write_text(
        textwrap.dedent(
            """
            from autodiff import datasets, train
            from autodiff.nn import Neuron
            history = train(Neuron(1, "sigmoid", weights=[0.1], bias=0.0), datasets.STUDY_HOURS, epochs=2)
            print("trained:", history)
            """
        )
    )
    line = first_body_line(ops.Sigmoid.derivatives)
    commands = [f"break {OPS_FILE}:{line}", "continue"] + ["p ('z', z)", "continue"] * 8 + ["quit"]
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONBREAKPOINT"}
    environ["PYTHONPATH"] = str(PACKAGES)  # pdb's child imports the same autodiff as this test
    result = subprocess.run(
        [sys.executable, "-m", "pdb", str(script)],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environ,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    stops = re.findall(rf"> {re.escape(str(OPS_FILE))}\({line}\)derivatives\(\)", out)
    assert len(stops) == 8
    # The eighth `continue` finishes training: no ninth stop came first.
    assert out.count("trained: History(2 epochs") == 1
    # Each stop's z is w·hours + b for the row in turn (epoch 0 starts at w 0.1, b 0: z = 0.1 on row 1).
    zs = [float(m) for m in re.findall(r"\('z', ([-0-9.e]+)\)", out)]
    assert len(zs) == 8 and zs[0] == pytest.approx(0.1, rel=1e-12)
