"""The tutorial's charts with matplotlib: loss per epoch, the fitted sigmoid, the decision boundary.

Every function returns a ``Plot``, a matplotlib ``Figure`` that shows itself inline in Jupyter
(as SVG) and writes itself with ``.save(path)``; given a ``path``, the function also saves it
there. Figures are made on the Agg canvas, never through pyplot, so nothing here touches a
notebook's or GUI's global backend and no window ever opens. Text stays text in the SVG
(searchable, selectable), and every file is written whole (viz.outputs).

Any data works: a plot does a fixed amount of drawing per row (scatter points only; the
per-row notes stop at ``ANNOTATED_ROWS``, and many points are drawn as one raster image), axes
far beyond everyday numbers (±1e308) are rescaled and say so, and any text is shown verbatim.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, SupportsFloat

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from viz.outputs import OutputError, write_bytes

Row = tuple[Any, Any]  # (features, label): features a number or a sequence of numbers
_PASS, _FAIL = "#2a9d43", "#d1495b"
ANNOTATED_ROWS = 20  # rows beyond this get a point each but no printed probability
RASTER_POINTS = 2_000  # more scatter points than this are drawn as one image, not one SVG element each
_SVG_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "autodiff"}  # text as <text>, stable ids


class Plot(Figure):
    """A matplotlib Figure that shows itself inline in Jupyter and saves itself whole."""

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the figure as SVG (text kept as text) or PNG, chosen by the suffix, whole or not at all.

        Args:
            path: Where to write; its suffix, ``.svg`` or ``.png``, picks the format.

        Returns:
            The path written.

        Raises:
            OutputError: The suffix is neither, or the file cannot be written (nothing is left half-written).
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".png":
            return write_bytes(target, self.png())
        if suffix != ".svg":
            raise OutputError(f"{target} has suffix {suffix or '(none)'!r}; expected .svg (or .png).")
        return write_bytes(target, self.svg().encode("utf-8"))

    def svg(self, text_as_paths: bool = False) -> str:
        """The figure as an SVG document: the same numbers give the same text (no date, fixed ids).

        Text stays ``<text>`` (searchable) unless ``text_as_paths``: then each glyph is drawn as
        matplotlib measured it, so no viewer's font can push a label past the edge.
        """
        text = io.StringIO()
        style = dict(_SVG_STYLE, **({"svg.fonttype": "path"} if text_as_paths else {}))
        with matplotlib.rc_context(style):
            self.savefig(text, format="svg", metadata={"Date": None})
        return text.getvalue()

    def png(self, dpi: int = 150) -> bytes:
        """The figure as PNG bytes."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
        return buffer.getvalue()

    def _repr_svg_(self) -> str:
        # Glyphs as paths, and shrinking to a narrow notebook column instead of being cut off.
        return self.svg(text_as_paths=True).replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)


def _figure(width: float = 6.4, height: float = 4.2) -> Plot:
    figure = Plot(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _finish(figure: Plot, path: str | os.PathLike[str] | None) -> Plot:
    if path is not None:
        figure.save(path)
    return figure


def _text(text: object) -> str:
    """Any text as matplotlib shows it verbatim.

    Lone surrogates (undecodable file names) and control characters become visible escapes, and
    ``$`` stays literal instead of starting mathtext.
    """
    out = []
    for ch in str(text):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode keeps it
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF or (code < 0x20 and ch != "\n") or code == 0x7F:
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
        elif ch == "$":
            out.append("\\$")
        else:
            out.append(ch)
    return "".join(out)


def _axis(values: Sequence[float], name: str) -> tuple[float, float, float, str]:
    """(scale, low, high, label) for an axis showing ``values``.

    One unit of margin each side, in data divided by ``scale``, a power of ten chosen so the range
    stays far from overflow.
    """
    if not all(math.isfinite(v) for v in values):
        bad = next(v for v in values if not math.isfinite(v))
        raise ValueError(f"a plot needs finite numbers for {name!r}, got {bad!r}")
    largest = max(abs(v) for v in values)
    scale = 10.0 ** math.floor(math.log10(largest)) if largest > 1e12 else 1.0
    low, high = min(values) / scale, max(values) / scale
    margin = 1.0 if scale == 1.0 else max(0.1 * (high - low), 0.5)
    label = _text(name) if scale == 1.0 else f"{_text(name)} (×{scale:.0e})"
    return scale, low - margin, high + margin, label


def _grid(low: float, high: float, n: int) -> list[float]:
    """The n + 1 evenly spaced points from low to high (written so no intermediate overflows)."""
    return [low * (1 - i / n) + high * (i / n) for i in range(n + 1)]


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
    path: str | os.PathLike[str] | None = None,
    *,
    labels: Sequence[str] | None = None,
    title: str = "Loss per epoch",
    ylabel: str = "Loss (Σ squared error over the epoch's rows)",
    log_scale: bool = False,
) -> Plot:
    """Plot loss per epoch for one run (a History or a list of numbers) or several (a list of them).

    Args:
        losses: A ``History``, a list of numbers, or a list of either (several runs on one chart).
        path: If given, the figure is also saved there (``.svg`` or ``.png``).
        labels: One legend label per run.
        title: The chart's title.
        ylabel: The y axis' label.
        log_scale: Use a logarithmic y axis.

    Returns:
        The figure; in Jupyter it shows itself.

    Raises:
        ValueError: ``labels`` does not have one label per run, or a run is not a list of numbers.
    """
    runs = [losses] if _is_one_run(losses) else list(losses)
    if labels is not None and len(labels) != len(runs):
        raise ValueError(f"loss_curve needs one label per run: {len(runs)} runs, {len(labels)} labels")
    curves = [_losses(run) for run in runs]
    # Losses near the top of double range would overflow the axis' margins: show them in units of a power of ten.
    largest = max((abs(v) for curve in curves for v in curve if math.isfinite(v)), default=0.0)
    scale = 10.0 ** math.floor(math.log10(largest)) if largest > 1e12 else 1.0
    figure = _figure()
    axes = figure.add_subplot()
    for i, values in enumerate(curves):
        label = _text(labels[i]) if labels is not None else (None if len(runs) == 1 else f"run {i + 1}")
        axes.plot(range(len(values)), [v / scale for v in values], label=label, linewidth=1.6)
    shown_ylabel = _text(ylabel) if scale == 1.0 else f"{_text(ylabel)} (×{scale:.0e})"
    axes.set(title=_text(title), xlabel="epoch", ylabel=shown_ylabel)
    if log_scale:
        axes.set_yscale("log")
    axes.grid(alpha=0.3)
    if len(runs) > 1 or labels is not None:
        axes.legend()
    return _finish(figure, path)


def compare_runs(
    runs: Mapping[str, Any],
    path: str | os.PathLike[str] | None = None,
    *,
    title: str = "Learning-rate lab: total loss per epoch",
    log_scale: bool = False,
) -> Plot:
    """Several runs on one chart, e.g. ``{"lr 0.01": h1, "lr 0.1": h2, "lr 0.5": h3}``; also ``loss_curves``.

    Args:
        runs: Each run (a ``History`` or a list of losses) by its legend label.
        path: If given, the figure is also saved there (``.svg`` or ``.png``).
        title: The chart's title.
        log_scale: Use a logarithmic y axis.

    Returns:
        The figure; in Jupyter it shows itself.

    Raises:
        ValueError: ``runs`` is empty.
    """
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
    path: str | os.PathLike[str] | None = None,
    *,
    threshold: float = 0.5,
    xlabel: str = "hours studied",
) -> Plot:
    """Probability against hours for the one-input model: the fitted sigmoid, the students, the threshold.

    Each of the first ``ANNOTATED_ROWS`` rows is labelled with its probability and verdict.

    Args:
        weight: The trained weight (a number or anything ``float()`` takes).
        bias: The trained bias.
        rows: The data as ``(features, label)`` pairs, e.g. ``datasets.STUDY_HOURS.rows``.
        path: If given, the figure is also saved there (``.svg`` or ``.png``).
        threshold: The probability at and above which a row is a Pass, between 0 and 1.
        xlabel: The x axis' label.

    Returns:
        The figure; in Jupyter it shows itself.

    Raises:
        ValueError: ``threshold`` is not strictly between 0 and 1, a row is not (one feature, label),
            or a feature is not finite.
    """
    w, b = float(weight), float(bias)
    cut = _logit(threshold)
    xs, ys = _split(rows, 1, "sigmoid_fit")
    hours = [x[0] for x in xs]
    scale, lo, hi, shown_xlabel = _axis(hours, xlabel)
    grid = _grid(lo, hi, 200)
    figure = _figure()
    axes = figure.add_subplot()
    fitted = f"sigmoid({w:.4g}·x {'-' if b < 0 else '+'} {abs(b):.4g})"
    axes.plot(grid, [_sigmoid(w * x * scale + b) for x in grid], color="#1f77b4", label=fitted)
    axes.axhline(threshold, color="#888888", linestyle="--", linewidth=1, label=f"threshold {threshold:g}")
    if w != 0:
        boundary = (cut - b) / w / scale
        if lo <= boundary <= hi:
            decision = f"decision at x = {boundary * scale:.3g}"
            axes.axvline(boundary, color="#e8590c", linestyle=":", linewidth=1.2, label=decision)
    probabilities = np.array([_sigmoid(w * x + b) for x in hours])
    shown = np.array(hours) / scale
    labels = np.array(ys)
    size, many = (45, False) if len(hours) <= RASTER_POINTS else (6, True)
    # A fixed number of collections however many rows: labels by class, then every probability.
    for passed, colour in ((True, _PASS), (False, _FAIL)):
        chosen = (labels >= 0.5) == passed
        axes.scatter(shown[chosen], labels[chosen], color=colour, zorder=3, s=size, rasterized=many)
    axes.scatter(shown, probabilities, facecolors="none", edgecolors="#1f77b4", zorder=3, s=size, rasterized=many)
    for x, p in zip(shown[:ANNOTATED_ROWS], probabilities[:ANNOTATED_ROWS]):
        verdict = "Pass" if p >= threshold else "Fail"
        below = (6, -12) if p >= 0.15 else (6, 6)  # near 0 the text goes above the point, clear of the axis
        axes.annotate(f"{p:.4g} → {verdict}", (x, p), textcoords="offset points", xytext=below, fontsize=9)
    axes.scatter([], [], facecolors="none", edgecolors="#1f77b4", label="model's probability")
    axes.scatter([], [], color=_PASS, label="passed (label 1)")
    axes.scatter([], [], color=_FAIL, label="failed (label 0)")
    title = "Probability of passing"
    if len(hours) > ANNOTATED_ROWS:
        title += f" (first {ANNOTATED_ROWS} of {len(hours):,} rows labelled)"
    axes.set(title=title, xlabel=shown_xlabel, ylabel="probability", xlim=(lo, hi), ylim=(-0.05, 1.05))
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    return _finish(figure, path)


def decision_boundary(
    w1: Any,
    w2: Any = None,
    bias: Any = None,
    rows: Any = None,
    path: str | os.PathLike[str] | None = None,
    *,
    threshold: float = 0.5,
    xlabel: str = "study hours",
    ylabel: str = "sleep hours",
) -> Plot:
    """A two-input model's output shaded over the plane, the data, and the boundary where it crosses ``threshold``.

    ``decision_boundary(w1, w2, bias, rows)`` draws the tutorial's neuron (its boundary is a straight
    line); ``decision_boundary(model, rows)`` draws any model of two inputs, such as an ``nn.MLP``
    (its boundary is the contour where the model's output equals ``threshold``, from the model
    compiled once by ``autodiff.compile`` and evaluated on an 80 × 80 grid).

    Args:
        w1: the first weight, or a model taking two inputs.
        w2: the second weight; with a model, the rows.
        bias: the bias; with a model, the path.
        rows: the data, ((x1, x2), label) pairs (only with weights).
        path: where to save the SVG (only with weights; None: do not save).
        threshold: the output at the boundary (0.5 for a probability; 0 for a raw score).
        xlabel: the first feature's name.
        ylabel: the second feature's name.

    Returns:
        The Plot (``.save(path)``, ``.svg()``).

    Raises:
        ValueError: a row without two features, or numbers that are not finite.
    """
    if callable(w1) and hasattr(w1, "parameters"):
        return _model_boundary(w1, w2, bias, threshold=threshold, xlabel=xlabel, ylabel=ylabel)
    a, c, b = float(w1), float(w2), float(bias)
    cut = _logit(threshold)
    xs, ys = _split(rows, 2, "decision_boundary")
    x_scale, x_lo, x_hi, shown_xlabel = _axis([x[0] for x in xs], xlabel)
    y_scale, y_lo, y_hi, shown_ylabel = _axis([x[1] for x in xs], ylabel)
    gx, gy = _grid(x_lo, x_hi, 80), _grid(y_lo, y_hi, 80)
    grid = [[_sigmoid(a * x * x_scale + c * y * y_scale + b) for x in gx] for y in gy]
    figure = _figure()
    axes = figure.add_subplot()
    shading = axes.contourf(gx, gy, grid, levels=[i / 10 for i in range(11)], cmap="RdYlGn", alpha=0.35)
    figure.colorbar(shading, ax=axes, label="probability of passing")
    # The boundary: a·x + c·y + b = logit(threshold), drawn in the axes' scaled units.
    if c != 0:
        line = [(cut - b - a * x * x_scale) / c / y_scale for x in gx]
        axes.plot(gx, line, color="black", linewidth=1.5, label=f"p = {threshold:g}")
    elif a != 0:
        axes.axvline((cut - b) / a / x_scale, color="black", linewidth=1.5, label=f"p = {threshold:g}")
    formula = f"w1 = {a:.4g}, w2 = {c:.4g}, bias = {b:.4g}"
    limits = (x_scale, x_lo, x_hi, shown_xlabel), (y_scale, y_lo, y_hi, shown_ylabel)
    return _data_over_boundary(
        figure, axes, xs, ys, limits, ("passed", "failed"), 55, f"Decision boundary ({formula})", path
    )


def _data_over_boundary(
    figure: Any,
    axes: Any,
    xs: list[tuple[float, ...]],
    ys: list[float],
    limits: tuple[tuple[float, float, float, str], tuple[float, float, float, str]],
    names: tuple[str, str],
    size: int,
    title: str,
    path: str | os.PathLike[str] | None,
) -> Plot:
    """The rows as points over a boundary plot (in its axes' scaled units), its title and legend; saved if asked.

    ``limits`` is (scale, low, high, label) per axis, as ``_axis`` gives them; ``names`` labels the
    rows of label 1 and of label 0. Past RASTER_POINTS rows the points are small and rasterised.
    """
    (x_scale, x_lo, x_hi, xlabel), (y_scale, y_lo, y_hi, ylabel) = limits
    points = np.array(xs) / [x_scale, y_scale]
    positive = np.array(ys) >= 0.5
    size, many = (size, False) if len(xs) <= RASTER_POINTS else (6, True)
    for chosen, colour, name in ((positive, _PASS, names[0]), (~positive, _FAIL, names[1])):
        axes.scatter(
            points[chosen, 0], points[chosen, 1], color=colour, edgecolors="black", zorder=3, s=size, rasterized=many
        )
        axes.scatter([], [], color=colour, label=name)  # the legend's marker at its usual size
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(x_lo, x_hi), ylim=(y_lo, y_hi))
    axes.legend(fontsize=8, loc="upper left")
    return _finish(figure, path)


def _model_boundary(
    model: Any,
    rows: Iterable[Row],
    path: str | os.PathLike[str] | None,
    *,
    threshold: float,
    xlabel: str,
    ylabel: str,
) -> Plot:
    """decision_boundary for any model of two inputs: its output shaded, the contour at ``threshold``."""
    import autodiff  # the model's graph compiled once (autodiff.compile), then called per grid point

    xs, ys = _split(rows, 2, "decision_boundary")
    x_scale, x_lo, x_hi, shown_xlabel = _axis([x[0] for x in xs], xlabel)
    y_scale, y_lo, y_hi, shown_ylabel = _axis([x[1] for x in xs], ylabel)
    first, second = autodiff.Value(0.0, label=xlabel), autodiff.Value(0.0, label=ylabel)
    output = model([first, second])
    output = output[0] if isinstance(output, list) else output
    predict = autodiff.compile(output, [first, second])
    gx, gy = _grid(x_lo, x_hi, 80), _grid(y_lo, y_hi, 80)
    grid = np.array([[predict(x * x_scale, y * y_scale)[0] for x in gx] for y in gy])
    figure = _figure()
    axes = figure.add_subplot()
    spread = float(np.nanmax(np.abs(grid - threshold))) or 1.0
    shading = axes.contourf(
        gx, gy, grid, levels=np.linspace(threshold - spread, threshold + spread, 11), cmap="RdYlGn", alpha=0.35
    )
    figure.colorbar(shading, ax=axes, label="model output")
    if float(np.nanmin(grid)) < threshold < float(np.nanmax(grid)):
        axes.contour(gx, gy, grid, levels=[threshold], colors="black", linewidths=1.5)
        axes.plot([], [], color="black", linewidth=1.5, label=f"output = {threshold:g}")
    limits = (x_scale, x_lo, x_hi, shown_xlabel), (y_scale, y_lo, y_hi, shown_ylabel)
    title = f"Decision boundary of {type(model).__name__}"
    return _data_over_boundary(figure, axes, xs, ys, limits, ("label 1", "label 0"), 30, title, path)
