"""Hypothesis strategies for random expression graphs, shared by the test files.

A ``Program`` is a small straight-line program (an AST that is a DAG): nodes 0..n_leaves-1 are the
inputs, every later node applies one op to *earlier* nodes, and the last node is the result. A node
may be used by several later nodes (and twice by one node), so graphs have shared sub-expressions.

One program, three interpreters, so each test can pick an independent oracle:

    program(*leaves)              build it with autodiff Values (program is a build function)
    program.build()               (root, leaves) with leaves = Values at program.leaf_values
    program.sympy()               (expression, symbols) for exact derivatives
    program.evaluate(point)       the value in plain floats (math module), for central differences

Ops whose operand must be positive (log, division, a Value exponent's base, negative or fractional
constant powers) get it through a guard the strategy inserts: ``x * x + c`` with c ≥ 0.25. Use
``assume(program.well_conditioned())`` to skip the few programs that overflow or sit on relu's kink.

    from strategies import expressions   # tests/ is on sys.path under pytest
    @given(expressions())
    def test_something(program): ...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from hypothesis import strategies as st

import autodiff
from autodiff import Value

__all__ = [
    "BINARY",
    "CONST_EXPONENTS",
    "FLOAT_LIB",
    "Node",
    "Program",
    "SYMPY_LIB",
    "UNARY",
    "VALUE_LIB",
    "expressions",
    "finite_floats",
    "programs",
]

UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu")
BINARY = ("+", "-", "*", "/", "**")
NARY = ("sum", "linear")
CONST_EXPONENTS = (2.0, 3.0, -1.0, -2.0, 0.5, 1.5)
NEEDS_POSITIVE = {"log": (0,), "/": (1,), "**": (0,)}  # op → which operands must be positive


def finite_floats(low: float = -2.0, high: float = 2.0) -> st.SearchStrategy[float]:
    """Finite floats in [low, high]."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@dataclass(frozen=True)
class Node:
    """One step: ``op`` applied to earlier nodes ``args``; ``const`` for "const" and "**k" (the k)."""

    op: str
    args: tuple[int, ...] = ()
    const: float = 0.0


Lib = dict[str, Callable[..., Any]]


def _float_sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    return math.exp(z) / (1.0 + math.exp(z))


def _float_linear(*args: float) -> float:
    n = (len(args) - 1) // 2
    return math.fsum([w * x for w, x in zip(args[:n], args[n : 2 * n])] + [args[-1]])


def _value_linear(*args: Any) -> Any:
    n = (len(args) - 1) // 2
    return autodiff.linear(list(args[:n]), list(args[n : 2 * n]), args[-1])


def _sympy_linear(*args: Any) -> Any:
    n = (len(args) - 1) // 2
    return sympy.Add(*[w * x for w, x in zip(args[:n], args[n : 2 * n])], args[-1])


_COMMON: Lib = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "neg": lambda a: -a,
}

VALUE_LIB: Lib = {
    **_COMMON,
    "**": lambda a, b: a**b,
    "**k": lambda a, k: a**k,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "sum": lambda *terms: autodiff.total(list(terms)),
    "linear": _value_linear,
}
"""Builds autodiff Values."""

SYMPY_LIB: Lib = {
    **_COMMON,
    "**": lambda a, b: a**b,
    "**k": lambda a, k: a ** sympy.nsimplify(k),
    "exp": sympy.exp,
    "log": sympy.log,
    "tanh": sympy.tanh,
    "sigmoid": lambda a: 1 / (1 + sympy.exp(-a)),
    "relu": lambda a: sympy.Piecewise((a, a > 0), (0, True)),
    "sum": lambda *terms: sympy.Add(*terms),
    "linear": _sympy_linear,
}
"""Builds sympy expressions: exact derivatives by ``sympy.diff``."""

FLOAT_LIB: Lib = {
    **_COMMON,
    "**": lambda a, b: a**b,
    "**k": lambda a, k: a**k,
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sigmoid": _float_sigmoid,
    "relu": lambda a: a if a > 0 else 0.0,
    "sum": lambda *terms: math.fsum(terms),
    "linear": _float_linear,
}
"""Plain floats from the math module: the forward pass with no autodiff involved."""


@dataclass(frozen=True)
class Program:
    """A random expression graph: leaves, then ops on earlier nodes; the last node is the root."""

    n_leaves: int
    nodes: tuple[Node, ...]
    leaf_values: tuple[float, ...]

    def run(self, leaves: Sequence[Any], lib: Lib, trace: list[tuple[str, Any]] | None = None) -> Any:
        """Evaluate with ``lib``'s ops on ``leaves``; ``trace`` collects (op, first operand) per op."""
        if len(leaves) != self.n_leaves:
            raise ValueError(f"this program takes {self.n_leaves} leaves, got {len(leaves)}")
        values: list[Any] = list(leaves)
        for node in self.nodes[self.n_leaves :]:
            if node.op == "const":
                values.append(node.const)
                continue
            args = [values[i] for i in node.args]
            if trace is not None:
                trace.append((node.op, args[0]))
            if node.op == "**k":
                values.append(lib["**k"](args[0], node.const))
            else:
                values.append(lib[node.op](*args))
        return values[-1]

    def __call__(self, *leaves: Value) -> Value:
        """Build the graph on the given Values (so a Program is a build function)."""
        return self.run(leaves, VALUE_LIB)

    def build(self, point: Sequence[float] | None = None) -> tuple[Value, list[Value]]:
        """(root, leaves) built with Values at ``point`` (default ``leaf_values``), leaves labelled x0, x1, …."""
        point = self.leaf_values if point is None else point
        leaves = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
        return self(*leaves), leaves

    def symbols(self) -> list[sympy.Symbol]:
        return list(sympy.symbols(f"x0:{self.n_leaves}", real=True))

    def sympy(self) -> tuple[sympy.Expr, list[sympy.Symbol]]:
        """(expression, symbols x0…) for exact derivatives."""
        symbols = self.symbols()
        return self.run(symbols, SYMPY_LIB), symbols

    def evaluate(self, point: Sequence[float] | None = None) -> float:
        """The root's value in plain floats."""
        return float(self.run(self.leaf_values if point is None else point, FLOAT_LIB))

    def _trace(self, point: Sequence[float]) -> list[tuple[str, Any]] | None:
        trace: list[tuple[str, Any]] = []
        try:
            self.run(point, _CHECKED_FLOAT_LIB, trace)
        except (ArithmeticError, ValueError):
            return None
        return trace

    def well_conditioned(self, h: float = 1e-6, bound: float = 1e4) -> bool:
        """Every value finite and at most ``bound`` in size, and no relu flips sign within ±h of a leaf."""
        centre = self._trace(self.leaf_values)
        if centre is None:
            return False
        signs = [a > 0 for op, a in centre if op == "relu"]
        if any(op == "relu" and a == 0 for op, a in centre):
            return False
        for i in range(self.n_leaves):
            for step in (h, -h):
                point = list(self.leaf_values)
                point[i] += step
                moved = self._trace(point)
                if moved is None or [a > 0 for op, a in moved if op == "relu"] != signs:
                    return False
        return True

    def uses_shared_nodes(self) -> bool:
        """True when some node feeds more than one operand slot."""
        uses = [i for node in self.nodes for i in node.args]
        return len(uses) != len(set(uses))

    def __str__(self) -> str:
        lines = [f"x{i} = {x!r}" for i, x in enumerate(self.leaf_values)]
        for k, node in enumerate(self.nodes[self.n_leaves :], start=self.n_leaves):
            args = ", ".join(f"n{i}" if i >= self.n_leaves else f"x{i}" for i in node.args)
            detail = f"const {node.const!r}" if node.op == "const" else f"{node.op}({args})"
            if node.op == "**k":
                detail = f"({args}) ** {node.const!r}"
            lines.append(f"n{k} = {detail}")
        return "\n".join(lines)


def _checked(fn: Callable[..., float]) -> Callable[..., float]:
    def run(*args: float) -> float:
        out = fn(*args)
        if isinstance(out, complex) or not math.isfinite(out) or abs(out) > _CHECK_BOUND[0]:
            raise ArithmeticError("out of range")
        return out

    return run


_CHECK_BOUND = [1e4]
_CHECKED_FLOAT_LIB: Lib = {op: _checked(fn) for op, fn in FLOAT_LIB.items()}


@st.composite
def programs(
    draw: st.DrawFn,
    max_leaves: int = 3,
    max_ops: int = 8,
    ops: Sequence[str] = UNARY + BINARY + ("**k",) + NARY,
    leaf_values: st.SearchStrategy[float] | None = None,
) -> Program:
    """Random expression graphs over ``ops`` with up to ``max_leaves`` inputs and ``max_ops`` ops."""
    n_leaves = draw(st.integers(1, max_leaves))
    leaf_strategy = finite_floats() if leaf_values is None else leaf_values
    values = tuple(draw(leaf_strategy) for _ in range(n_leaves))
    nodes: list[Node] = [Node("leaf", (i,)) for i in range(n_leaves)]
    computed: list[int] = list(range(n_leaves))  # nodes that are Values (not constants)

    def operand() -> int:
        return draw(st.sampled_from(computed))

    def positive(i: int) -> int:
        """A node equal to x_i * x_i + c, c ≥ 0.25: positive whatever x_i is."""
        c = draw(st.sampled_from((0.25, 0.5, 1.0, 2.0)))
        nodes.append(Node("*", (i, i)))
        nodes.append(Node("const", (), c))
        nodes.append(Node("+", (len(nodes) - 2, len(nodes) - 1)))
        computed.extend([len(nodes) - 3, len(nodes) - 1])
        return len(nodes) - 1

    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(list(ops)))
        const = 0.0
        if op in UNARY:
            args = [operand()]
        elif op in BINARY:
            args = [operand(), operand()]
        elif op == "**k":
            args = [operand()]
            const = draw(st.sampled_from(CONST_EXPONENTS))
            if const != int(const) or const < 0:
                args = [positive(args[0])]
        elif op == "sum":
            args = [operand() for _ in range(draw(st.integers(2, 4)))]
        else:  # linear: n weights, n inputs, a bias
            n = draw(st.integers(1, 2))
            args = [operand() for _ in range(2 * n + 1)]
        for position in NEEDS_POSITIVE.get(op, ()):
            args[position] = positive(args[position])
        nodes.append(Node(op, tuple(args), const))
        computed.append(len(nodes) - 1)
    return Program(n_leaves, tuple(nodes), values)


def expressions(max_leaves: int = 3, max_ops: int = 8) -> st.SearchStrategy[Program]:
    """Random expression graphs with every op the engine has: the strategy other tests should import."""
    return programs(max_leaves=max_leaves, max_ops=max_ops)
