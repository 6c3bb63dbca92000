"""backward()'s fast path is generated from the op table's templates, and relu's edges agree everywhere.

The op table spells each op's calculus twice: ``derivatives`` (the math, also run on Values for
``create_graph``) and ``derivatives_code`` (templates for autodiff.compile and the fast path). These
tests check that the fast path holds no third copy, and that relu's derivative at 0.0, −0.0 and nan
is the method's in every path: the template, the fast path, the table, ``grad`` and its
``create_graph`` form.
"""

from __future__ import annotations

import math
import struct
import sys

import pytest

from autodiff import Value, grad, linear, ops
from autodiff.fast_path import FAST_OPS, SOURCE, _n_ary_source

RELU_EDGES = [0.0, -0.0, math.nan, 1.0, -1.0, 5e-324, -5e-324, math.inf, -math.inf]


def bits(x: float) -> bytes:
    """The float's bytes, so 0.0 and −0.0 differ and every nan is one nan."""
    return b"nan" if math.isnan(x) else struct.pack("<d", x)


def template_value(template: str, **names: float) -> float:
    return eval(template, {**ops.TEMPLATE_NAMES, "abs": abs}, names)  # noqa: S307 - the op table's own text


@pytest.mark.parametrize("a", RELU_EDGES, ids=repr)
def test_relus_derivative_is_the_methods_in_every_path(a: float) -> None:
    out = ops.Relu.forward(a)
    (expected,) = ops.Relu.derivatives(a, out)
    assert bits(expected) == bits(1.0 if a > 0 else (math.nan if math.isnan(a) else 0.0))
    (template,) = ops.Relu.derivatives_code
    assert bits(template_value(template, a=a, out=out)) == bits(expected)

    x = Value(a, label="a")
    old_trace = sys.gettrace()
    sys.settrace(None)  # a tracer (coverage, an IDE) would send backward() to the table
    try:
        x.relu().backward()  # the fast path
    finally:
        sys.settrace(old_trace)
    assert bits(x.grad) == bits(expected)

    y = Value(a, label="a")
    sys.settrace(lambda *args: None)  # as under a debugger: backward() asks the table
    try:
        y.relu().backward()
    finally:
        sys.settrace(old_trace)
    assert bits(y.grad) == bits(expected)
    assert bits(grad(y.relu(), [y])[0]) == bits(expected)
    (d,) = grad(y.relu(), [y], create_graph=True)  # the method run on a Value
    assert bits(d.data) == bits(expected)


def test_the_fast_path_spells_out_each_fast_ops_templates_and_nothing_else() -> None:
    """Each fixed-arity op's templates appear verbatim; the only other arithmetic is ``upstream * …``."""
    for op in FAST_OPS:
        assert f"op is {op.__name__}:" in SOURCE
        if hasattr(op, "code_for"):
            continue
        for template in op.derivatives_code:
            if template not in ("1.0", "-1.0"):
                assert template in SOURCE, (op.__name__, template)
    # no float literal in the generated loop but those of the templates
    literals = {token for token in SOURCE.replace("(", " ").replace(")", " ").split() if token[:1].isdigit()}
    from_templates = {
        token
        for op in FAST_OPS
        for template in (op.derivatives_code or ())
        for token in template.replace("(", " ").replace(")", " ").split()
        if token[:1].isdigit()
    }
    assert literals <= from_templates, literals - from_templates


def test_a_linear_node_of_n_operands_gets_a_straight_line_function_from_code_for() -> None:
    source = _n_ary_source(ops.Linear, 5)  # w0, w1, x0, x1, b
    assert "w0_node.grad += upstream * x0" in source and "x1_node.grad += upstream * w1" in source
    assert "b_node.grad += upstream\n" in source
    weights = [Value(0.5, label="w0"), Value(-2.0, label="w1")]
    inputs = [Value(3.0, label="x0"), Value(0.25, label="x1")]
    bias = Value(1.0, label="b")
    raw = linear(weights, inputs, bias)
    (raw * raw).backward()
    upstream = 2.0 * raw.data
    assert [w.grad for w in weights] == [upstream * 3.0, upstream * 0.25]
    assert [x.grad for x in inputs] == [upstream * 0.5, upstream * -2.0]
    assert bias.grad == upstream
