"""Every demo follows the same command-line conventions: --help works, a bad argument is one line and exit 2."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import demos

# Every runnable demo: each module of demos/ with a main(argv), so a new demo is checked too.
DEMOS = sorted(
    info.name
    for info in pkgutil.iter_modules(demos.__path__)
    if hasattr(importlib.import_module(f"demos.{info.name}"), "main")
)


def test_every_tutorial_demo_is_found() -> None:
    assert {"study_hours", "backprop", "newton", "predict", "lr_lab", "new_dataset"} <= set(DEMOS)


@pytest.mark.parametrize("name", DEMOS)
def test_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    main = importlib.import_module(f"demos.{name}").main
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m demos.{name}")


@pytest.mark.parametrize("name", DEMOS)
def test_unknown_argument_is_one_line_exit_2(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    main = importlib.import_module(f"demos.{name}").main
    required = ["--model", "m.json", "--hours", "2"] if name == "predict" else []
    with pytest.raises(SystemExit) as stop:
        main([*required, "--no-such-flag"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unrecognized arguments: --no-such-flag" in err and "(see --help)" in err


@pytest.mark.parametrize(
    "name, argv, expected",
    [
        ("lr_lab", ["--lr", "0"], "expected a positive finite number, got '0'"),
        ("threshold", ["--thresholds", "0.5", "1.5"], "expected a number between 0 and 1, got '1.5'"),
        ("two_inputs", ["--epochs", "1.5"], "expected a whole number ≥ 1, got '1.5'"),
        ("forward_pass", ["--hours", "inf"], "expected a finite number, got 'inf'"),
        ("new_dataset", ["--every", "0"], "expected a whole number ≥ 1, got '0'"),
    ],
)
def test_bad_values(name: str, argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    main = importlib.import_module(f"demos.{name}").main
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err
