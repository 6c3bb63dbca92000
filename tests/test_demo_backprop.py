"""python -m demos.backprop: its printed chain-rule steps equal the arithmetic written out here."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from demos.backprop import main

REPO = Path(__file__).resolve().parents[1]


def g(x: float) -> str:
    """Format as the demo does: 4 significant digits."""
    return f"{x:.4g}"


def expected_lines(hours: float, y: int, w: float, b: float) -> tuple[list[str], list[str]]:
    """The demo's step lines for squared error and for cross-entropy, by hand."""
    z = w * hours + b
    p = 1.0 / (1.0 + math.exp(-z))
    dp_dz = p * (1.0 - p)

    # squared error L = (y − p)²: dL/d(y − p) = 2(y − p); ∂(y − p)/∂p = −1
    d_err = 2 * (y - p)
    dl_dp = -d_err
    dl_dz = dl_dp * dp_dz
    pad = " " * len("z = w*x + b")
    squared = [
        f"L = ({y} - p)**2   dL/d({y} - p) += dL/dL × ∂L/∂({y} - p) = 1 × {g(d_err)} = {g(d_err)}",
        f"{y} - p   dL/dp += dL/d({y} - p) × ∂({y} - p)/∂p = {g(d_err)} × -1 = {g(dl_dp)}",
        f"p = sigmoid(z)   dL/dz += dL/dp × ∂p/∂z = {g(dl_dp)} × {g(dp_dz)} = {g(dl_dz)}",
        f"z = w*x + b   dL/dw += dL/dz × ∂z/∂w = {g(dl_dz)} × {g(hours)} = {g(dl_dz * hours)}",
        f"{pad}   dL/dx += dL/dz × ∂z/∂x = {g(dl_dz)} × {g(w)} = {g(dl_dz * w)}",
        f"{pad}   dL/db += dL/dz × ∂z/∂b = {g(dl_dz)} × 1 = {g(dl_dz)}",
    ]

    # cross-entropy L = −[y log p + (1 − y) log(1 − p)]: dL/dp = −y/p + (1 − y)/(1 − p); dL/dz = p − y
    bce_dp = -y / p + (1 - y) / (1 - p)
    bce_dz = p - y
    bce = [
        f"L = bce(p, {y})   dL/dp += dL/dL × ∂L/∂p = 1 × {g(bce_dp)} = {g(bce_dp)}",
        f"p = sigmoid(z)   dL/dz += dL/dp × ∂p/∂z = {g(bce_dp)} × {g(dp_dz)} = {g(bce_dz)}",
        f"z = w*x + b   dL/dw += dL/dz × ∂z/∂w = {g(bce_dz)} × {g(hours)} = {g(bce_dz * hours)}",
        f"{pad}   dL/dx += dL/dz × ∂z/∂x = {g(bce_dz)} × {g(w)} = {g(bce_dz * w)}",
        f"{pad}   dL/db += dL/dz × ∂z/∂b = {g(bce_dz)} × 1 = {g(bce_dz)}",
    ]
    return squared, bce


def step_lines(out: str, title: str) -> list[str]:
    """The indented step lines printed under the section whose first line starts with ``title``."""
    section = out.split(f"\n{title}", 1)[1].split("\n\n", 1)[0]
    return [line[2:] for line in section.splitlines()[1:] if line.startswith("  ") and "so dL/dw" not in line]


def test_tutorial_row_steps_match_hand_arithmetic(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-animation"]) == 0
    out = capsys.readouterr().out
    squared, bce = expected_lines(3.0, 1, 0.1, 0.0)
    assert step_lines(out, "squared error") == squared
    assert step_lines(out, "binary cross-entropy") == bce
    # The example, verbatim.
    assert "z = w*x + b   dL/dw += dL/dz × ∂z/∂w = -0.2081 × 3 = -0.6242" in out
    # p = 1/(1 + e^-0.3); squared error and cross-entropy values
    p = 1.0 / (1.0 + math.exp(-0.3))
    assert f"p = sigmoid(z) = {g(p)}" in out
    assert f"squared error: L = (y - p)² = {g((1 - p) ** 2)}" in out
    assert f"= {g(-math.log(p))}\n" in out
    # Cross-entropy's gradient is the tutorial's hand rule (p − y)·x.
    rule = f"the tutorial's rule (p - y)·x = {g((p - 1) * 3)}, (p - y) = {g(p - 1)}"
    assert f"so dL/dw = {g((p - 1) * 3)} and dL/db = {g(p - 1)}; {rule}" in out


def test_another_row_and_one_loss(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--no-animation", "--hours", "2", "--passed", "0", "--weight", "0.5", "--bias", "-1", "--loss", "bce"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    _, bce = expected_lines(2.0, 0, 0.5, -1.0)
    assert step_lines(out, "binary cross-entropy") == bce
    assert "squared error:" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hours", "many"], "argument --hours: expected a number, got 'many'"),
        (["--passed", "2"], "argument --passed: invalid choice: 2"),
        (["--loss", "hinge"], "argument --loss: invalid choice: 'hinge'"),
        (["--weight", "nan"], "argument --weight: expected a finite number, got 'nan'"),
    ],
)
def test_bad_arguments_exit_2_with_one_sentence(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demos.backprop", "--no-animation", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_out_that_is_a_file_exits_2_without_touching_it(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "demos.backprop", "--out", str(target)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert re.fullmatch(r"error: .*notes\.txt is a file; expected a directory.*\n", result.stderr)
    assert target.read_text() == "mine"


def test_help_describes_the_demo() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demos.backprop", "--help"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0 and "--loss {squared,bce,both}" in result.stdout and "--out DIR" in result.stdout


def test_each_loss_gets_a_studio_with_a_step_per_printed_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "backprop"
    assert main(["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for loss, title in [("squared", "squared error"), ("bce", "binary cross-entropy")]:
        page = (out / f"{loss}.html").read_text(encoding="utf-8")
        data = json.loads(re.search(r'id="studio-data">(.*?)</script>', page, re.S)[1])
        headers = [line for line in step_lines(printed, title) if not line.startswith(" ")]
        processed = [data["nodes"][i]["label"] for i in data["order"]]
        assert len(processed) == len(headers)  # one studio step per printed step
        assert processed[0] == "L" and processed[-2:] == ["p", "z"]  # the same order as the stepper
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="squared.html"' in index and 'href="bce.html"' in index
    assert f"open {out / 'index.html'}" in printed
