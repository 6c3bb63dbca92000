"""loss.backward(break_at=...): a real pdb session driven through stdin, PYTHONBREAKPOINT, errors."""

from __future__ import annotations

import inspect
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autodiff import Value, linear, ops

REPO = Path(__file__).resolve().parents[1]

# The tutorial's row: hours 3, passed 1, w 0.1, b 0, squared error (p - y)².
ROW = """
from autodiff import Value, linear
w, b = Value(0.1, label="w"), Value(0.0, label="b")
x, y = Value(3.0, label="x"), Value(1.0, label="y")
z = linear([w], [x], b); z.label = "z"
p = z.sigmoid(); p.label = "p"
loss = (p - y) ** 2; loss.label = "L"
"""

# The same numbers by hand.
P = 1.0 / (1.0 + math.exp(-0.3))
DL_DP = 2 * (P - 1.0)
DP_DZ = P * (1.0 - P)
DL_DZ = DL_DP * DP_DZ


def run(script: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with a fresh interpreter from the repo root, PYTHONBREAKPOINT unset unless given."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONBREAKPOINT"}
    extra = dict(env or {})
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), extra.pop("PYTHONPATH", "")]))
    environ.update(extra)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environ,
        timeout=60,
    )


def test_pdb_stops_at_the_sigmoid_node_with_the_chain_rule_in_its_locals() -> None:
    commands = [
        "p node.label",
        "p upstream",
        "p local_derivatives",
        "p contributions",
        "p [v.label for v in inputs]",
        "step",  # into Sigmoid.derivatives in autodiff/ops.py
        "p out",
        "continue",
    ]
    result = run(ROW + 'loss.backward(break_at="p")\nprint("after: w.grad =", repr(w.grad))\n', "\n".join(commands))
    out = result.stdout
    assert result.returncode == 0, result.stderr
    # It stopped in chain_rule_step, then each `p` printed the math for the node p = sigmoid(z).
    assert "backward.py(" in out and ")chain_rule_step()" in out
    replies = [part.strip() for part in out.split("(Pdb)")[1:]]
    assert replies[0] == "'p'"
    assert math.isclose(float(replies[1]), DL_DP, rel_tol=1e-12)  # upstream = dL/dp = 2(p − 1)
    (local,) = eval(replies[2])  # noqa: S307 - a tuple of one float, printed by pdb
    assert math.isclose(local, DP_DZ, rel_tol=1e-12)  # ∂p/∂z = p(1 − p)
    (contribution,) = eval(replies[3])  # noqa: S307
    assert math.isclose(contribution, DL_DZ, rel_tol=1e-12)  # dL/dz = 2(p − 1) · p(1 − p)
    assert replies[4] == "['z']"
    # `step` lands in the sigmoid's derivative in the op table, where the calculus lives.
    line = inspect.getsourcelines(ops.Sigmoid.derivatives)[1]
    assert "--Call--" in replies[5] and f"ops.py({line})derivatives()" in replies[5]
    assert math.isclose(float(replies[6]), P, rel_tol=1e-12)  # its `out` is p itself
    # `continue` lets backprop finish with the full gradients.
    after = out.rsplit("after: w.grad =", 1)[1]
    assert math.isclose(float(after), DL_DZ * 3.0, rel_tol=1e-12)


def test_break_at_a_value_stops_at_that_node() -> None:
    result = run(ROW + "loss.backward(break_at=z)\n", "p node.label\np local_derivatives\nc\n")
    assert result.returncode == 0, result.stderr
    replies = [part.strip() for part in result.stdout.split("(Pdb)")[1:]]
    assert replies[0] == "'z'"
    assert eval(replies[1]) == (3.0, 0.1, 1.0)  # noqa: S307 - ∂z/∂w = x, ∂z/∂x = w, ∂z/∂b = 1


def test_pythonbreakpoint_0_disables_the_stop() -> None:
    script = ROW + 'loss.backward(break_at="p")\nprint(repr(w.grad))\n'
    result = run(script, stdin="", env={"PYTHONBREAKPOINT": "0"})
    assert result.returncode == 0, result.stderr
    assert "(Pdb)" not in result.stdout
    assert math.isclose(float(result.stdout.strip()), DL_DZ * 3.0, rel_tol=1e-12)


def test_pythonbreakpoint_names_another_hook_which_sees_the_locals(tmp_path: Path) -> None:
    """What an IDE does: its hook is called from chain_rule_step, whose locals read like the math."""
    (tmp_path / "myhook.py").write_text(
        "import sys\n"
        "def hook():\n"
        "    f = sys._getframe(1).f_locals\n"
        "    print('HOOK', f['node'].label, repr(f['upstream']), f['local_derivatives'])\n"
    )
    script = ROW + 'loss.backward(break_at="L")\n'
    result = run(script, env={"PYTHONBREAKPOINT": "myhook.hook", "PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    label, upstream, local = result.stdout.split()[1:4]
    # L = (p − y)**2 is the root: upstream dL/dL = 1; ∂L/∂(p − y) = 2(p − 1); the exponent is constant.
    assert label == "L" and float(upstream) == 1.0
    assert math.isclose(float(local.strip("(,")), DL_DP, rel_tol=1e-12)


def tutorial_row() -> tuple[Value, Value]:
    w, b = Value(0.1, label="w"), Value(0.0, label="b")
    p = linear([w], [Value(3.0, label="x")], b).sigmoid()
    p.label = "p"
    loss = (p - 1.0) ** 2
    loss.label = "L"
    return w, loss


def test_break_at_an_unknown_label_lists_the_labels() -> None:
    w, loss = tutorial_row()
    with pytest.raises(
        ValueError, match=r"break_at='q' names no value in this graph; its labels are \['L', 'b', 'p', 'w', 'x'\]"
    ):
        loss.backward(break_at="q")
    assert w.grad == 0.0  # refused before any gradient moved


def test_break_at_a_leaf_is_refused_since_backprop_never_stops_there() -> None:
    w, loss = tutorial_row()
    with pytest.raises(ValueError, match=r"break_at='w' is a leaf .* one of \['L', 'p'\]"):
        loss.backward(break_at="w")


def test_break_at_a_value_from_another_graph_or_a_wrong_type() -> None:
    _, loss = tutorial_row()
    with pytest.raises(ValueError, match="is not part of this graph"):
        loss.backward(break_at=Value(1.0, label="elsewhere"))
    with pytest.raises(TypeError, match="break_at needs a Value or a label"):
        loss.backward(break_at=3)  # type: ignore[arg-type]


def test_a_shared_label_stops_at_the_first_node_backprop_reaches(monkeypatch: pytest.MonkeyPatch) -> None:
    a = Value(2.0, label="a")
    inner = a * 3.0
    inner.label = "h"
    outer = inner.tanh()
    outer.label = "h"
    seen: list[Value] = []
    monkeypatch.setattr(sys, "breakpointhook", lambda: seen.append(sys._getframe(1).f_locals["node"]))
    outer.backward(break_at="h")
    assert seen == [outer]
    # tanh'(6) = 1/cosh²(6), exact to rounding (1 − tanh(6)² loses ~1e-12 to cancellation)
    assert math.isclose(a.grad, 3.0 / math.cosh(6.0) ** 2, rel_tol=1e-12)
