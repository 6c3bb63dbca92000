"""PyTorch side by side: both engines agree to 1e-9; without torch the demo explains how to get it and exits 0."""

from __future__ import annotations

import math
import sys

import pytest

from demos import torch_side_by_side


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_without_torch_says_how_to_install(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    assert torch_side_by_side.main(["--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "pip install torch==2.13.0" in out and "pip install -e '.[torch]'" in out


@pytest.mark.parametrize("loss", ["bce", "squared"])
def test_same_numbers_as_torch(loss: str, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    assert torch_side_by_side.main(["--loss", loss, "--epochs", "101"]) == 0
    out = capsys.readouterr().out
    assert "within 1e-09" in out
    if loss == "bce":  # the tutorial's numbers: epoch 0 loss by hand
        w, b, total = 0.1, 0.0, 0.0
        for x, y in ((1, 0), (2, 0), (3, 1), (4, 1)):
            p = sig(w * x + b)
            total += (y - p) ** 2
            w, b = w - 0.1 * (p - y) * x, b - 0.1 * (p - y)
        row = next(line.split() for line in out.splitlines() if line.split()[:1] == ["0"])
        assert row[1] == row[2] == f"{total:.10f}"
        assert f"{total:.4f}" == "1.0155"
