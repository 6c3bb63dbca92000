"""A demo started as a real child process, the way a learner's shell starts it (signal and pipe tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}


def _default_signals() -> None:
    # A shell's background job (as CI may start us) runs with SIGINT ignored, and a Python started
    # that way never raises KeyboardInterrupt: give the child the default dispositions.
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def start_demo(module: str, argv: Sequence[str]) -> subprocess.Popen[str]:
    """``python -m demos.<module> <argv>`` from the project root, with text pipes for stdout and stderr.

    Use it in a ``with`` block, or end with ``communicate()``: either closes the pipes, which an
    unclosed child would leave to the garbage collector (a ResourceWarning under ``-X dev -W error``).
    """
    return subprocess.Popen(
        [sys.executable, "-m", f"demos.{module}", *argv],
        cwd=ROOT,
        env=ENV,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
