"""Ctrl-C during a long training run: exit 130, say where the partial output is, leave it usable.

What: ``python -m demos.study_hours --epochs 100000 --out DIR`` runs in a subprocess. The demo
prints its "Training on …" line once the first epoch has finished (demos/report.py promises that
a Ctrl-C any time after it leaves at least one epoch to write); on that line the test sends
SIGINT — what Ctrl-C sends. The
demo must exit with status 130, name DIR in its message, and leave an index.html studio holding
every finished epoch, whole epoch SVGs, plus a model.json the predictor can load.
Why: a learner who stops a long run should keep the epochs already done, not a half-written
studio page missing epochs, and not a traceback.
No wall-clock assertions or sleeps: the test waits for the demo's own line.
"""

from __future__ import annotations

import json
import re
import signal
import sys
from pathlib import Path

import pytest
from demo_process import start_demo

EXIT_INTERRUPTED = 130

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child needs POSIX signals")


def studio_epochs(index: Path) -> int:
    """How many epochs the studio page holds (its embedded data)."""
    page = index.read_text(encoding="utf-8")
    return len(json.loads(re.search(r'id="studio-data">(.*?)</script>', page, re.S)[1])["epochs"])


def test_ctrl_c_during_training_exits_130_and_leaves_usable_output(tmp_path: Path) -> None:
    out = tmp_path / "long run"  # a space, as learners' folders have
    child = start_demo("study_hours", ["--epochs", "100000", "--out", str(out)])
    try:
        assert child.stdout is not None
        first_line = child.stdout.readline()  # printed once the first epoch has finished
        assert "Training" in first_line, first_line
        child.send_signal(signal.SIGINT)
        rest, stderr = child.communicate(timeout=120)  # a guard against a hang, not a timing
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    assert child.returncode == EXIT_INTERRUPTED, (child.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    assert str(out) in stderr or str(out) in rest, f"the message should say where the output is:\n{stderr}"

    index = out / "index.html"
    assert index.is_file(), f"no studio in {sorted(p.name for p in out.iterdir())}"
    svgs = sorted((out / "graphs").glob("epoch_*.svg"))
    for svg in svgs[:3]:
        assert svg.read_text(encoding="utf-8").rstrip().endswith("</svg>"), f"{svg} is not whole"

    model = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert studio_epochs(index) == model["epochs_trained"], "the studio should hold every finished epoch"
    assert model["interrupted"] is True
    assert 0 < model["epochs_trained"] < 100_000
    assert not list(out.rglob("*.tmp")), "a temporary file was left behind"
