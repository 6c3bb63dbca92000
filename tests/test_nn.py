"""autodiff.nn: neurons with explicit or seeded weights, labels, layers, MLPs and state dicts."""

from __future__ import annotations

import math

import pytest

from autodiff import Value
from autodiff.nn import MLP, Layer, Neuron


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_neuron_with_explicit_weights_computes_the_tutorials_forward_pass() -> None:
    neuron = Neuron(1, "sigmoid", weights=[0.5], bias=-1.0)
    p = neuron([3.0])
    assert math.isclose(p.data, sigmoid(0.5), rel_tol=1e-15)  # page 3: raw 0.5, probability 0.6225
    assert f"{p.data:.4f}" == "0.6225"
    assert p.label == "p" and p.parents[0].label == "z"


@pytest.mark.parametrize(
    ("activation", "expected"),
    [
        ("sigmoid", sigmoid(0.1 * 2 - 0.3 * 4 + 0.25)),
        ("tanh", math.tanh(0.1 * 2 - 0.3 * 4 + 0.25)),
        ("relu", 0.0),
        (None, 0.1 * 2 - 0.3 * 4 + 0.25),
    ],
)
def test_activations(activation, expected: float) -> None:
    neuron = Neuron(2, activation, weights=[0.1, -0.3], bias=0.25)
    assert math.isclose(neuron([2.0, 4.0]).data, expected, rel_tol=1e-15, abs_tol=1e-300)


def test_neuron_gradients_are_error_times_input() -> None:
    """Through a sigmoid and BCE-like seed: dL/dw_i = upstream · p(1 − p) · x_i."""
    neuron = Neuron(2, "sigmoid", weights=[0.1, 0.1], bias=0.0)
    p = neuron([1.0, 5.0])
    p.backward()
    s = sigmoid(0.6)
    w1, w2, b = neuron.parameters()
    assert math.isclose(w1.grad, s * (1 - s) * 1.0, rel_tol=1e-14)
    assert math.isclose(w2.grad, s * (1 - s) * 5.0, rel_tol=1e-14)
    assert math.isclose(b.grad, s * (1 - s), rel_tol=1e-14)


def test_labels_are_the_tutorials() -> None:
    assert [p.label for p in Neuron(1).parameters()] == ["w", "b"]
    assert [p.label for p in Neuron(2).parameters()] == ["w1", "w2", "b"]
    assert [p.label for p in Neuron(3).parameters()] == ["w1", "w2", "w3", "b"]


def test_labels_show_up_in_the_graph() -> None:
    neuron = Neuron(1, weights=[0.1])
    p = neuron([Value(3.0, label="hours")])
    assert p.formula() == "sigmoid(z)"
    assert p.parents[0].formula() == "w*hours + b"


def test_seeded_random_init_is_reproducible_and_in_range() -> None:
    first = [p.data for p in Neuron(5, seed=7).parameters()]
    again = [p.data for p in Neuron(5, seed=7).parameters()]
    other = [p.data for p in Neuron(5, seed=8).parameters()]
    assert first == again
    assert first != other
    assert all(-1.0 <= w < 1.0 for w in first[:-1]) and first[-1] == 0.0
    assert [p.data for p in MLP(3, [4, 4, 1], seed=3).parameters()] == [
        p.data for p in MLP(3, [4, 4, 1], seed=3).parameters()
    ]


def test_layer_neurons_get_different_weights() -> None:
    layer = Layer(3, 4, seed=0)
    rows = [tuple(w.data for w in n.weights) for n in layer.neurons]
    assert len(set(rows)) == 4


def test_parameter_counts() -> None:
    assert len(Neuron(3).parameters()) == 4
    assert len(Layer(3, 4).parameters()) == 4 * (3 + 1)
    assert len(MLP(2, [16, 16, 1]).parameters()) == 16 * 3 + 16 * 17 + 1 * 17


def test_mlp_labels_are_unique_and_say_where_they_are() -> None:
    labels = [p.label for p in MLP(2, [3, 1]).parameters()]
    assert len(labels) == len(set(labels))
    assert labels[:3] == ["L1.n1.w1", "L1.n1.w2", "L1.n1.b"]
    assert labels[-1] == "L2.n1.b"


def test_mlp_output_is_one_value_or_a_list() -> None:
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_mlp_forward_matches_plain_floats() -> None:
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=5)
    x = [0.3, -1.2]
    hidden = []
    for neuron in model.layers[0].neurons:
        hidden.append(math.tanh(sum(w.data * xi for w, xi in zip(neuron.weights, x)) + neuron.bias.data))
    (out_neuron,) = model.layers[1].neurons
    expected = sigmoid(sum(w.data * h for w, h in zip(out_neuron.weights, hidden)) + out_neuron.bias.data)
    assert math.isclose(model(x).data, expected, rel_tol=1e-14)


def test_zero_grad_resets_every_parameter() -> None:
    model = MLP(2, [3, 1], seed=1)
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip() -> None:
    model = MLP(2, [3, 1], seed=1)
    state = model.state_dict()
    assert list(state) == [p.label for p in model.parameters()]
    fresh = MLP(2, [3, 1], seed=99)
    assert fresh([0.5, 0.5]).data != model([0.5, 0.5]).data
    fresh.load_state_dict(state)
    assert fresh.state_dict() == state
    assert fresh([0.5, 0.5]).data == model([0.5, 0.5]).data


def test_load_state_dict_errors() -> None:
    neuron = Neuron(2, weights=[0.1, 0.2])
    with pytest.raises(ValueError, match=r"missing parameters \['w2'\]"):
        neuron.load_state_dict({"w1": 1.0, "b": 0.0})
    with pytest.raises(ValueError, match=r"parameters this model does not: \['w3'\]"):
        neuron.load_state_dict({"w1": 1.0, "w2": 1.0, "b": 0.0, "w3": 1.0})
    with pytest.raises(TypeError, match="parameter 'w1' needs a real number.*got str"):
        neuron.load_state_dict({"w1": "1", "w2": 1.0, "b": 0.0})
    with pytest.raises(TypeError, match="needs a dict of label → number, got list"):
        neuron.load_state_dict([1.0, 2.0, 0.0])
    assert [p.data for p in neuron.parameters()] == [0.1, 0.2, 0.0]  # a refused state changes nothing


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Neuron(0), ValueError, "n_inputs to be a whole number ≥ 1, got 0"),
        (lambda: Neuron(2.0), ValueError, "n_inputs to be a whole number ≥ 1, got 2.0"),
        (lambda: Neuron(1, "softmax"), ValueError, "activation must be one of"),
        (lambda: Neuron(2, weights=[0.1]), ValueError, "2 inputs needs 2 weights, got 1"),
        (lambda: Neuron(1, weights=0.1), TypeError, "weights need a list of 1 numbers, got float 0.1"),
        (lambda: Neuron(1, weights=["a"]), TypeError, "weight 'w' needs a real number"),
        (lambda: Neuron(1, bias="0"), TypeError, "bias needs a real number"),
        (lambda: Neuron(1)([1.0, 2.0]), ValueError, "takes 1 inputs, got 2"),
        (lambda: Layer(2, 0), ValueError, "n_outputs to be a whole number ≥ 1, got 0"),
        (lambda: MLP(2, []), ValueError, "at least one layer size"),
    ],
)
def test_bad_arguments(build, error, message: str) -> None:
    with pytest.raises(error, match=message):
        build()


def test_weights_may_be_any_sequence() -> None:
    assert [w.data for w in Neuron(2, weights=(0.1, 0.2)).weights] == [0.1, 0.2]
    assert [w.data for w in Neuron(2, weights=(x for x in (0.1, 0.2))).weights] == [0.1, 0.2]
