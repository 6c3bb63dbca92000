"""The workloads, each written once per library as that library's users would write it.

Every function here returns a zero-argument callable that runs the workload once (so the timer
in benchmarks/run.py can repeat it), or raises ``Missing`` when a peer is not installed or lacks
what the workload needs. The same data, sizes and update rules go to every library.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

Workload = Callable[[], object]


class Missing(Exception):
    """A peer cannot run this workload: not installed, or it lacks an operation it needs."""


# --- data ------------------------------------------------------------------------------------


def moons(n: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[list[tuple[float, float]], list[float]]:
    """Two interleaving half circles, as sklearn's ``make_moons`` draws them; labels are ±1.

    Written out so the benchmark needs no sklearn and gives the same points on every machine.
    """
    rng = random.Random(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    points = [(math.cos(math.pi * i / (n_outer - 1)), math.sin(math.pi * i / (n_outer - 1))) for i in range(n_outer)]
    points += [
        (1.0 - math.cos(math.pi * i / (n_inner - 1)), 0.5 - math.sin(math.pi * i / (n_inner - 1)))
        for i in range(n_inner)
    ]
    labels = [-1.0] * n_outer + [1.0] * n_inner
    noisy = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)) for x, y in points]
    order = list(range(n))
    rng.shuffle(order)
    return [noisy[i] for i in order], [labels[i] for i in order]


# The tutorial's data and settings (../shared/tutorial.md, page 4): hours → passed.
TUTORIAL_ROWS = ((1.0, 0.0), (2.0, 0.0), (3.0, 1.0), (4.0, 1.0))
TUTORIAL_EPOCHS = 1000
TUTORIAL_LR = 0.1
ALPHA = 1e-4  # micrograd demo's L2 regularisation strength


# --- MLP 2-16-16-1 on moons: one training step (forward, backward, SGD), micrograd's demo ------


def mlp_ours(n_samples: int = 100) -> Workload:
    from autodiff import total
    from autodiff.nn import MLP
    from autodiff.optim import SGD
    from autodiff.value import Value

    xs, ys = moons(n_samples)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation=None, seed=0)
    params = model.parameters()
    optimizer = SGD(params, lr=1.0)
    step = 0

    def train_step() -> float:
        nonlocal step
        inputs = [[Value(a), Value(b)] for a, b in xs]
        scores = [model(row) for row in inputs]
        # hinge loss + L2, as micrograd's demo; our sums are single ``total`` nodes
        losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
        data_loss = total(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * total([p * p for p in params])
        loss = data_loss + reg_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * (step % 100) / 100
        optimizer.step()
        step += 1
        return loss.data

    return train_step


def mlp_compiled(n_samples: int = 100, compile_seconds: list[float] | None = None) -> Workload:
    """The same step through autodiff.compile: the loss graph compiled once, then one call per step.

    The data points are constants of the graph, so one compiled function serves every step; the
    parameters are its inputs. ``compile_seconds`` (if given) receives the time compile() took.
    """
    import time

    from autodiff import compile, total
    from autodiff.nn import MLP
    from autodiff.value import Value

    xs, ys = moons(n_samples)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation=None, seed=0)
    params = model.parameters()
    scores = [model([Value(a), Value(b)]) for a, b in xs]
    losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
    loss = total(losses) * (1.0 / len(losses)) + ALPHA * total([p * p for p in params])
    start = time.perf_counter()
    loss_and_gradients = compile(loss, params)
    if compile_seconds is not None:
        compile_seconds.append(time.perf_counter() - start)
    values = [p.data for p in params]
    step = 0

    def train_step() -> float:
        nonlocal step
        value, gradients = loss_and_gradients(*values)
        lr = 1.0 - 0.9 * (step % 100) / 100
        values[:] = [v - lr * g for v, g in zip(values, gradients)]
        step += 1
        return value

    return train_step


def mlp_micrograd(n_samples: int = 100) -> Workload:
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP
    except ImportError as error:
        raise Missing("micrograd not installed") from error

    xs, ys = moons(n_samples)
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    step = 0

    def train_step() -> float:
        nonlocal step
        inputs = [list(map(Value, row)) for row in xs]
        scores = list(map(model, inputs))
        losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in params)
        loss = data_loss + reg_loss
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * (step % 100) / 100
        for p in params:
            p.data -= lr * p.grad
        step += 1
        return loss.data

    return train_step


# --- the tutorial's training: 1000 epochs × 4 rows, squared error, SGD after every row ---------


def tutorial_ours() -> Workload:
    """The same loop as the hand-written and PyTorch ones: two parameters, autograd, manual update."""
    from autodiff.value import Value

    def run() -> tuple[float, float]:
        weight, bias = Value(0.1, label="w"), Value(0.0, label="b")
        for _ in range(TUTORIAL_EPOCHS):
            epoch_loss = 0.0
            for hours, passed in TUTORIAL_ROWS:
                loss = (passed - (weight * hours + bias).sigmoid()) ** 2
                epoch_loss += loss.data
                weight.grad = bias.grad = 0.0
                loss.backward()
                weight.data -= TUTORIAL_LR * weight.grad
                bias.data -= TUTORIAL_LR * bias.grad
        return weight.data, bias.data

    return run


def tutorial_compiled(compile_seconds: list[float] | None = None) -> Workload:
    """The same loop through autodiff.compile: each row's graph compiled once (hours and passed baked in)."""
    import time

    from autodiff import compile
    from autodiff.value import Value

    weight, bias = Value(0.1, label="w"), Value(0.0, label="b")
    start = time.perf_counter()
    rows = [
        compile((passed - (weight * hours + bias).sigmoid()) ** 2, [weight, bias]) for hours, passed in TUTORIAL_ROWS
    ]
    if compile_seconds is not None:
        compile_seconds.append(time.perf_counter() - start)

    def run() -> tuple[float, float]:
        w, b = 0.1, 0.0
        for _ in range(TUTORIAL_EPOCHS):
            epoch_loss = 0.0
            for row in rows:
                loss, (d_w, d_b) = row(w, b)
                epoch_loss += loss
                w -= TUTORIAL_LR * d_w
                b -= TUTORIAL_LR * d_b
        return w, b

    return run


def tutorial_ours_nn() -> Workload:
    """The loop a learner writes with the library: Neuron, squared_error, SGD, loss.backward()."""
    from autodiff.losses import squared_error
    from autodiff.nn import Neuron
    from autodiff.optim import SGD

    def run() -> tuple[float, float]:
        neuron = Neuron(1, "sigmoid", weights=[0.1], bias=0.0)
        optimizer = SGD(neuron.parameters(), lr=TUTORIAL_LR)
        for _ in range(TUTORIAL_EPOCHS):
            epoch_loss = 0.0
            for hours, passed in TUTORIAL_ROWS:
                loss = squared_error(neuron([hours]), passed)
                epoch_loss += loss.data
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        return neuron.weights[0].data, neuron.bias.data

    return run


def tutorial_ours_train() -> Workload:
    """The same run through ``autodiff.training.train``, which also records every epoch's history."""
    from autodiff.datasets import STUDY_HOURS
    from autodiff.nn import Neuron
    from autodiff.training import train

    def run() -> tuple[float, float]:
        neuron = Neuron(1, "sigmoid", weights=[0.1], bias=0.0)
        train(neuron, STUDY_HOURS, lr=TUTORIAL_LR, epochs=TUTORIAL_EPOCHS)
        return neuron.weights[0].data, neuron.bias.data

    return run


def tutorial_hand() -> Workload:
    """Plain Python floats, with d(squared error)/d(w, b) through the sigmoid worked out by hand."""

    def run() -> tuple[float, float]:
        weight, bias = 0.1, 0.0
        for _ in range(TUTORIAL_EPOCHS):
            epoch_loss = 0.0
            for hours, passed in TUTORIAL_ROWS:
                p = 1.0 / (1.0 + math.exp(-(weight * hours + bias)))
                epoch_loss += (passed - p) ** 2
                d_raw = 2.0 * (p - passed) * p * (1.0 - p)  # dL/dp · dp/draw
                weight -= TUTORIAL_LR * d_raw * hours
                bias -= TUTORIAL_LR * d_raw
        return weight, bias

    return run


def tutorial_torch() -> Workload:
    """PyTorch autograd on 0-d float64 tensors, updating in place under no_grad (its fastest idiom)."""
    try:
        import torch
    except ImportError as error:
        raise Missing("torch not installed") from error
    torch.set_num_threads(1)  # scalars: threads only add overhead, and the machine is shared

    def run() -> tuple[float, float]:
        weight = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
        bias = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        rows = [(torch.tensor(h, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)) for h, y in TUTORIAL_ROWS]
        for _ in range(TUTORIAL_EPOCHS):
            epoch_loss = 0.0
            for hours, passed in rows:
                loss = (passed - torch.sigmoid(weight * hours + bias)) ** 2
                epoch_loss += loss.item()
                loss.backward()
                with torch.no_grad():
                    weight -= TUTORIAL_LR * weight.grad
                    bias -= TUTORIAL_LR * bias.grad
                weight.grad = None
                bias.grad = None
        return weight.item(), bias.item()

    return run


def tutorial_micrograd() -> Workload:
    raise Missing("micrograd 0.1.0 has no exp or sigmoid")


# --- rendering: one epoch's graph of the tutorial (4 rows of the one-neuron model) to SVG -------


def render_epoch_graph(renderer: str) -> Workload:
    """DOT for the epoch's graph, then SVG: ``viz.draw(...).svg()`` as the per-epoch pages call it."""
    try:
        from viz import draw
        from viz.render import system_dot_available, warm_up
    except ImportError as error:
        raise Missing(f"viz has no draw/render helpers yet ({error})") from error
    if renderer == "system" and not system_dot_available():
        raise Missing("no system Graphviz `dot` on PATH")
    from autodiff.datasets import STUDY_HOURS
    from autodiff.losses import squared_error
    from autodiff.nn import Neuron
    from autodiff.training import epoch_objective

    objective = epoch_objective(Neuron(1, "sigmoid", weights=[0.1], bias=0.0), STUDY_HOURS, squared_error)
    objective.backward()
    warm_up(renderer)  # loading the wasm module (~1 s) happens once per process, not per graph

    def run() -> str:
        return draw(objective, renderer=renderer).svg()

    return run
