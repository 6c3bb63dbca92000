"""Neurons, layers and multi-layer perceptrons built from Values.

A neuron computes ``raw = w1*x1 + … + wn*xn + b`` (one ``linear`` node, labelled ``z``) and then
its activation (``p`` for a sigmoid's probability, ``a`` otherwise), exactly the tutorial's
``output = input × weight + bias`` followed by a sigmoid. ``Neuron(..., expanded=True)`` builds
the raw score from one multiply per weight and adds, left to right, as the tutorial writes it by
hand, so a drawn graph reads ``w*hours + b``; the numbers are the same (the same float operations
in the same order).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from autodiff import ops
from autodiff.backward import zero_grad
from autodiff.value import Operand, Value, _check_number, linear

ACTIVATIONS = ("sigmoid", "relu", "tanh", None)


class Module:
    """Anything with parameters: ``parameters()``, ``zero_grad()`` and a state dict, as in PyTorch."""

    def parameters(self) -> list[Value]:
        """The trainable Values, in a fixed order (a neuron's weights, then its bias).

        Returns:
            The parameters; an optimizer takes this list, and ``state_dict`` follows its order.
        """
        return []

    def zero_grad(self) -> None:
        """Reset every parameter's grad to 0 before the next backward pass accumulates into it."""
        zero_grad(self.parameters())

    def state_dict(self) -> dict[str, float]:
        """Each parameter's value by its label, in parameter order.

        Returns:
            A new dict of label → number, e.g. ``{'w': 4.3019, 'b': -10.5080}``.
        """
        return {p.label: p.data for p in self.parameters()}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Set every parameter from ``state`` (label → number), as ``state_dict`` gives it.

        Args:
            state: One number for each parameter's label, and no other labels.

        Raises:
            TypeError: ``state`` is not a dict, or a value in it is not a number.
            ValueError: A parameter is missing from ``state``, or ``state`` names one this model does
                not have.
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict needs a dict of label → number, got {type(state).__name__}")
        params = self.parameters()
        missing = [p.label for p in params if p.label not in state]
        if missing:
            raise ValueError(f"state is missing parameters {missing}")
        unknown = sorted(set(state) - {p.label for p in params})
        if unknown:
            raise ValueError(f"state has parameters this model does not: {unknown}")
        for p in params:
            p.data = _check_number(state[p.label], f"parameter {p.label!r}")


def _weight_labels(prefix: str, n_inputs: int) -> list[str]:
    # The tutorial's names: w for one input, w1, w2, … for several.
    if n_inputs == 1:
        return [f"{prefix}w"]
    return [f"{prefix}w{i}" for i in range(1, n_inputs + 1)]


class Neuron(Module):
    """One neuron: ``activation(w·x + b)``.

    Calling it on a row's inputs builds that row's graph: ``neuron([3.0])`` is the probability
    ``p = sigmoid(z)``, ``z = w*3 + b``. Its parameters are labelled ``w`` (or ``w1``, ``w2``, …)
    and ``b``, prefixed by ``name``.

    Args:
        n_inputs: How many inputs (features) it reads.
        activation: ``"sigmoid"`` (the tutorial's), ``"relu"``, ``"tanh"`` or None for none.
        weights: The starting weights, one per input (the tutorial's ``[0.1]``); without them they
            are drawn uniformly from [-1, 1) by a ``random.Random(seed)``.
        bias: The starting bias.
        seed: Seeds the random weights, so the same code gives the same neuron every run.
        name: A prefix for the labels (``"L1.n2."`` in a layer).
        expanded: Build ``z`` from ``*`` and ``+`` nodes (``w1*x1 + w2*x2 + b``) instead of one
            ``linear`` node, so a drawing shows every multiply and add. The numbers are the same.

    Raises:
        ValueError: ``n_inputs`` is not a whole number ≥ 1, ``activation`` is not one of the four,
            or ``weights`` has the wrong length.
        TypeError: ``weights`` is not a list of numbers, or a weight or the bias is not a number.
    """

    def __init__(
        self,
        n_inputs: int,
        activation: str | None = "sigmoid",
        weights: Sequence[float] | None = None,
        bias: float = 0.0,
        seed: int | None = 0,
        name: str = "",
        expanded: bool = False,
    ) -> None:
        if not isinstance(n_inputs, int) or isinstance(n_inputs, bool) or n_inputs < 1:
            raise ValueError(f"Neuron needs n_inputs to be a whole number ≥ 1, got {n_inputs!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"Neuron activation must be one of {ACTIVATIONS}, got {activation!r}")
        if weights is not None:
            if isinstance(weights, (str, bytes)) or not hasattr(weights, "__iter__"):
                raise TypeError(
                    f"Neuron weights need a list of {n_inputs} numbers, got {type(weights).__name__} {weights!r}"
                )
            weights = list(weights)  # a tuple, a numpy array, a generator…
        if weights is None:
            rng = random.Random(seed)
            weights = [rng.uniform(-1.0, 1.0) for _ in range(n_inputs)]
        elif len(weights) != n_inputs:
            raise ValueError(f"Neuron with {n_inputs} inputs needs {n_inputs} weights, got {len(weights)}")
        self._name = name
        self.expanded = bool(expanded)
        self.activation = activation  # also sets what __call__ needs, see the property below
        self.weights = [
            Value(_check_number(w, f"weight {label!r}"), label=label)
            for w, label in zip(weights, _weight_labels(name, n_inputs))
        ]
        self.bias = Value(_check_number(bias, "bias"), label=f"{name}b")

    # ``activation`` and ``name`` are properties so that __call__, which runs for every row of
    # every epoch, finds its op and labels ready-made instead of formatting them each time.
    @property
    def activation(self) -> str | None:
        """The activation's name (``"sigmoid"``, ``"relu"``, ``"tanh"``), or None for none."""
        return self._activation

    @activation.setter
    def activation(self, activation: str | None) -> None:
        self._activation = activation
        self._set_call_constants()

    @property
    def name(self) -> str:
        """The prefix of the neuron's labels (``""`` for the tutorial's ``w`` and ``b``)."""
        return self._name

    @name.setter
    def name(self, name: str) -> None:
        self._name = name
        self._set_call_constants()

    def _set_call_constants(self) -> None:
        activation, name = self._activation, self._name
        self._activation_op = _ACTIVATION_OPS[activation] if activation is not None else None
        self._raw_label = f"{name}z"
        self._out_label = f"{name}{'p' if activation == 'sigmoid' else 'a'}"

    def __call__(self, inputs: Sequence[Operand]) -> Value:
        """The neuron's output for one row.

        Args:
            inputs: One number (or Value) per weight.

        Returns:
            ``activation(w·x + b)`` as a Value, labelled ``p`` (sigmoid) or ``a``; its input, the raw
            score, is labelled ``z``.

        Raises:
            ValueError: ``inputs`` does not have one entry per weight.
        """
        if len(inputs) != len(self.weights):
            raise ValueError(f"Neuron{self._where()} takes {len(self.weights)} inputs, got {len(inputs)}")
        if self.expanded:
            # The tutorial's order, left to right: ((w1*x1 + w2*x2) + …) + b.
            raw = self.weights[0] * inputs[0]
            for weight, x in zip(self.weights[1:], inputs[1:]):
                raw = raw + weight * x
            raw = raw + self.bias
        else:
            raw = linear(self.weights, inputs, self.bias)
        raw.label = self._raw_label
        if self._activation_op is None:
            return raw
        out = raw._apply(self._activation_op)
        out.label = self._out_label
        return out

    def _where(self) -> str:
        return f" {self.name.rstrip('.')}" if self.name else ""

    def parameters(self) -> list[Value]:
        """The weights, then the bias."""
        return [*self.weights, self.bias]

    def __repr__(self) -> str:
        return f"Neuron({len(self.weights)} inputs, activation={self.activation!r})"


class Layer(Module):
    """Several neurons reading the same inputs.

    Args:
        n_inputs: How many inputs each neuron reads.
        n_outputs: How many neurons.
        activation: Each neuron's activation (see ``Neuron``).
        seed: Seeds the neurons' random starting weights.
        name: A prefix for the labels; neuron i's are ``{name}n{i}.w1`` … (counting from 1).

    Raises:
        ValueError: ``n_outputs`` is not a whole number ≥ 1 (and as ``Neuron`` for the rest).
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        activation: str | None = "relu",
        seed: int | None = 0,
        name: str = "",
    ) -> None:
        if not isinstance(n_outputs, int) or isinstance(n_outputs, bool) or n_outputs < 1:
            raise ValueError(f"Layer needs n_outputs to be a whole number ≥ 1, got {n_outputs!r}")
        rng = random.Random(seed)
        self.neurons = [
            Neuron(n_inputs, activation, seed=rng.randrange(2**32), name=f"{name}n{i}.")
            for i in range(1, n_outputs + 1)
        ]

    def __call__(self, inputs: Sequence[Operand]) -> list[Value]:
        """Each neuron's output for one row, in order.

        Args:
            inputs: One number (or Value) per input.

        Returns:
            One Value per neuron.
        """
        return [neuron(inputs) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        """Every neuron's parameters, neuron by neuron."""
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self) -> str:
        return f"Layer({len(self.neurons)} neurons of {self.neurons[0]!r})"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])``, layers of neurons each feeding the next.

    Args:
        n_inputs: How many inputs (features) the first layer reads.
        layer_sizes: The number of neurons in each layer, the last being the output layer.
        activation: The hidden layers' activation (see ``Neuron``).
        output_activation: The output layer's activation: None for a raw score,
            ``"sigmoid"`` for a probability.
        seed: Seeds every layer's random starting weights.

    Raises:
        ValueError: ``layer_sizes`` is empty (and as ``Layer`` for the rest).
    """

    def __init__(
        self,
        n_inputs: int,
        layer_sizes: Sequence[int],
        activation: str | None = "relu",
        output_activation: str | None = None,
        seed: int | None = 0,
    ) -> None:
        if not layer_sizes:
            raise ValueError("MLP needs at least one layer size, got an empty list")
        sizes = [n_inputs, *layer_sizes]
        rng = random.Random(seed)
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < len(layer_sizes) - 1 else output_activation,
                seed=rng.randrange(2**32),
                name=f"L{i + 1}.",
            )
            for i in range(len(layer_sizes))
        ]

    def __call__(self, inputs: Sequence[Operand]) -> Value | list[Value]:
        """The output layer's values for one row.

        Args:
            inputs: One number (or Value) per input.

        Returns:
            A single Value when the last layer has one neuron, else one Value per neuron.
        """
        outputs: list[Value] = list(inputs)  # type: ignore[arg-type]
        for layer in self.layers:
            outputs = layer(outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def parameters(self) -> list[Value]:
        """Every layer's parameters, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP({', '.join(repr(layer) for layer in self.layers)})"


_ACTIVATION_OPS: dict[str, type[ops.Op]] = {"sigmoid": ops.Sigmoid, "relu": ops.Relu, "tanh": ops.Tanh}
