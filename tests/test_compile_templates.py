"""The op table's code templates give exactly the floats of the ops' own forward and derivatives.

autodiff.compile builds its Python and JavaScript from ``forward_code`` and ``derivatives_code``;
these tests hold every template to its op: bit for bit in Python over wide inputs and the branch
edges, and to 1e-12 in JavaScript (node).
"""

from __future__ import annotations

import ast
import json
import math
import os
import shutil
import subprocess
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import losses, ops
from autodiff.compile import PYTHON_NAMES, Names, instantiate, javascript, templates

NODE = shutil.which("node") or ("/usr/bin/node" if os.path.exists("/usr/bin/node") else None)

OPS: list[tuple[type[ops.Op], int]] = [
    (ops.Add, 2),
    (ops.Sub, 2),
    (ops.Mul, 2),
    (ops.Div, 2),
    (ops.Neg, 1),
    (ops.PowConst, 2),
    (ops.Pow, 2),
    (ops.Exp, 1),
    (ops.Log, 1),
    (ops.Tanh, 1),
    (ops.Sigmoid, 1),
    (ops.Relu, 1),
    (ops.Sum, 2),
    (ops.Sum, 3),
    (ops.Sum, 5),
    (ops.Linear, 3),
    (ops.Linear, 5),
    (losses.BinaryCrossEntropy, 2),
    (losses.BinaryCrossEntropyWithLogits, 2),
]
IDS = [f"{op.__name__}-{n}" for op, n in OPS]

EXP_LIMIT = 709.782712893384  # the largest a with a finite math.exp(a)
EDGES = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    3.0,
    -2.0,
    1.5,
    math.nextafter(2.0, 0.0),
    math.nextafter(2.0, 3.0),
    ops.SIGMOID_FROM_INPUT_ABOVE,
    math.nextafter(ops.SIGMOID_FROM_INPUT_ABOVE, 3.0),
    ops.TANH_FROM_INPUT_BEYOND,
    -ops.TANH_FROM_INPUT_BEYOND,
    math.nextafter(ops.TANH_FROM_INPUT_BEYOND, 2.0),
    math.nextafter(-ops.TANH_FROM_INPUT_BEYOND, -2.0),
    EXP_LIMIT,
    math.nextafter(EXP_LIMIT, 800.0),
    -EXP_LIMIT,
    36.0,
    -745.5,
    1e-300,
    -1e-300,
    5e-324,
    1e300,
    -1e300,
    1e-12,
    1.0 - 1e-16,
    math.inf,
    -math.inf,
    math.nan,
]
wide = st.one_of(st.sampled_from(EDGES), st.floats(allow_nan=True, allow_infinity=True), st.floats(-40.0, 40.0))


def outcome(function: Any, *args: float) -> Any:
    """The float (or tuple of floats) ``function`` gives, or the type of the error it raises."""
    try:
        return function(*args)
    except (ArithmeticError, ValueError) as error:
        return type(error)


def bits(x: Any) -> Any:
    """A float as what must match bit for bit: its repr and sign (any nan is nan)."""
    if isinstance(x, tuple):
        return tuple(bits(v) for v in x)
    if isinstance(x, float):
        return "nan" if x != x else (repr(x), math.copysign(1.0, x))
    return x


def python_template(op: type[ops.Op], n: int) -> tuple[Any, Any]:
    """(forward, derivatives) as Python functions evaluating the templates with the compiler's names."""
    params, forward, derivatives = templates(op, n)  # type: ignore[misc]
    source_forward = ast.unparse(forward)
    source_derivatives = ", ".join(ast.unparse(d) for d in derivatives)

    def run_forward(*args: float) -> float:
        return eval(source_forward, dict(PYTHON_NAMES), dict(zip(params, args)))  # noqa: S307

    def run_derivatives(*args: float) -> tuple[float, ...]:
        scope = dict(zip([*params, "out"], args))
        return eval(f"({source_derivatives},)", dict(PYTHON_NAMES), scope)  # noqa: S307

    return run_forward, run_derivatives


@pytest.mark.parametrize(("op", "n"), OPS, ids=IDS)
@given(data=st.data())
def test_python_templates_are_the_op_bit_for_bit(op: type[ops.Op], n: int, data: st.DataObject) -> None:
    args = [data.draw(wide) for _ in range(n)]
    forward, derivatives = python_template(op, n)
    expected = outcome(op.forward, *args)
    assert bits(outcome(forward, *args)) == bits(expected), args
    out = expected if isinstance(expected, float) else data.draw(wide)
    assert bits(outcome(derivatives, *args, out)) == bits(outcome(op.derivatives, *args, out)), (args, out)


@pytest.mark.parametrize("x", EDGES + [0.25, 1e-45, 7.0])
def test_the_clamped_log_template_is_clamped_log(x: float) -> None:
    template = ast.parse(losses.CLAMPED_LOG_CODE, mode="eval")
    assert bits(eval(compile(template, "<t>", "eval"), dict(PYTHON_NAMES), {"x": x})) == bits(losses._clamped_log(x))  # noqa: S307


def test_every_op_of_the_table_has_templates() -> None:
    table = {c for c in vars(ops).values() if isinstance(c, type) and issubclass(c, ops.Op) and c is not ops.Op}
    table |= {losses.BinaryCrossEntropy, losses.BinaryCrossEntropyWithLogits}
    assert table == {op for op, _ in OPS}
    assert all(templates(op, n) is not None for op, n in OPS)


def test_a_subclass_that_changes_the_math_does_not_inherit_the_templates() -> None:
    class SteepSigmoid(ops.Sigmoid):
        @staticmethod
        def forward(z: float) -> float:
            return ops.Sigmoid.forward(2.0 * z)

    assert templates(SteepSigmoid, 1) is None
    assert templates(type("Alias", (ops.Sigmoid,), {}), 1) is not None  # same methods: same templates


# --- JavaScript ------------------------------------------------------------------------------------


def js_function(op: type[ops.Op], n: int) -> str:
    """``(x0, …, out) => [forward, ∂0, …]`` in JavaScript, from the op's templates."""
    params, forward, derivatives = templates(op, n)  # type: ignore[misc]
    names = Names()
    temporaries: dict[str, str] = {}
    args = {p: ast.Name(f"x{i}", ast.Load()) for i, p in enumerate(params)}
    args["out"] = ast.Name("out", ast.Load())
    parts = [javascript(instantiate(t, args, names, temporaries)) for t in (forward, *derivatives)]
    declare = f"let {', '.join(temporaries.values())}; " if temporaries else ""
    forward_js = parts[0]
    return (
        f"(({', '.join(f'x{i}' for i in range(n))}) => {{ {declare}const out = {forward_js}; "
        f"return [out, {', '.join(parts[1:])}]; }})"
    )


def js_number(x: float) -> str:
    return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(repr(x), repr(x))


@pytest.mark.skipif(NODE is None, reason="node is not installed: the JavaScript templates are checked in node")
@settings(max_examples=10)
@given(st.lists(st.one_of(st.sampled_from(EDGES), st.floats(-40.0, 40.0), st.floats(1e-3, 1e3)), min_size=40))
def test_javascript_templates_match_the_ops(points: list[float]) -> None:
    """1e-12 relative; 1e-15 absolute where the result cancels to near 0 (an ulp of JS's exp is all of it)."""
    from autodiff.compile import JS_FSUM, JS_POWER, _clamped_log_template

    clamped = javascript(instantiate(_clamped_log_template(), {}, lambda n: n, {"x": "x"}))
    script = [JS_POWER, f"  {JS_FSUM}", f"const clamped_log = (x) => {clamped};", "const out = [];"]
    cases = []
    for op, n in OPS:
        script.append(f"const f_{op.__name__}_{n} = {js_function(op, n)};")
        for k in range(len(points)):
            args = [points[(k + 7 * i) % len(points)] for i in range(n)]
            expected = outcome(op.forward, *args)
            if not isinstance(expected, float):
                continue  # the engine raises: no number to agree with
            local = outcome(op.derivatives, *args, expected)
            if not isinstance(local, tuple):
                continue
            cases.append((expected, *local))
            script.append(f"out.push(f_{op.__name__}_{n}({', '.join(map(js_number, args))}).map(enc));")
    script.insert(0, "const enc = (x) => Number.isFinite(x) ? x : String(x);")
    script.append("console.log(JSON.stringify(out));")
    result = subprocess.run([NODE, "-"], input="\n".join(script), capture_output=True, text=True, timeout=60)  # type: ignore[list-item]
    assert result.returncode == 0, result.stderr
    for got, expected in zip(json.loads(result.stdout), cases, strict=True):
        for a, b in zip(got, expected, strict=True):
            if isinstance(a, str) or not math.isfinite(b):
                assert a == {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(repr(b), b), (got, expected)
            else:
                assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (got, expected)
