"""python -m demos.backprop: its printed chain-rule steps equal the arithmetic written out here."""

from __future__ import annotations

import json
import math
import os
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

    def from_z(dl_dz: float) -> list[str]:
        """z = (w*hours) + b hands dL/dz to both addends; w*hours multiplies it by hours (for w) and w (for hours)."""
        pad_z, pad_wx = " " * len("z = (w*hours) + b"), " " * len("w*hours")
        return [
            f"z = (w*hours) + b   dL/d(w*hours) += dL/dz × ∂z/∂(w*hours) = {g(dl_dz)} × 1 = {g(dl_dz)}",
            f"{pad_z}   dL/db += dL/dz × ∂z/∂b = {g(dl_dz)} × 1 = {g(dl_dz)}",
            f"w*hours   dL/dw += dL/d(w*hours) × ∂(w*hours)/∂w = {g(dl_dz)} × {g(hours)} = {g(dl_dz * hours)}",
            f"{pad_wx}   dL/dhours += dL/d(w*hours) × ∂(w*hours)/∂hours = {g(dl_dz)} × {g(w)} = {g(dl_dz * w)}",
        ]

    # squared error L = (passed − p)²: dL/d(passed − p) = 2(passed − p); ∂(passed − p)/∂passed = 1, ∂/∂p = −1
    d_err = 2 * (y - p)
    dl_dp = -d_err
    dl_dz = dl_dp * dp_dz
    err = "passed - p"
    squared = [
        f"L = ({err})**2   dL/d({err}) += dL/dL × ∂L/∂({err}) = 1 × {g(d_err)} = {g(d_err)}",
        f"{err}   dL/dpassed += dL/d({err}) × ∂({err})/∂passed = {g(d_err)} × 1 = {g(d_err)}",
        f"{' ' * len(err)}   dL/dp += dL/d({err}) × ∂({err})/∂p = {g(d_err)} × -1 = {g(dl_dp)}",
        f"p = sigmoid(z)   dL/dz += dL/dp × ∂p/∂z = {g(dl_dp)} × {g(dp_dz)} = {g(dl_dz)}",
        *from_z(dl_dz),
    ]

    # cross-entropy L = −[y log p + (1 − y) log(1 − p)]: dL/dp = −y/p + (1 − y)/(1 − p); dL/dz = p − y;
    # and for the target, dL/dy = −log p + log(1 − p)
    bce_dp = -y / p + (1 - y) / (1 - p)
    bce_dz = p - y
    bce_dy = -math.log(p) + math.log(1 - p)
    head = "L = bce(p, passed)"
    bce = [
        f"{head}   dL/dp += dL/dL × ∂L/∂p = 1 × {g(bce_dp)} = {g(bce_dp)}",
        f"{' ' * len(head)}   dL/dpassed += dL/dL × ∂L/∂passed = 1 × {g(bce_dy)} = {g(bce_dy)}",
        f"p = sigmoid(z)   dL/dz += dL/dp × ∂p/∂z = {g(bce_dp)} × {g(dp_dz)} = {g(bce_dz)}",
        *from_z(bce_dz),
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
    # The tutorial's example: dL/dw for hours 3, w 0.1, b 0, passed 1.
    assert "w*hours   dL/dw += dL/d(w*hours) × ∂(w*hours)/∂w = -0.2081 × 3 = -0.6242" in out
    # p = 1/(1 + e^-0.3); squared error and cross-entropy values
    p = 1.0 / (1.0 + math.exp(-0.3))
    assert f"p = sigmoid(z) = {g(p)}" in out
    assert f"squared error: L = (passed - p)² = {g((1 - p) ** 2)}" in out
    assert f"= {g(-math.log(p))}\n" in out
    # Cross-entropy's gradient is the tutorial's hand rule (p − passed)·hours.
    rule = f"the tutorial's rule (p - passed)·hours = {g((p - 1) * 3)}, (p - passed) = {g(p - 1)}"
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
        processed = [data["nodes"][i]["name"] for i in data["order"]]
        assert len(processed) == len(headers)  # one studio step per printed step
        # The same order as the stepper, and the tutorial's shape: z = (w*hours) + b, then w*hours
        assert processed[0] == "L" and processed[-3:] == ["p", "z", "(w*hours)"]
        assert [line.split("   ")[0] for line in headers[-3:]] == ["p = sigmoid(z)", "z = (w*hours) + b", "w*hours"]
        kinds = {node["name"]: node["kind"] for node in data["nodes"]}
        assert kinds["w"] == kinds["b"] == "parameter" and kinds["hours"] == kinds["passed"] == "data input"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="squared.html"' in index and 'href="bce.html"' in index
    assert f"open {out / 'index.html'}" in printed


def quiz(answers: str) -> subprocess.CompletedProcess[str]:
    # UTF-8 both ways, whatever the test's own terminal: these tests check the quiz's arithmetic and
    # wording (an ASCII terminal's escapes are the bad-input table's business).
    return subprocess.run(
        [sys.executable, "-m", "demos.backprop", "--quiz"],
        input=answers,
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
    )


def test_quiz_checks_piped_answers_against_hand_arithmetic() -> None:
    # The tutorial's row by hand: hours 3, passed 1, w 0.1, b 0, cross-entropy.
    p = 1 / (1 + math.exp(-0.3))
    d_p = (p - 1) / (p * (1 - p))  # ∂L/∂p for bce, and dL/dp (upstream 1)
    d_z = d_p * p * (1 - p)  # = p − 1: the hand rule's error
    answers = [p, d_p, d_p, p * (1 - p), d_z, 1, d_z, 1, d_z, 3, d_z * 3, 0.1 - 0.1 * d_z * 3, 0 - 0.1 * d_z]
    answers[3] = 0.5  # one wrong: ∂p/∂z is 0.2445
    result = quiz("".join(f"{a!r}\n" for a in answers))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "Score: 12 of 13 right."
    wrong = next(line for line in lines if "not quite" in line)
    assert "∂p/∂z = p × (1 − p) = 0.5744 × (1 − 0.5744) = 0.2445; you said 0.5" in wrong


def test_quiz_ends_with_one_sentence_at_end_of_input() -> None:
    result = quiz("0.5744\nnot a number\n")
    assert result.returncode == 0 and result.stderr == ""
    assert "'not a number' is not a number; type one, e.g. 0.25" in result.stdout
    assert result.stdout.splitlines()[-1] == "Quiz ended early: 1 of 1 right."


def test_the_index_is_a_styled_page_that_says_what_each_link_shows(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path / "bp"), "--no-code"]) == 0
    index = (tmp_path / "bp" / "index.html").read_text(encoding="utf-8")
    assert "<style>" in index and "hours 3, passed 1; w 0.1, b 0" in index
    for page, formula in (("squared.html", "L = (passed - p)²"), ("bce.html", "L = -[passed·log p")):
        assert f'href="{page}"' in index and formula in index
