"""Every public function and class of autodiff and viz has a docstring, in Google style.

What: ruff over autodiff/ and viz/ with the project's rules, which include pydocstyle's (``D``,
the Google convention, configured in pyproject.toml): a missing docstring on a public module,
class, method or function, or one that breaks the style, fails the suite. Then, in every module
of autodiff and viz, each public function and class that takes arguments names them in an
``Args:`` section (a dataclass its fields in ``Attributes:``), as the API reference shows it.
Why: the API reference is generated from these docstrings; a name without one is a hole in it.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Every module of autodiff and viz: its public functions and classes all document their arguments.
# By name, imported with importlib: the packages export functions that shadow their modules
# (``autodiff.grad`` is the function), so ``autodiff.grad`` after ``import autodiff.grad`` is not the module.
DOCUMENTED = [
    f"{package}.{path.stem}"
    for package in ("autodiff", "viz")
    for path in sorted((ROOT / package).glob("*.py"))
    if not path.stem.startswith("_")
]


def test_ruff_docstring_rules_pass() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "autodiff", "viz"],  # pyproject's rules, D among them
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"ruff (docstring rules among them) fails:\n{done.stdout}{done.stderr}"


def _documented_callables() -> list[tuple[str, object]]:
    found = []
    for module in map(importlib.import_module, DOCUMENTED):
        for name, value in vars(module).items():
            if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(value) and value.__name__ == name:
                found.append((f"{module.__name__}.{name}", value))
            elif inspect.isclass(value):
                found.append((f"{module.__name__}.{name}", value))
    return found


@pytest.mark.parametrize(("name", "thing"), _documented_callables(), ids=[n for n, _ in _documented_callables()])
def test_arguments_are_documented(name: str, thing: object) -> None:
    doc = inspect.getdoc(thing) or ""
    assert doc, f"{name} has no docstring"
    if inspect.isclass(thing):
        init = thing.__dict__.get("__init__")
        if init is None or issubclass(thing, BaseException):
            return
        target = init
        # The reference merges __init__'s docstring into the class's (merge_init_into_class).
        doc = "\n".join(filter(None, [doc, inspect.getdoc(init)]))
    else:
        target = thing
    parameters = [p for p in inspect.signature(target).parameters if p not in ("self", "cls")]
    if not parameters:
        return
    # A dataclass documents its fields (its __init__'s arguments) as Attributes.
    section = "Attributes:" if dataclasses.is_dataclass(thing) else "Args:"
    assert section in doc, f"{name} takes {parameters} but its docstring has no {section} section"
    missing = [p for p in parameters if f"{p}:" not in doc.split(section, 1)[1]]
    assert not missing, f"{name}'s {section} section does not describe {missing}"
