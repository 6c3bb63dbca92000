"""The debugger promise: under pdb, a plain ``loss.backward()`` stops at breakpoints in the op table."""

from __future__ import annotations

import dis
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from autodiff import ops

REPO = Path(__file__).resolve().parents[1]
OPS_FILE = Path(ops.__file__).resolve()

# The tutorial's row, squared error, with * and + as on the tutorial's page 5; nothing but backward().
SCRIPT = textwrap.dedent(
    """
    from autodiff import Value
    w, b, x = Value(0.1, label="w"), Value(0.0, label="b"), Value(3.0, label="x")
    p = (w * x + b).sigmoid()
    loss = (p - 1.0) ** 2
    loss.backward()
    print("after:", repr(w.grad), repr(b.grad))
    """
)

# The same numbers by hand.
Z = 0.1 * 3.0
P = 1.0 / (1.0 + math.exp(-Z))
ERROR = P - 1.0
DL_DZ = 2 * ERROR * P * (1.0 - P)


def first_body_line(function: object) -> int:
    """The line of a function's first statement (where pdb can put a breakpoint)."""
    code = function.__code__  # type: ignore[attr-defined]
    return sorted({line for _, line in dis.findlinestarts(code) if line})[1]


def run_pdb(script_path: Path, commands: list[str]) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONBREAKPOINT"}
    environ["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "pdb", str(script_path)],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environ,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_breakpoints_in_the_op_table_stop_a_plain_backward(tmp_path: Path) -> None:
    script = tmp_path / "row.py"
    script.write_text(SCRIPT)
    breakpoints = {op: first_body_line(op.derivatives) for op in (ops.PowConst, ops.Sigmoid, ops.Mul)}
    commands = [f"break {OPS_FILE}:{line}" for line in breakpoints.values()]
    commands += [
        "continue",
        "p ('PowConst', a, k, out)",  # backprop starts at the root: L = (p − 1)²
        "continue",
        "p ('Sigmoid', z, out)",
        "continue",
        "p ('Mul', a, b, out)",
        "continue",  # backprop finishes; the script prints the gradients
        "quit",
    ]
    out = run_pdb(script, commands)
    stops = re.findall(rf"> {re.escape(str(OPS_FILE))}\((\d+)\)derivatives\(\)", out)
    assert stops == [str(line) for line in breakpoints.values()]  # PowConst, then Sigmoid, then Mul
    replies = {}
    for part in out.split("(Pdb) "):
        if part.startswith("('"):
            reply = eval(part.split("\n", 1)[0])  # noqa: S307 - a tuple pdb printed
            replies[reply[0]] = reply[1:]
    a, k, out_value = replies["PowConst"]
    assert math.isclose(a, ERROR, rel_tol=1e-15) and k == 2.0  # (p − 1) and the exponent
    assert math.isclose(out_value, ERROR**2, rel_tol=1e-15)
    z, p = replies["Sigmoid"]
    assert math.isclose(z, Z, rel_tol=1e-15) and math.isclose(p, P, rel_tol=1e-15)
    w, x, product = replies["Mul"]
    assert (w, x) == (0.1, 3.0) and math.isclose(product, 0.1 * 3.0, rel_tol=1e-15)
    after = out.split("after:", 1)[1].split()[:2]
    assert math.isclose(float(after[0]), DL_DZ * 3.0, rel_tol=1e-12)
    assert math.isclose(float(after[1]), DL_DZ, rel_tol=1e-12)


def test_without_a_debugger_the_fast_path_runs() -> None:
    """No tracer: backward() takes the generated fast path, which never calls the table's derivatives for these ops."""
    from autodiff import Value

    calls = []
    original = ops.Sigmoid.derivatives

    def counting(z: float, out: float) -> tuple[float]:
        calls.append(z)
        return original(z, out)

    old_trace = sys.gettrace()
    sys.settrace(None)  # pytest-cov or an IDE may be tracing this very test
    try:
        ops.Sigmoid.derivatives = staticmethod(counting)  # type: ignore[method-assign,assignment]
        w = Value(0.1)
        (w * 3.0).sigmoid().backward()
        fast = len(calls)
        sys.settrace(lambda *args: None)  # any tracer: a debugger may be watching
        w.grad = 0.0
        (w * 3.0).sigmoid().backward()
        traced = len(calls) - fast
    finally:
        sys.settrace(old_trace)
        ops.Sigmoid.derivatives = staticmethod(original)  # type: ignore[method-assign,assignment]
    assert (fast, traced) == (0, 1)
