"""Python 3.12+'s sys.monitoring: only a debugger sends backward() to the op table, never a profiler.

A tool can watch a program through ``sys.monitoring`` instead of a tracer; ``python -m cProfile``
does, under PROFILER_ID. Profiling backward() must measure the fast path users run, while a
debugger (DEBUGGER_ID, as debugpy on 3.12+) must get the table so breakpoints in autodiff/ops.py
stop. autodiff is standard library only, so any interpreter of 3.12 or newer can run it from the
source tree; the tests use this one if it is new enough, else pyenv's.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def python_with_monitoring() -> str:
    """An interpreter of 3.12 or newer (this one, or one pyenv installed), or a skip."""
    if sys.version_info >= (3, 12):
        return sys.executable
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python")))
    if not found:
        pytest.skip("needs a Python of 3.12 or newer (sys.monitoring)")
    return found[0]


# The tutorial's row, with Sigmoid.derivatives counting its calls: the fast path never makes one.
ROW = """
import sys
from autodiff import Value, ops
calls = []
original = ops.Sigmoid.derivatives
ops.Sigmoid.derivatives = staticmethod(lambda z, out: calls.append(z) or original(z, out))
{setup}
weight, bias = Value(0.1, label="w"), Value(0.0, label="b")
for _ in range(3):
    loss = (1.0 - (weight * 3.0 + bias).sigmoid()) ** 2
    loss.backward()
print("table calls:", len(calls), "grad:", weight.grad)
"""


def run(python: str, setup: str, *arguments: str, tmp_path: Path) -> str:
    script = tmp_path / "row.py"
    script.write_text(textwrap.dedent(ROW.format(setup=setup)))
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONBREAKPOINT", "COVERAGE_PROCESS_START")}
    environ["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [python, *arguments, str(script)], capture_output=True, text=True, cwd=tmp_path, env=environ, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_cprofile_profiles_the_fast_path(tmp_path: Path) -> None:
    out = run(python_with_monitoring(), "", "-m", "cProfile", "-s", "calls", tmp_path=tmp_path)
    assert "table calls: 0 " in out
    assert "(backward_fast)" in out and "(chain_rule_step)" not in out


def test_a_monitoring_debugger_gets_the_table_and_a_profiler_does_not(tmp_path: Path) -> None:
    python = python_with_monitoring()
    as_debugger = "sys.monitoring.use_tool_id(sys.monitoring.DEBUGGER_ID, 'a debugger')"
    assert "table calls: 3 " in run(python, as_debugger, tmp_path=tmp_path)  # one sigmoid per pass
    as_profiler = "sys.monitoring.use_tool_id(sys.monitoring.PROFILER_ID, 'a profiler')"
    assert "table calls: 0 " in run(python, as_profiler, tmp_path=tmp_path)
    as_coverage = "sys.monitoring.use_tool_id(sys.monitoring.COVERAGE_ID, 'coverage')"
    assert "table calls: 0 " in run(python, as_coverage, tmp_path=tmp_path)
