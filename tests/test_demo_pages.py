"""The page demos print the tutorial's numbers, recomputed here with plain arithmetic."""

from __future__ import annotations

import math

import pytest

from demos import check_model, forward_pass, sigmoid_table, threshold


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def tutorial_loop(epochs: int, lr: float = 0.1, w: float = 0.1, b: float = 0.0) -> tuple[list[float], float, float]:
    """The tutorial's hand-written training loop: summed squared error per epoch, final w and b."""
    data = [(1.0, 0.0), (2.0, 0.0), (3.0, 1.0), (4.0, 1.0)]
    losses = []
    for _ in range(epochs):
        total = 0.0
        for x, y in data:
            p = sig(w * x + b)
            total += (y - p) ** 2
            w -= lr * (p - y) * x
            b -= lr * (p - y)
        losses.append(total)
    return losses, w, b


def test_forward_pass_prints_each_step_from_the_graph(capsys: pytest.CaptureFixture[str]) -> None:
    assert forward_pass.main([]) == 0
    out = capsys.readouterr().out
    assert "w × hours = 0.5 × 3 = 1.5" in out
    assert f"raw z = w × hours + b = 1.5 + (-1) = {3 * 0.5 - 1:.4f}" in out
    assert f"= {sig(0.5):.4f}" in out and f"{sig(0.5):.4f}" == "0.6225"
    assert "0.6225 ≥ 0.5 → Pass" in out
    assert f"{2.5 * 0.5 - 1:.4f}" in out  # 0.2500
    assert f"{sig(0.25):.4f} ≥ 0.5 → Pass — close to 0.5: the uncertain zone" in out
    assert f"{sig(0.25):.4f}" == "0.5622"


def test_forward_pass_fail_side(capsys: pytest.CaptureFixture[str]) -> None:
    assert forward_pass.main(["--hours", "1", "--weight", "0.5", "--bias", "-1"]) == 0
    out = capsys.readouterr().out
    assert f"{sig(-0.5):.4f} < 0.5 → Fail" in out


def test_sigmoid_table_matches_page_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert sigmoid_table.main([]) == 0
    out = capsys.readouterr().out
    for z, shown in ((-2.0, "0.1192"), (0.0, "0.5000"), (1.2, "0.7685"), (4.0, "0.9820")):
        assert f"{sig(z):.4f}" == shown
        line = next(line for line in out.splitlines() if line.split() and line.split()[0] == f"{z:g}")
        assert shown in line
        assert f"{math.exp(-z):.4f}" in line
    assert "likely fail" in out and "likely pass" in out


def test_check_model_predictions_and_tuning(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_model.main(["--epochs", "10", "100", "--lr", "0.1", "0.5"]) == 0
    out = capsys.readouterr().out
    _, w, b = tutorial_loop(1000)
    assert f"Final weight: {w:.4f}, bias: {b:.4f}" in out
    for hours, verdict in ((1, "Fail"), (2, "Fail"), (3, "Pass"), (4, "Pass")):
        p = sig(w * hours + b)
        assert any(
            line.split()[:4] == [str(hours), f"{w * hours + b:.4f}", f"{p:.4f}", verdict]
            for line in out.splitlines()
            if line.split()
        )
    for lr in (0.1, 0.5):
        for epochs in (10, 100):
            losses, w_e, b_e = tutorial_loop(epochs, lr=lr)
            expected = [f"{lr:g}", str(epochs), f"{losses[-1]:.4f}", f"{w_e:.4f}", f"{b_e:.4f}"]
            assert any(line.split()[:5] == expected for line in out.splitlines()), expected


def test_threshold_flips_the_uncertain_student(capsys: pytest.CaptureFixture[str]) -> None:
    assert threshold.main([]) == 0
    out = capsys.readouterr().out
    _, w, b = tutorial_loop(1000)
    p = sig(w * 2.5 + b)
    assert 0.5 <= p < 0.6
    assert f"2.5 hours ({p:.4f})" in out
    flipping = [line for line in out.splitlines() if line.rstrip().endswith("flips")]
    assert len(flipping) == 1 and flipping[0].split()[0] == "2.5"


def test_threshold_nobody_flips(capsys: pytest.CaptureFixture[str]) -> None:
    assert threshold.main(["--hours", "1", "4"]) == 0
    assert "Nobody flips" in capsys.readouterr().out
