"""viz.backprop: a frame per step, each highlighting the node being processed, grads filled in so far."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autodiff import Value, backward, linear
from autodiff.losses import binary_cross_entropy
from viz.backprop import backprop_frames, render_backprop
from viz.graph import _HIGHLIGHT
from viz.outputs import OutputError

SVG = "{http://www.w3.org/2000/svg}"


def row(loss: str = "squared") -> dict[str, Value]:
    """The tutorial's row: hours 3, passed 1, w 0.1, b 0."""
    w, b, x = Value(0.1, label="w"), Value(0.0, label="b"), Value(3.0, label="x")
    z = linear([w], [x], b)
    z.label = "z"
    p = z.sigmoid()
    p.label = "p"
    L = (1.0 - p) ** 2 if loss == "squared" else binary_cross_entropy(p, 1.0)
    L.label = "L"
    return {"w": w, "b": b, "x": x, "z": z, "p": p, "L": L}


def boxes(svg: str) -> list[tuple[list[str], bool]]:
    """Each drawn node's texts and whether it is highlighted (its outline in the highlight colour)."""
    root = ET.fromstring(svg.encode("utf-8"))
    out = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        texts = ["".join(t.itertext()).strip() for t in group.iter(f"{SVG}text")]
        highlighted = any(el.get("stroke") == _HIGHLIGHT["color"] for el in group.iter())
        out.append((texts, highlighted))
    return out


def highlighted(svg: str) -> list[str]:
    (texts,) = [texts for texts, on in boxes(svg) if on]  # exactly one highlighted box
    return texts


def grad_shown(svg: str, label: str) -> str:
    """The 'grad = …' text in the box whose first field is ``label``."""
    (texts,) = [texts for texts, _ in boxes(svg) if texts and texts[0] == label]
    return texts[-1].replace("\u2212", "-")


def test_one_frame_per_step_each_highlighting_the_node_processed(tmp_path: Path) -> None:
    values = row()
    page = render_backprop(values["L"], tmp_path / "anim")
    frames = sorted((tmp_path / "anim" / "frames").glob("*.svg"))
    svgs = [f.read_text(encoding="utf-8") for f in frames]
    # Steps: L = (1 - p)**2, then 1 - p, then p = sigmoid(z), then z = w*x + b.
    assert len(svgs) == 4

    p = 1.0 / (1.0 + math.exp(-0.3))
    assert highlighted(svgs[0])[:2] == ["L", f"data = {(1 - p) ** 2:.4g}"]
    assert highlighted(svgs[1]) == [f"data = {1 - p:.4g}", f"grad = {2 * (1 - p):.4g}"]  # the unlabelled 1 - p
    assert highlighted(svgs[2])[:2] == ["p", f"data = {p:.4g}"]
    assert highlighted(svgs[3])[:2] == ["z", "data = 0.3"]

    # Gradients appear as backprop reaches them: w is blank until the last step.
    dl_dp = -2 * (1 - p)
    dl_dz = dl_dp * p * (1 - p)
    assert [grad_shown(svg, "w") for svg in svgs] == ["grad = ?"] * 3 + [f"grad = {dl_dz * 3:.4g}"]
    assert [grad_shown(svg, "p") for svg in svgs] == ["grad = ?"] + [f"grad = {dl_dp:.4g}"] * 3
    assert grad_shown(svgs[0], "L") == "grad = 1"

    # The player: offline, one entry per frame, captions are the printed steps.
    html = page.read_text(encoding="utf-8")
    assert page == tmp_path / "anim" / "index.html"
    assert not re.search(r"(src|href)=\"https?:", html)
    data = json.loads(re.search(r"<script[^>]*id=\"player-data\"[^>]*>(.*?)</script>", html, re.S).group(1))
    assert [f["src"] for f in data["frames"]] == [f.relative_to(page.parent).as_posix() for f in frames]
    d = f"{2 * (1 - p):.4g}"  # dL/d(1 - p) = 2(1 - p), with dL/dL = 1; the constant 2 gets no row
    assert data["frames"][0]["rows"] == [["(1 - p)", d, d, d]]
    assert data["frames"][3]["rows"][0] == ["w", "3", f"{dl_dz * 3:.4g}", f"{dl_dz * 3:.4g}"]
    assert data["frames"][3]["caption"].splitlines()[0] == (
        f"z = w*x + b   dL/dw += dL/dz × ∂z/∂w = {dl_dz:.4g} × 3 = {dl_dz * 3:.4g}"
    )


def test_frames_leave_exactly_the_gradients_backward_leaves() -> None:
    drawn, plain = row("bce"), row("bce")
    frames = backprop_frames(drawn["L"])
    backward(plain["L"])
    assert len(frames) == 3  # bce, sigmoid, linear
    for name in drawn:
        assert drawn[name].grad == plain[name].grad
    # Cross-entropy through a sigmoid: dL/dw = (p − y)·x, the tutorial's rule.
    p = 1.0 / (1.0 + math.exp(-0.3))
    assert math.isclose(drawn["w"].grad, (p - 1.0) * 3.0, rel_tol=1e-12)
    assert [f.name for f in frames] == ["step 1: L", "step 2: p", "step 3: z"]


def test_a_refused_out_dir_changes_no_gradient(tmp_path: Path) -> None:
    values = row()
    (tmp_path / "theirs.txt").write_text("not ours")
    with pytest.raises(OutputError, match="already holds files autodiff did not write"):
        render_backprop(values["L"], tmp_path)
    assert all(v.grad == 0.0 for v in values.values())
    assert (tmp_path / "theirs.txt").read_text() == "not ours"


def test_a_leaf_has_no_steps_to_draw(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is a leaf"):
        render_backprop(Value(2.0, label="a"), tmp_path / "anim")
