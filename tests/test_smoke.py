"""The README's example, checked against the chain rule written out by hand."""

import math

from autodiff import Value


def test_readme_example_matches_hand_chain_rule() -> None:
    weight, bias = Value(0.1, label="weight"), Value(0.0, label="bias")
    probability = (weight * 3.0 + bias).sigmoid()
    loss = (probability - 1.0) ** 2
    loss.backward()

    p = 1.0 / (1.0 + math.exp(-0.3))
    dloss_draw = 2 * (p - 1.0) * p * (1 - p)
    assert math.isclose(bias.grad, dloss_draw, rel_tol=1e-12)
    assert math.isclose(weight.grad, dloss_draw * 3.0, rel_tol=1e-12)
    assert probability >= 0.5
