"""The test suite on every Python autodiff supports (3.11, 3.12, 3.13), run by ``make test``.

``make test`` runs the whole suite on the project's own .venv (Python 3.11), then these sessions:

- ``fast-3.12``, ``fast-3.13``: the engine, compile, training and viz (no browser) tests on that
  Python, with the project and its dependencies installed from PyPI into ``.nox/``;
- ``strict``: the same tests and the demos' command-line tests on the .venv's Python under
  ``LANG=C PYTHONIOENCODING=ascii`` and ``python -X dev -W error`` (an ASCII-only terminal, every
  warning an error; the demo processes the tests start inherit both).

Each Python is found on PATH or, failing that, among pyenv's versions (``pyenv root``). A machine
without one of them skips its session with one line saying so; the others still run.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
OTHER_PYTHONS = ["3.12", "3.13"]  # the suite's own .venv is 3.11 (requires-python >= 3.11)

# The fast subset: everything but browser, notebook, demo-process and the slowest sympy/torch checks.
FAST = [
    "test_engine*.py",
    "test_chain.py",
    "test_value*.py",
    "test_ops*.py",
    "test_higher_ops.py",
    "test_graphs*.py",
    "test_numerical*.py",
    "test_stepper.py",
    "test_gradcheck.py",
    "test_losses.py",
    "test_nn.py",
    "test_optim.py",
    "test_performance*.py",
    "test_compile.py",
    "test_compile_errors.py",
    "test_compile_templates.py",
    "test_compile_rows.py",
    "test_training*.py",
    "test_tutorial*.py",
    "test_history*.py",
    "test_datasets.py",
    "test_csv*.py",
    "test_viz_graph.py",
    "test_viz_plots.py",
    "test_viz_outputs.py",
    "test_studio.py",
]

# strict adds what prints to a terminal: the demos run as programs, their messages and exit codes.
STRICT_EXTRA = ["test_demo_*.py", "test_bad_input_table.py"]

nox.options.sessions = [f"fast-{version}" for version in OTHER_PYTHONS] + ["strict"]
nox.options.reuse_venv = "yes"  # installs are redone in place, not from an empty venv every run
if hasattr(nox.options, "download_python"):  # nox 2025.10+ could otherwise fetch a missing Python
    nox.options.download_python = "never"  # a Python that is not here is skipped, never fetched
nox.options.error_on_missing_interpreters = False  # ... also where CI=true would make it an error

# Two lines nox prints that do not apply here: this file turns the CI error off, and venv needs no uv.
_NOT_HERE = ("Missing interpreters will error by default on CI systems", "uv binary not found")
logging.getLogger("nox").addFilter(lambda record: not record.getMessage().startswith(_NOT_HERE))


def _pyenv_root() -> Path | None:
    """Where pyenv keeps its Pythons: ``pyenv root``, else $PYENV_ROOT, else ~/.pyenv (None if none)."""
    pyenv = shutil.which("pyenv")
    if pyenv:
        found = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False).stdout.strip()
        if found:
            return Path(found)
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    return root if root.is_dir() else None


def _pyenv_python(version: str) -> Path | None:
    """pyenv's newest ``version`` (e.g. 3.12 → versions/3.12.1/bin/python3.12), or None."""
    root = _pyenv_root()
    if root is None:
        return None
    candidates = []
    for folder in (root / "versions").glob(f"{version}.*"):
        patch = folder.name[len(version) + 1 :]
        executable = folder / "bin" / f"python{version}"
        if patch.isdigit() and executable.is_file():
            candidates.append((int(patch), executable))
    return max(candidates)[1] if candidates else None


def _expose_pyenv_pythons() -> None:
    """Put pyenv's pythonX.Y on PATH for nox to find, where PATH has no working one.

    Only ``pythonX.Y`` links go in (a folder of their own under .nox/), so ``python`` and
    ``python3`` still mean what they meant. pyenv's shims do not count: they refuse a version
    that is not pyenv's global one.
    """
    links = ROOT / ".nox" / "pythons"
    for version in OTHER_PYTHONS:
        link = links / f"python{version}"
        if link.is_symlink():
            link.unlink()  # found afresh each run: a Python may have come or gone since
        on_path = shutil.which(link.name)
        if on_path and "shims" not in Path(on_path).parts:
            continue
        target = _pyenv_python(version)
        if target is None:
            continue  # nox says "Python interpreter X not found" and skips the session
        links.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    if links.is_dir():
        os.environ["PATH"] = f"{links}{os.pathsep}{os.environ.get('PATH', '')}"


_expose_pyenv_pythons()


def _tests(patterns: list[str]) -> list[str]:
    """The test files under tests/ that match ``patterns``, sorted."""
    return sorted({str(p.relative_to(ROOT)) for pattern in patterns for p in (ROOT / "tests").glob(pattern)})


@nox.session(python=OTHER_PYTHONS)
def fast(session: nox.Session) -> None:
    """The fast subset on this Python, with the project installed (not editable) from this folder."""
    session.install(".[test]")
    # `pytest`, not `python -m pytest`: the folder is not put on sys.path, so the tests import what pip installed.
    session.run("pytest", "-q", "-p", "no:cacheprovider", *_tests(FAST), *session.posargs)


@nox.session(python=False)
def strict(session: nox.Session) -> None:
    """The fast subset and the demos' tests on the Python running nox: ASCII-only, every warning an error."""
    # LC_ALL too: where it is set it overrides LANG. The PYTHON* variables carry -X dev -W error to child processes.
    env = {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii", "PYTHONDEVMODE": "1", "PYTHONWARNINGS": "error"}
    session.run(
        sys.executable, "-X", "dev", "-W", "error", "-m", "pytest", "-q", "-p", "no:cacheprovider",
        *_tests(FAST + STRICT_EXTRA), *session.posargs, env=env,
    )  # fmt: skip
