"""train(): per-row and full-batch updates, the per-epoch history, and the epoch's graph."""

from __future__ import annotations

import math

import pytest

from autodiff import History, Value, datasets, optim, topological_order, train
from autodiff.losses import binary_cross_entropy, squared_error
from autodiff.nn import MLP, Neuron

H = 1e-6


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def tutorial_neuron(n_inputs: int = 1) -> Neuron:
    return Neuron(n_inputs, "sigmoid", weights=[0.1] * n_inputs, bias=0.0)


def objective(weights: list[float], bias: float, dataset, loss: str) -> float:
    """The epoch's objective in plain floats: the loss summed over all rows."""
    total = 0.0
    for features, y in dataset.rows:
        p = sigmoid(sum(w * x for w, x in zip(weights, features)) + bias)
        total += (y - p) ** 2 if loss == "squared" else -(y * math.log(p) + (1 - y) * math.log(1 - p))
    return total


def central_differences(parameters: dict[str, float], dataset, loss: str) -> dict[str, float]:
    names = list(parameters)
    values = list(parameters.values())
    grads = {}
    for i, name in enumerate(names):
        up, down = list(values), list(values)
        up[i] += H
        down[i] -= H
        grads[name] = (objective(up[:-1], up[-1], dataset, loss) - objective(down[:-1], down[-1], dataset, loss)) / (
            2 * H
        )
    return grads


def test_full_batch_is_one_summed_gradient_step_per_epoch() -> None:
    """Hand-computed: w −= lr·Σ(p − y)·x, b −= lr·Σ(p − y), all p from the epoch's start."""
    dataset = datasets.STUDY_SLEEP
    history = train(tutorial_neuron(2), dataset, loss=binary_cross_entropy, lr=0.05, epochs=30, mode="full_batch")
    w, b = [0.1, 0.1], 0.0
    for record in history.records:
        grads, grad_b, printed = [0.0, 0.0], 0.0, 0.0
        for features, y in dataset.rows:
            p = sigmoid(sum(wi * x for wi, x in zip(w, features)) + b)
            printed += (y - p) ** 2
            grads = [g + (p - y) * x for g, x in zip(grads, features)]
            grad_b += p - y
        w = [wi - 0.05 * g for wi, g in zip(w, grads)]
        b -= 0.05 * grad_b
        assert math.isclose(record.loss, printed, rel_tol=1e-12)
        assert math.isclose(record.parameters["w1"], w[0], rel_tol=1e-12)
        assert math.isclose(record.parameters["w2"], w[1], rel_tol=1e-12)
        assert math.isclose(record.parameters["b"], b, rel_tol=1e-12, abs_tol=1e-15)


def test_per_row_and_full_batch_differ() -> None:
    per_row = train(tutorial_neuron(), datasets.STUDY_HOURS, epochs=5)
    full = train(tutorial_neuron(), datasets.STUDY_HOURS, epochs=5, mode="full_batch")
    # Full batch measures every row at the starting parameters; per row, each row after the previous updates.
    assert math.isclose(full[0].loss, objective([0.1], 0.0, datasets.STUDY_HOURS, "squared"), rel_tol=1e-12)
    assert per_row[0].loss != full[0].loss
    assert per_row[-1].parameters != full[-1].parameters


def row_gradient(weights: list[float], bias: float, features, y: float, loss: str) -> list[float]:
    """One row's gradient (weights…, bias), by hand: (p − y)·x for cross-entropy, 2(p − y)·p(1 − p)·x for squared."""
    p = sigmoid(sum(w * x for w, x in zip(weights, features)) + bias)
    error = p - y if loss == "bce" else 2 * (p - y) * p * (1 - p)
    return [error * x for x in features] + [error]


@pytest.mark.parametrize(("loss_fn", "loss_name"), [(squared_error, "squared"), (binary_cross_entropy, "bce")])
def test_per_row_gradients_are_the_rows_gradients_summed(loss_fn, loss_name) -> None:
    """Each row's gradient at the parameters that row saw (its snapshot), written out by hand, summed."""
    dataset = datasets.STUDY_SLEEP
    history = train(tutorial_neuron(2), dataset, loss=loss_fn, lr=0.1, epochs=6)
    before = history.start
    for record in history.records:
        summed = [0.0, 0.0, 0.0]
        for (w1, w2, b), (features, y) in zip(record.rows, dataset.rows):
            summed = [s + g for s, g in zip(summed, row_gradient([w1, w2], b, features, y, loss_name))]
        assert list(record.gradients.values()) == pytest.approx(summed, rel=1e-12, abs=1e-15)
        # Plain SGD moved each parameter by −lr × the epoch's summed gradient.
        for name, grad in record.gradients.items():
            assert record.parameters[name] == pytest.approx(before[name] - 0.1 * grad, rel=1e-12, abs=1e-14)
        before = record.parameters


@pytest.mark.parametrize(("loss_fn", "loss_name"), [(squared_error, "squared"), (binary_cross_entropy, "bce")])
def test_full_batch_gradients_are_the_objectives_at_the_epochs_start(loss_fn, loss_name) -> None:
    dataset = datasets.STUDY_SLEEP
    history = train(tutorial_neuron(2), dataset, loss=loss_fn, lr=0.1, epochs=6, mode="full_batch")
    before = history.start
    for record in history.records:
        numeric = central_differences(before, dataset, loss_name)
        for name, grad in record.gradients.items():
            assert math.isclose(grad, numeric[name], rel_tol=1e-6, abs_tol=1e-8), (record.epoch, name, grad)
        before = record.parameters


@pytest.mark.parametrize("mode", ["per_row", "full_batch"])
@pytest.mark.parametrize(("loss_fn", "loss_name"), [(squared_error, "squared"), (binary_cross_entropy, "bce")])
def test_epoch_graph_is_the_objective_at_the_epochs_end_with_its_gradients(mode, loss_fn, loss_name) -> None:
    dataset = datasets.STUDY_SLEEP
    history = train(tutorial_neuron(2), dataset, loss=loss_fn, lr=0.1, epochs=6, mode=mode)
    for epoch in (0, 3, 5):
        record = history[epoch]
        graph = history.graph(epoch)
        leaves = {v.label: v for v in topological_order(graph) if v.label in record.parameters}
        assert {name: v.data for name, v in leaves.items()} == record.parameters
        assert graph.label == "loss"
        assert math.isclose(
            graph.data,
            objective([*record.parameters.values()][:-1], record.parameters["b"], dataset, loss_name),
            rel_tol=1e-12,
        )
        numeric = central_differences(record.parameters, dataset, loss_name)
        for name, leaf in leaves.items():
            assert math.isclose(leaf.grad, numeric[name], rel_tol=1e-6, abs_tol=1e-8), (epoch, name, leaf.grad)


def test_graph_is_rebuilt_fresh_and_leaves_the_model_alone() -> None:
    model = tutorial_neuron()
    history = train(model, datasets.STUDY_HOURS, epochs=3)
    before = [(p.data, p.grad) for p in model.parameters()]
    first, second = history.graph(1), history.graph(1)
    assert first is not second
    assert first.data == second.data
    assert [(p.data, p.grad) for p in model.parameters()] == before


def test_records_count_and_shape() -> None:
    history = train(tutorial_neuron(), datasets.STUDY_HOURS, epochs=7)
    assert isinstance(history, History)
    assert len(history) == 7 and [r.epoch for r in history.records] == list(range(7))
    assert history.parameter_names == ["w", "b"]
    assert history.losses == [r.loss for r in history.records]
    assert history.interrupted is False
    assert history.settings["epochs"] == 7 and history.settings["mode"] == "per_row"
    plain = history.to_dict()
    assert len(plain["epochs"]) == 7 and set(plain["epochs"][0]) == {"epoch", "loss", "parameters", "gradients"}


def test_the_model_ends_at_the_last_records_parameters() -> None:
    model = tutorial_neuron(2)
    history = train(model, datasets.STUDY_SLEEP, epochs=4)
    assert model.state_dict() == history[-1].parameters


def test_ctrl_c_from_on_epoch_keeps_the_finished_epochs() -> None:
    seen = []

    def on_epoch(record) -> None:
        seen.append(record.epoch)
        if record.epoch == 3:
            raise KeyboardInterrupt

    model = tutorial_neuron()
    history = train(model, datasets.STUDY_HOURS, epochs=100, on_epoch=on_epoch)
    assert history.interrupted is True
    assert len(history) == 4 and seen == [0, 1, 2, 3]
    assert model.state_dict() == history[-1].parameters
    assert history.graph(3).data > 0  # an interrupted history still redraws its epochs


def test_ctrl_c_mid_epoch_puts_the_model_back_to_the_last_finished_epoch() -> None:
    calls = 0

    def loss(prediction, target):
        nonlocal calls
        calls += 1
        if calls == 4 + 2 + 1:  # epoch 0: 4 rows; epoch 1: 2 rows, then stop
            raise KeyboardInterrupt
        return binary_cross_entropy(prediction, target)

    model = tutorial_neuron()
    history = train(model, datasets.STUDY_HOURS, loss=loss, epochs=10)
    assert history.interrupted and len(history) == 1
    assert model.state_dict() == history[0].parameters


def test_ctrl_c_before_any_epoch_restores_the_start() -> None:
    def loss(prediction, target):
        raise KeyboardInterrupt

    model = tutorial_neuron()
    history = train(model, datasets.STUDY_HOURS, loss=loss, epochs=10)
    assert history.interrupted and len(history) == 0
    assert model.state_dict() == {"w": 0.1, "b": 0.0}


def test_an_optimizer_can_be_given() -> None:
    model = tutorial_neuron()
    history = train(model, datasets.STUDY_HOURS, optimizer=optim.Adam(model.parameters(), lr=0.05), epochs=3)
    assert history.settings["optimizer"] == "Adam" and history.settings["lr"] == 0.05


def test_an_mlp_records_the_gradients_its_updates_used() -> None:
    """Plain SGD: each epoch moved every parameter by −lr × its recorded gradient (up to rounding)."""
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=2)
    history = train(model, datasets.STUDY_SLEEP, loss=binary_cross_entropy, lr=0.05, epochs=3)
    before = history.start
    for record in history.records:
        assert set(record.gradients) == set(record.parameters) == set(before)
        for name, grad in record.gradients.items():
            assert record.parameters[name] == pytest.approx(before[name] - 0.05 * grad, rel=1e-12, abs=1e-14)
        before = record.parameters
    graph = history.graph(2)
    assert {v.label for v in topological_order(graph) if v.label in before} == set(before)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"mode": "minibatch"}, ValueError, "mode must be one of"),
        ({"epochs": 0}, ValueError, "epochs to be a whole number ≥ 1, got 0"),
        ({"epochs": 2.5}, ValueError, "got 2.5"),
    ],
)
def test_bad_arguments(kwargs, error, message: str) -> None:
    with pytest.raises(error, match=message):
        train(tutorial_neuron(), datasets.STUDY_HOURS, **kwargs)


def test_graph_index_errors() -> None:
    history = train(tutorial_neuron(), datasets.STUDY_HOURS, epochs=2)
    with pytest.raises(IndexError, match="from 0 to 1, got 2"):
        history.graph(2)
    with pytest.raises(ValueError, match="no model, dataset and loss"):
        History(records=[], settings={}).graph(0)


def test_duplicate_parameter_labels_are_refused() -> None:
    class Twins(Neuron):
        def parameters(self) -> list[Value]:
            return [*self.weights, Value(0.0, label="w")]

    with pytest.raises(ValueError, match="its own label"):
        train(Twins(1, weights=[0.1]), datasets.STUDY_HOURS, epochs=1)


def test_start_and_row_snapshots_follow_the_tutorials_arithmetic() -> None:
    """History.start is w 0.1, b 0.0; each epoch's rows hold the parameters before each row's update.

    The oracle is the tutorial's hand rule written out here (error × input is the cross-entropy
    gradient through the sigmoid), applied row by row.
    """
    dataset = datasets.STUDY_HOURS
    history = train(tutorial_neuron(), dataset, loss=binary_cross_entropy, lr=0.1, epochs=3)
    assert history.start == {"w": 0.1, "b": 0.0}
    w, b = 0.1, 0.0
    for record in history.records:
        assert len(record.rows) == len(dataset.rows)
        for snapshot, (features, y) in zip(record.rows, dataset.rows):
            assert snapshot == pytest.approx((w, b), rel=1e-12, abs=1e-15)
            error = sigmoid(w * features[0] + b) - y
            w, b = w - 0.1 * error * features[0], b - 0.1 * error
        assert (record.parameters["w"], record.parameters["b"]) == pytest.approx((w, b), rel=1e-12)
    first_update = history.records[0].rows[1][0]
    assert first_update == pytest.approx(0.1 - 0.1 * (sigmoid(0.1) - 0) * 1, rel=1e-12)  # 0.0475…


def test_a_long_epoch_keeps_the_snapshots_of_its_first_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    import autodiff.training as training

    monkeypatch.setattr(training, "ROW_SNAPSHOTS", 3)  # a million rows of 337 parameters: gigabytes
    history = train(tutorial_neuron(), datasets.STUDY_HOURS, loss=binary_cross_entropy, lr=0.1, epochs=2)
    whole = train(tutorial_neuron(), datasets.STUDY_HOURS, loss=binary_cross_entropy, lr=0.1, epochs=2)
    assert [len(r.rows) for r in history.records] == [3, 3]
    monkeypatch.setattr(training, "ROW_SNAPSHOTS", 50_000)
    full = train(tutorial_neuron(), datasets.STUDY_HOURS, loss=binary_cross_entropy, lr=0.1, epochs=2)
    assert [r.rows for r in history.records] == [r.rows[:3] for r in full.records]  # the same first rows
    assert [r.parameters for r in whole.records] == [r.parameters for r in full.records]


def test_row_snapshots_are_bounded_and_keep_the_last_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    import autodiff.training as training

    monkeypatch.setattr(training, "ROW_SNAPSHOTS", 10)
    dataset = datasets.STUDY_HOURS
    history = train(tutorial_neuron(), dataset, loss=binary_cross_entropy, lr=0.1, epochs=7)
    kept = [r.epoch for r in history.records if r.rows]
    assert kept == [0, 3, 6]  # stride ceil(7 × 4 / 10) = 3, and always the last epoch
    assert all(not r.rows for r in train(tutorial_neuron(), dataset, epochs=2, mode="full_batch").records)
