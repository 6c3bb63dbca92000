"""Random expression graphs with shared sub-expressions: backward against sympy and central differences."""

import math

import sympy
from hypothesis import assume, given, note
from strategies import expressions

H = 1e-6  # central-difference step


def exact_gradient(program) -> list[float]:
    """∂root/∂x_i from sympy's symbolic derivative, evaluated at 30 significant digits."""
    expression, symbols = program.sympy()
    at = {s: sympy.Float(x, 30) for s, x in zip(symbols, program.leaf_values)}
    return [float(sympy.diff(expression, s).evalf(30, subs=at)) for s in symbols]


def central_differences(program) -> list[float]:
    """∂root/∂x_i from the plain-float forward pass: (f(x + h) − f(x − h)) / 2h."""
    grads = []
    for i in range(program.n_leaves):
        up, down = list(program.leaf_values), list(program.leaf_values)
        up[i] += H
        down[i] -= H
        grads.append((program.evaluate(up) - program.evaluate(down)) / (2 * H))
    return grads


@given(expressions())
def test_random_graph_gradients_match_sympy(program) -> None:
    assume(program.well_conditioned())
    note(str(program))
    root, leaves = program.build()
    root.backward()
    exact = exact_gradient(program)
    for leaf, expected in zip(leaves, exact):
        assert math.isclose(leaf.grad, expected, rel_tol=1e-8, abs_tol=1e-8), (leaf.label, leaf.grad, expected)


@given(expressions())
def test_random_graph_gradients_match_central_differences(program) -> None:
    assume(program.well_conditioned())
    note(str(program))
    root, leaves = program.build()
    root.backward()
    for leaf, numeric in zip(leaves, central_differences(program)):
        assert math.isclose(leaf.grad, numeric, rel_tol=1e-4, abs_tol=1e-4), (leaf.label, leaf.grad, numeric)


@given(expressions())
def test_random_graph_forward_matches_plain_floats(program) -> None:
    assume(program.well_conditioned())
    root, _ = program.build()
    assert math.isclose(root.data, program.evaluate(), rel_tol=1e-12, abs_tol=1e-12)
