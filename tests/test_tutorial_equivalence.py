"""Autograd + binary cross-entropy + per-row SGD reproduces the tutorial's hand-written training.

The tutorial's update rule (error = p − y; w −= lr·error·x; b −= lr·error) is computed here in
plain floats, row by row; the engine's run must track it after every row to 1e-9.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value, datasets, optim, train
from autodiff.losses import binary_cross_entropy, squared_error
from autodiff.nn import Neuron

LR = 0.1
EPOCHS = 1000


def hand_sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def hand_rule_run(rows, weights: list[float], bias: float, lr: float = LR, epochs: int = EPOCHS):
    """The tutorial's loop: every row's (weights, bias) after its update, and each epoch's printed Loss."""
    weights = list(weights)
    after_each_row = []
    epoch_losses = []
    for _ in range(epochs):
        total_loss = 0.0
        for features, actual in rows:
            prediction = hand_sigmoid(sum(w * x for w, x in zip(weights, features)) + bias)
            total_loss += (actual - prediction) ** 2
            error = prediction - actual
            weights = [w - lr * error * x for w, x in zip(weights, features)]
            bias -= lr * error
            after_each_row.append((tuple(weights), bias))
        epoch_losses.append(total_loss)
    return after_each_row, epoch_losses


def autograd_run(rows, weights: list[float], bias: float, loss=binary_cross_entropy):
    """The same loop on the engine: predict, loss, backward, SGD step; (weights, bias) after each row."""
    neuron = Neuron(len(weights), "sigmoid", weights=weights, bias=bias)
    optimizer = optim.SGD(neuron.parameters(), lr=LR)
    after_each_row = []
    for _ in range(EPOCHS):
        for features, actual in rows:
            optimizer.zero_grad()
            loss(neuron([Value(x) for x in features]), actual).backward()
            optimizer.step()
            after_each_row.append((tuple(w.data for w in neuron.weights), neuron.bias.data))
    return after_each_row


TUTORIAL_RUNS = [
    pytest.param(datasets.STUDY_HOURS, [0.1], 1.0155, id="one input"),
    pytest.param(datasets.STUDY_SLEEP, [0.1, 0.1], 1.3209, id="two inputs"),
]


@pytest.mark.parametrize(("dataset", "start", "printed_loss"), TUTORIAL_RUNS)
def test_bce_autograd_tracks_the_hand_rule_after_every_row(dataset, start, printed_loss) -> None:
    expected, _ = hand_rule_run(dataset.rows, start, 0.0)
    got = autograd_run(dataset.rows, start, 0.0)
    assert len(got) == len(expected) == EPOCHS * len(dataset.rows)
    for row, ((w_got, b_got), (w_hand, b_hand)) in enumerate(zip(got, expected)):
        assert all(abs(a - b) <= 1e-9 for a, b in zip(w_got, w_hand)), (row, w_got, w_hand)
        assert abs(b_got - b_hand) <= 1e-9, (row, b_got, b_hand)


@pytest.mark.parametrize(("dataset", "start", "printed_loss"), TUTORIAL_RUNS)
def test_train_reproduces_the_tutorials_printed_run(dataset, start, printed_loss) -> None:
    expected_rows, expected_losses = hand_rule_run(dataset.rows, start, 0.0)
    assert f"{expected_losses[0]:.4f}" == f"{printed_loss:.4f}"  # the oracle prints what the tutorial does
    model = Neuron(len(start), "sigmoid", weights=start, bias=0.0)
    history = train(model, dataset, loss=binary_cross_entropy, metric=squared_error, lr=LR, epochs=EPOCHS)
    assert len(history) == EPOCHS
    assert f"{history[0].loss:.4f}" == f"{printed_loss:.4f}"
    names = [w.label for w in model.weights]
    for epoch, record in enumerate(history.records):
        assert abs(record.loss - expected_losses[epoch]) <= 1e-9
        w_hand, b_hand = expected_rows[(epoch + 1) * len(dataset.rows) - 1]
        for name, w in zip(names, w_hand):
            assert abs(record.parameters[name] - w) <= 1e-9
        assert abs(record.parameters["b"] - b_hand) <= 1e-9


def test_parameter_labels_are_the_tutorials() -> None:
    assert [p.label for p in Neuron(1, weights=[0.1]).parameters()] == ["w", "b"]
    assert [p.label for p in Neuron(2, weights=[0.1, 0.1]).parameters()] == ["w1", "w2", "b"]


@given(
    w=st.floats(-3, 3),
    b=st.floats(-3, 3),
    x=st.floats(-5, 5),
    y=st.sampled_from([0.0, 1.0]),
)
def test_squared_error_gradient_is_not_the_hand_rule(w: float, b: float, x: float, y: float) -> None:
    """Autograd on (p − y)² gives 2(p − y)·p(1 − p)·x, not the tutorial's (p − y)·x."""
    weight, bias = Value(w, label="w"), Value(b, label="b")
    p_value = (weight * x + bias).sigmoid()
    squared_error(p_value, y).backward()
    p = hand_sigmoid(w * x + b)
    expected = 2 * (p - y) * p * (1 - p)
    assert math.isclose(weight.grad, expected * x, rel_tol=1e-9, abs_tol=1e-15)
    assert math.isclose(bias.grad, expected, rel_tol=1e-9, abs_tol=1e-15)


def test_squared_error_training_takes_a_different_path() -> None:
    expected, _ = hand_rule_run(datasets.STUDY_HOURS.rows, [0.1], 0.0)
    got = autograd_run(datasets.STUDY_HOURS.rows, [0.1], 0.0, loss=squared_error)
    (w_hand,), b_hand = expected[-1]
    (w_sq,), b_sq = got[-1]
    assert abs(w_sq - w_hand) > 0.1 and abs(b_sq - b_hand) > 0.1
    # …yet it also learns to separate the rows: pass from hours 3 on.
    assert [hand_sigmoid(w_sq * h + b_sq) >= 0.5 for h in (1, 2, 3, 4)] == [False, False, True, True]
