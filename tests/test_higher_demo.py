"""python -m demos.newton: its numbers against arithmetic written out here, and its command line."""

from __future__ import annotations

import math
import re

import pytest

from demos import cli, newton

ROWS = ((1.0, 0.0), (2.0, 0.0), (3.0, 1.0), (4.0, 1.0))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def hand_hessian(w: float, b: float) -> tuple[float, float, float]:
    """Σ p(1 − p)·hours², Σ p(1 − p)·hours, Σ p(1 − p): cross-entropy through a sigmoid, by hand."""
    curves = [(x, sigmoid(w * x + b) * (1 - sigmoid(w * x + b))) for x, _ in ROWS]
    return sum(c * x * x for x, c in curves), sum(c * x for x, c in curves), sum(c for _, c in curves)


def hand_sgd_epochs(target: float, lr: float = 0.1) -> int:
    """The tutorial's hand-written loop in floats: epochs until the summed cross-entropy ≤ target."""

    def loss(w: float, b: float) -> float:
        return sum(-(y * math.log(sigmoid(w * x + b)) + (1 - y) * math.log(1 - sigmoid(w * x + b))) for x, y in ROWS)

    w, b, epochs = 0.1, 0.0, 0
    while loss(w, b) > target:
        for x, y in ROWS:
            error = sigmoid(w * x + b) - y
            w -= lr * error * x
            b -= lr * error
        epochs += 1
    return epochs


@pytest.fixture(scope="module")
def output() -> str:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert cli.run(newton.main, []) == 0
    return buffer.getvalue()


def test_first_hessian_is_printed_with_the_hand_numbers(output: str) -> None:
    h_ww, h_wb, h_bb = hand_hessian(0.1, 0.0)
    assert f"∂²L/∂w²  = {h_ww:8.4f}" in output and f"∂²L/∂w∂b = {h_wb:8.4f}" in output
    assert f"∂²L/∂b∂w = {h_wb:8.4f}" in output and f"∂²L/∂b²  = {h_bb:8.4f}" in output
    assert "The sums are the Hessian's entries: the same numbers." in output
    # Newton's first step written out: (w, b) − H⁻¹·gradient
    g_w = sum((sigmoid(0.1 * x) - y) * x for x, y in ROWS)
    g_b = sum(sigmoid(0.1 * x) - y for x, y in ROWS)
    det = h_ww * h_bb - h_wb * h_wb
    w = 0.1 - (h_bb * g_w - h_wb * g_b) / det
    b = 0.0 - (h_ww * g_b - h_wb * g_w) / det
    assert f"w: 0.1 → {w:.4f}    b: 0.0 → {b:.4f}" in output


def test_race_table_counts_match_the_hand_written_loop(output: str) -> None:
    for target in (1.0, 0.5, 0.2):
        epochs = hand_sgd_epochs(target)
        row = re.search(rf"^\s+{target:.2f}\s+(\d+)\s+(\d+)\s+(\d+)$", output, re.MULTILINE)
        assert row, target
        assert int(row.group(1)) == epochs and int(row.group(2)) == 4 * epochs
    newton_steps = [
        int(re.search(rf"^\s+{t:.2f}\s+\d+\s+\d+\s+(\d+)$", output, re.MULTILINE).group(1)) for t in (1, 0.5, 0.2)
    ]
    assert newton_steps == [1, 2, 3]


def test_mode_counts_are_counted_and_agree(output: str) -> None:
    assert "Both modes gave the same derivatives in every row" in output
    row = re.search(r"the loss, by w and b\s+(\d+)\s+([\d,]+)\s+(\d+)\s+([\d,]+)", output)
    assert row and row.group(1) == "2" and row.group(3) == "1"
    # w·hours + b, its bce_logits and the total: per row a * and a + and a bce node, then one sum = 13 nodes
    assert int(row.group(4)) == 13 and int(row.group(2)) == 2 * 13
    row = re.search(r"each of 100 epochs' losses, by start w\s+(\d+)\s+([\d,]+)\s+(\d+)\s+([\d,]+)", output)
    assert row and row.group(1) == "1" and row.group(3) == "100"
    assert int(row.group(4).replace(",", "")) > 10 * int(row.group(2).replace(",", ""))


def test_counting_restores_the_op_table() -> None:
    from autodiff import Value
    from autodiff.ops import Mul

    before = vars(Mul)["derivatives"]
    x = Value(2.0)
    with newton.counting_local_derivatives([x * x]) as count:
        assert vars(Mul)["derivatives"] is not before
    assert vars(Mul)["derivatives"] is before and count == [0]


def test_sgd_that_gives_up_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(newton.main, ["--max-epochs", "50"]) == 0
    assert "more than 50" in capsys.readouterr().out


def test_help_and_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        newton.main(["--help"])
    assert stop.value.code == 0 and capsys.readouterr().out.startswith("usage: python -m demos.newton")
    for argv, expected in ((["--lr", "0"], "expected a positive finite number, got '0'"), (["--nope"], "unrecognized")):
        with pytest.raises(SystemExit) as stop:
            newton.main(argv)
        err = capsys.readouterr().err
        assert stop.value.code == 2 and err.count("\n") == 1 and expected in err
