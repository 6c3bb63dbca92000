"""Ctrl-C, SIGTERM and SIGHUP at any moment of a re-run: the output folder is whole, the message true.

What: a first run of ``demos.study_hours`` writes a complete output; a re-run with other settings
into the same ``--out`` is stopped at many moments:

- in-process, by a KeyboardInterrupt raised at every file write and at the swap (the places a
  signal can land between two files), then by one raised at every graph drawn;
- as real processes, by SIGINT, SIGTERM or SIGHUP sent once the demo has printed a given line
  (training, the log, the drawing), and in its first milliseconds while it still imports.

After each, ``--out`` must hold either exactly the previous complete output or a consistent new
one (model.json, the page and every SVG from the same run; no graph the page does not show), no
staging or temporary file may be left beside it once the next run starts, and the message must
say which of the two it is.
Why: a learner stops runs all the time; what they find afterwards must be what the message says.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from demo_process import start_demo

from demos import study_hours
from demos.cli import run

ROOT = Path(__file__).resolve().parent.parent
STUDIO_DATA = re.compile(r'<script type="application/json" id="studio-data">(.*?)</script>', re.S)
PREVIOUS = ["--epochs", "3", "--lr", "0.1"]
NEW = ["--epochs", "6", "--lr", "0.5"]
KEPT = "still holds the previous run's complete output"
# A learner's own files in --out, named like ours (the suffixes, the folders, a temp file): every
# interrupted or finished re-run must leave each of them byte for byte.
USER_FILES = {
    "my_grades.json": b'{"maths": 17}',
    "essay.html": b"<p>my essay</p>",
    "my_photo.png": b"\x89PNG\r\n\x1a\n not really",
    "notes.txt": b"what I learned",
    "frames/my_notes.txt": b"frame notes",
    "graphs/my_notes.txt": b"graph notes",
    "backprop/style.css": b"body {}",
    ".draft.json.tmp": b"half a thought",
}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def assert_consistent(out: Path, epochs: int, lr: float, drawn_to: int | None = None) -> None:
    """model.json, the page and the graphs all come from one run with these settings.

    The last graph is the model's last epoch, or ``drawn_to`` when drawing was cut short.
    """
    model = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert model["settings"]["lr"] == lr and model["settings"]["epochs"] == epochs, model["settings"]
    assert 1 <= model["epochs_trained"] <= epochs
    assert len(model["loss_history"]) == model["epochs_trained"]
    pages = [p for p in out.glob("*.html")]
    assert pages, f"no page in {sorted(snapshot(out))}"
    page = STUDIO_DATA.search((out / "index.html").read_text(encoding="utf-8"))
    assert page, "index.html holds no studio data"
    data = json.loads(page.group(1))
    assert data["lr"] == lr and len(data["epochs"]) == model["epochs_trained"], "the studio is from another run"
    shown = {f"graphs/epoch_{e['epoch']:04d}.svg" for e in data["epochs"]}
    graphs = (
        {p.relative_to(out).as_posix() for p in (out / "graphs").glob("*.svg")} if (out / "graphs").is_dir() else set()
    )
    assert graphs <= shown, f"graphs the studio does not show (left from another run): {sorted(graphs - shown)[:5]}"
    for name in graphs:
        assert (out / name).read_text(encoding="utf-8").rstrip().endswith("</svg>"), f"{name} is not whole"
    last = int(max(re.findall(r"epoch_(\d+)\.svg", " ".join(graphs)), key=int)) if graphs else None
    if last is not None:
        expected = model["epochs_trained"] - 1 if drawn_to is None else drawn_to
        assert last == expected, "the last graph is not the model's last epoch (or the last one drawn)"


def assert_previous_or_new(out: Path, before: dict[str, bytes], err: str) -> str:
    """The folder is the previous output, byte for byte, or a consistent new one; the message agrees."""
    assert "Traceback" not in err, err
    assert_user_files(out)
    if snapshot(out) == before:
        assert KEPT in err, f"the previous output is intact, but the message says otherwise:\n{err}"
        return "previous"
    assert KEPT not in err, f"the message says the previous output is intact, but it changed:\n{err}"
    drawn = re.search(r"epochs 0–(\d+) are drawn", err)
    assert_consistent(out, 6, 0.5, int(drawn.group(1)) if drawn else None)
    return "new"


def place_user_files(out: Path) -> None:
    for name, data in USER_FILES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)


def assert_user_files(out: Path) -> None:
    for name, data in USER_FILES.items():
        assert (out / name).is_file() and (out / name).read_bytes() == data, f"{name} was lost or changed"


def assert_no_leftovers(out: Path) -> None:
    siblings = [p.name for p in out.parent.iterdir() if p.name.startswith(".") and p.name != ".autodiff-output"]
    temps = [p.name for p in out.rglob("*.tmp") if p.relative_to(out).as_posix() not in USER_FILES]
    assert not siblings and not temps, (siblings, temps)


@pytest.fixture()
def previous(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "run"
    assert run(study_hours.main, [*PREVIOUS, "--out", str(out)]) == 0
    capsys.readouterr()
    place_user_files(out)
    return out, snapshot(out)


# --- in-process: an interrupt at every write and at the swap ------------------------------------


def count_calls(monkeypatch: pytest.MonkeyPatch, module: object, name: str, argv: list[str]) -> int:
    real = getattr(module, name)
    calls = []

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    assert run(study_hours.main, argv) == 0
    monkeypatch.setattr(module, name, real)
    return len(calls)


def interrupt_at(monkeypatch: pytest.MonkeyPatch, module: object, name: str, k: int) -> list[int]:
    real = getattr(module, name)
    calls: list[int] = []

    def interrupting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == k:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, interrupting)
    return calls


@pytest.mark.parametrize(
    ("module", "name"),
    [(os, "replace"), (os, "rename")],
    ids=["every-file-write", "the-swap"],
)
def test_interrupt_at_every_write(
    module: object,
    name: str,
    previous: tuple[Path, dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, before = previous
    scratch = out.parent / "scratch"
    total = count_calls(monkeypatch, module, name, [*NEW, "--out", str(scratch)])
    capsys.readouterr()
    assert total >= (2 if name == "rename" else 10)
    outcomes = []
    for k in range(1, total + 2):
        with monkeypatch.context() as patch:
            calls = interrupt_at(patch, module, name, k)
            status = run(study_hours.main, [*NEW, "--out", str(out)])
        err = capsys.readouterr().err
        if len(calls) < k:  # this run had fewer such calls: nothing was interrupted
            assert status == 0, err
            break
        assert status == 130, err
        outcomes.append(assert_previous_or_new(out, before, err))
        if outcomes[-1] == "new":  # start the next moment from the previous output again
            assert run(study_hours.main, [*PREVIOUS, "--out", str(out)]) == 0
            capsys.readouterr()
            before = snapshot(out)
    assert "previous" in outcomes
    assert run(study_hours.main, [*NEW, "--out", str(out)]) == 0  # the next run cleans up and succeeds
    assert_consistent(out, 6, 0.5)
    assert_no_leftovers(out)


def test_interrupt_at_every_graph_keeps_a_page_for_the_graphs_drawn(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C while drawing: the new output, complete for the graphs drawn so far (the message says which)."""
    studio_class = importlib.import_module("viz.studio").Studio  # viz.studio itself is the function

    out, before = previous
    for k in (1, 2, 4, 6):
        with monkeypatch.context() as patch:
            calls = interrupt_at(patch, studio_class, "frame_svg", k)
            status = run(study_hours.main, [*NEW, "--out", str(out)])
        err = capsys.readouterr().err
        assert calls, "the demo drew no epoch's graph through Studio.frame_svg"
        if len(calls) < k:  # fewer graphs than k were drawn: nothing was interrupted
            assert status == 0, err
            break
        assert status == 130
        outcome = assert_previous_or_new(out, before, err)
        if outcome == "new":
            assert "stopped while drawing graphs" in err and str(out) in err
        before = snapshot(out)


def test_a_failed_rerun_leaves_the_previous_output(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A render error or a full disk half-way: exit 2, one sentence, the previous output untouched."""
    import viz
    from viz import RenderError

    out, before = previous

    def broken(*args: object, **kwargs: object) -> object:
        raise RenderError("Graphviz (wasm) failed on this graph: out of memory.")

    monkeypatch.setattr(viz, "studio", broken)
    assert run(study_hours.main, [*NEW, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "out of memory" in err and KEPT in err
    assert snapshot(out) == before
    assert_no_leftovers(out)


def test_a_second_run_into_the_same_out_is_refused(
    previous: tuple[Path, dict[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    """While another process holds --out, a run is refused in one sentence and changes nothing."""
    out, before = previous
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()",
            str(out),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        assert run(study_hours.main, [*NEW, "--out", str(out)]) == 2
    finally:
        holder.communicate("")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "another run is writing into" in err
    assert snapshot(out) == before


def test_leftovers_of_a_killed_run_are_cleaned_and_a_half_swap_undone(
    previous: tuple[Path, dict[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    from viz.outputs import _siblings

    out, before = previous
    staging = out.parent / _siblings(out, "staging").replace("*", "dead")
    (staging / "graphs").mkdir(parents=True)
    (staging / "graphs" / "epoch_0000.svg").write_text("<svg", encoding="utf-8")
    (out / ".model.json.1234abcd.tmp").write_text("{", encoding="utf-8")
    # Killed (SIGKILL) between the swap's two renames: --out is gone, the old output set aside.
    os.rename(out, out.parent / _siblings(out, "old").replace("*", "dead"))
    assert run(study_hours.main, [*NEW, "--out", str(out)]) == 0
    assert_consistent(out, 6, 0.5)
    assert_no_leftovers(out)


# --- real signals to a real process ------------------------------------------------------------


def start(argv: list[str], out: Path) -> subprocess.Popen[str]:
    return start_demo("study_hours", [*argv, "--out", str(out)])


def stop_when(child: subprocess.Popen[str], line_starts: str, sig: int) -> tuple[str, str]:
    assert child.stdout is not None
    seen = []
    for line in child.stdout:
        seen.append(line)
        if line.startswith(line_starts):
            child.send_signal(sig)
            break
    rest, err = child.communicate(timeout=120)  # a guard against a hang, not a timing
    return "".join(seen) + rest, err


@pytest.mark.parametrize(
    ("sig", "line", "epochs"),
    [
        (signal.SIGINT, "Training on", 100_000),  # training
        (signal.SIGTERM, "Training on", 100_000),
        (signal.SIGHUP, "Epoch 0,", 300),  # the log is printed: training is over
        (signal.SIGTERM, "Predictions", 300),  # drawing is about to start
        (signal.SIGINT, "First row of epoch 0", 300),  # just before the drawing
    ],
    ids=["sigint-training", "sigterm-training", "sighup-log", "sigterm-predictions", "sigint-drawing"],
)
def test_real_signals_during_a_rerun(sig: int, line: str, epochs: int, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = start(PREVIOUS, out)
    first.communicate(timeout=120)
    assert first.returncode == 0
    place_user_files(out)
    before = snapshot(out)
    child = start(["--epochs", str(epochs), "--lr", "0.5"], out)
    stdout, err = stop_when(child, line, sig)
    assert child.returncode == 130, (child.returncode, err)
    name = "Ctrl-C" if sig == signal.SIGINT else signal.Signals(sig).name
    assert f"interrupted ({name})" in err, err
    assert "Traceback" not in err, err
    assert_user_files(out)
    if snapshot(out) == before:
        assert KEPT in err, err
    else:
        model = json.loads((out / "model.json").read_text(encoding="utf-8"))
        assert model["settings"]["lr"] == 0.5 and model["interrupted"] is True
        assert str(out) in err
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".")]
    assert not leftovers, leftovers  # a stopped run cleans its own staging directory


def test_signal_while_the_demo_is_still_importing_gives_no_traceback(tmp_path: Path) -> None:
    """SIGINT while ``python -m demos.study_hours`` imports its modules: exit 130, one line, no traceback.

    The child starts the demo exactly as ``-m`` does (runpy, with ``sys.argv[0] == "-m"`` while the
    package loads) and a timer in it sends SIGINT at a sweep of moments from 0 to 60 ms into the
    imports. (Before that, the interpreter itself is starting: a signal there is Python's business.)
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    outcomes = set()
    for delay in (0.0, 0.002, 0.005, 0.01, 0.02, 0.04, 0.06):
        code = (
            "import os, runpy, signal, sys, threading\n"
            "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "sys.argv = ['-m']\n"
            "import demos\n"
            f"threading.Timer({delay}, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
            f"sys.argv = ['study_hours', '--epochs', '1', '--out', {str(tmp_path / 'o')!r}]\n"
            "runpy.run_module('demos.study_hours', run_name='__main__', alter_sys=True)\n"
        )
        child = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert "Traceback" not in child.stderr, (delay, child.stderr)
        assert child.returncode in (130, 0), (delay, child.returncode, child.stderr)
        if child.returncode == 130:
            assert child.stderr.strip().startswith("interrupted"), child.stderr
        outcomes.add(child.returncode)
    assert 130 in outcomes, "no signal landed while the demo was loading"
