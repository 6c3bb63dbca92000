"""The tutorial's charts with matplotlib, as SVG (or PNG): loss per epoch, the fitted sigmoid, the decision boundary.

Figures are made with ``matplotlib.figure.Figure`` on the Agg canvas, never through pyplot, so
nothing here touches a notebook's or GUI's global backend and no window ever opens. Text stays
text in the SVG (searchable, selectable), and every file is written whole (viz.outputs).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, SupportsFloat

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from viz.outputs import OutputError, write_bytes, write_text

Row = tuple[Any, Any]  # (features, label): features a number or a sequence of numbers
_PASS, _FAIL = "#2a9d43", "#d1495b"


def _figure(width: float = 6.4, height: float = 4.2) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path: str | os.PathLike[str]) -> Path:
    """Write the figure as SVG (text kept as text) or PNG, chosen by the suffix, whole or not at all."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".png":
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
        return write_bytes(target, buffer.getvalue())
    if suffix != ".svg":
        raise OutputError(f"{target} has suffix {suffix or '(none)'!r}; expected .svg (or .png).")
    text = io.StringIO()
    # Text as <text>, stable ids and no date: the same numbers give the same file.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "autodiff"}):
        figure.savefig(text, format="svg", metadata={"Date": None})
    return write_text(target, text.getvalue())


def _losses(run: Any) -> list[float]:
    """A run's losses: a History (its ``.losses``) or a sequence of numbers."""
    losses = run.losses if hasattr(run, "losses") else run
    try:
        return [float(x) for x in losses]
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"a run must be a training History or a sequence of numbers, got {type(run).__name__}"
        ) from error


def _is_one_run(runs: Any) -> bool:
    if hasattr(runs, "losses"):
        return True
    items = list(runs)
    return all(isinstance(x, (int, float)) or hasattr(x, "__float__") and not hasattr(x, "__len__") for x in items)


def loss_curve(
    losses: Any,
    path: str | os.PathLike[str],
    *,
    labels: Sequence[str] | None = None,
    title: str = "Loss per epoch",
    ylabel: str = "loss (sum over the epoch's rows)",
    log_scale: bool = False,
) -> Path:
    """Plot loss per epoch for one run (a History or a list of numbers) or several (a list of them)."""
    runs = [losses] if _is_one_run(losses) else list(losses)
    if labels is not None and len(labels) != len(runs):
        raise ValueError(f"loss_curve needs one label per run: {len(runs)} runs, {len(labels)} labels")
    figure = _figure()
    axes = figure.add_subplot()
    for i, run in enumerate(runs):
        values = _losses(run)
        label = labels[i] if labels is not None else (None if len(runs) == 1 else f"run {i + 1}")
        axes.plot(range(len(values)), values, label=label, linewidth=1.6)
    axes.set(title=title, xlabel="epoch", ylabel=ylabel)
    if log_scale:
        axes.set_yscale("log")
    axes.grid(alpha=0.3)
    if len(runs) > 1 or labels is not None:
        axes.legend()
    return _save(figure, path)


def compare_runs(
    runs: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    title: str = "Learning-rate lab: total loss per epoch",
    log_scale: bool = False,
) -> Path:
    """Several runs on one chart, e.g. ``{"lr 0.01": h1, "lr 0.1": h2, "lr 0.5": h3}``."""
    if not runs:
        raise ValueError("compare_runs needs at least one run, got none")
    return loss_curve(list(runs.values()), path, labels=[str(k) for k in runs], title=title, log_scale=log_scale)


loss_curves = compare_runs  # the name the learning-rate lab reads best with


def _split(rows: Iterable[Row], n_features: int, what: str) -> tuple[list[list[float]], list[float]]:
    """Rows as (features, label), where features may be a bare number for one input."""
    xs, ys = [], []
    for i, row in enumerate(rows, start=1):
        try:
            features, label = row
            values = [float(features)] if isinstance(features, (int, float)) else [float(f) for f in features]
        except (TypeError, ValueError) as error:
            raise ValueError(f"{what} row {i} must be (features, label), got {row!r}") from error
        if len(values) != n_features:
            raise ValueError(f"{what} row {i} needs {n_features} feature(s), got {len(values)}: {row!r}")
        xs.append(values)
        ys.append(float(label))
    if not xs:
        raise ValueError(f"{what} needs at least one row, got none")
    return xs, ys


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _logit(threshold: float) -> float:
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1 (exclusive), got {threshold!r}")
    return math.log(threshold / (1 - threshold))


def sigmoid_fit(
    weight: SupportsFloat,
    bias: SupportsFloat,
    rows: Iterable[Row],
    path: str | os.PathLike[str],
    *,
    threshold: float = 0.5,
    xlabel: str = "hours studied",
) -> Path:
    """Probability against hours for the one-input model: the fitted sigmoid, the students, the threshold."""
    w, b = float(weight), float(bias)
    cut = _logit(threshold)
    xs, ys = _split(rows, 1, "sigmoid_fit")
    hours = [x[0] for x in xs]
    lo, hi = min(hours) - 1.0, max(hours) + 1.0
    grid = [lo + (hi - lo) * i / 200 for i in range(201)]
    figure = _figure()
    axes = figure.add_subplot()
    fitted = f"sigmoid({w:.4g}·x {'-' if b < 0 else '+'} {abs(b):.4g})"
    axes.plot(grid, [_sigmoid(w * x + b) for x in grid], color="#1f77b4", label=fitted)
    axes.axhline(threshold, color="#888888", linestyle="--", linewidth=1, label=f"threshold {threshold:g}")
    if w != 0:
        boundary = (cut - b) / w
        if lo <= boundary <= hi:
            axes.axvline(
                boundary, color="#e8590c", linestyle=":", linewidth=1.2, label=f"decision at x = {boundary:.3g}"
            )
    for x, y in zip(hours, ys):
        p = _sigmoid(w * x + b)
        passed = y >= 0.5
        axes.scatter([x], [y], color=_PASS if passed else _FAIL, zorder=3, s=45)
        axes.scatter([x], [p], facecolors="none", edgecolors="#1f77b4", zorder=3, s=45)
        verdict = "Pass" if p >= threshold else "Fail"
        axes.annotate(f"{p:.4g} → {verdict}", (x, p), textcoords="offset points", xytext=(6, -12), fontsize=9)
    axes.scatter([], [], facecolors="none", edgecolors="#1f77b4", label="model's probability")
    axes.scatter([], [], color=_PASS, label="passed (label 1)")
    axes.scatter([], [], color=_FAIL, label="failed (label 0)")
    axes.set(title="Probability of passing", xlabel=xlabel, ylabel="probability", ylim=(-0.05, 1.05))
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    return _save(figure, path)


def decision_boundary(
    w1: SupportsFloat,
    w2: SupportsFloat,
    bias: SupportsFloat,
    rows: Iterable[Row],
    path: str | os.PathLike[str],
    *,
    threshold: float = 0.5,
    xlabel: str = "study hours",
    ylabel: str = "sleep hours",
) -> Path:
    """The two-input model: probability shaded over the plane, the students, and the line p = threshold."""
    a, c, b = float(w1), float(w2), float(bias)
    cut = _logit(threshold)
    xs, ys = _split(rows, 2, "decision_boundary")
    x_lo, x_hi = min(x[0] for x in xs) - 1, max(x[0] for x in xs) + 1
    y_lo, y_hi = min(x[1] for x in xs) - 1, max(x[1] for x in xs) + 1
    n = 80
    gx = [x_lo + (x_hi - x_lo) * i / n for i in range(n + 1)]
    gy = [y_lo + (y_hi - y_lo) * j / n for j in range(n + 1)]
    grid = [[_sigmoid(a * x + c * y + b) for x in gx] for y in gy]
    figure = _figure()
    axes = figure.add_subplot()
    shading = axes.contourf(gx, gy, grid, levels=[i / 10 for i in range(11)], cmap="RdYlGn", alpha=0.35)
    figure.colorbar(shading, ax=axes, label="probability of passing")
    # The boundary: a·x + c·y + b = logit(threshold).
    if c != 0:
        axes.plot(gx, [(cut - b - a * x) / c for x in gx], color="black", linewidth=1.5, label=f"p = {threshold:g}")
    elif a != 0:
        axes.axvline((cut - b) / a, color="black", linewidth=1.5, label=f"p = {threshold:g}")
    for (x, y), label in zip(xs, ys):
        axes.scatter([x], [y], color=_PASS if label >= 0.5 else _FAIL, edgecolors="black", zorder=3, s=55)
    axes.scatter([], [], color=_PASS, label="passed")
    axes.scatter([], [], color=_FAIL, label="failed")
    formula = f"w1 = {a:.4g}, w2 = {c:.4g}, bias = {b:.4g}"
    axes.set(title=f"Decision boundary ({formula})", xlabel=xlabel, ylabel=ylabel, xlim=(x_lo, x_hi), ylim=(y_lo, y_hi))
    axes.legend(fontsize=8, loc="upper left")
    return _save(figure, path)
