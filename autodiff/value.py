"""The Value node: a float that remembers how it was computed, so gradients can flow back."""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import TYPE_CHECKING, Union

from autodiff import ops
from autodiff.ops import Op

if TYPE_CHECKING:
    from autodiff.stepper import Step

Number = int | float
Operand = Union["Value", int, float]  # noqa: UP007 - a string forward reference


def _check_number(data: object, what: str = "Value") -> float:
    """The float in ``data``, or a TypeError naming what was given instead."""
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real):  # int, bool, Fraction, numpy floats...
        return float(data)
    raise TypeError(f"{what} needs a real number (int or float), got {type(data).__name__} {data!r}")


class Value:
    """One node of the computation graph.

    ``data`` is the number; ``grad`` is d(root)/d(this node) once a backward pass has reached it
    (0.0 before); ``label`` is a name for graphs and reprs; ``parents`` are the values it was
    computed from, in operand order; ``op`` names the operation that made it ("" for a leaf).
    """

    __slots__ = ("data", "grad", "label", "_op", "parents")

    def __init__(self, data: Number, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value label needs a str, got {type(label).__name__} {label!r}")
        self.data = _check_number(data)
        self.grad = 0.0
        self.label = label
        self._op: type[Op] | None = None
        self.parents: tuple[Value, ...] = ()

    # --- graph bookkeeping ---------------------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the operation that made this value ("" for a leaf)."""
        return self._op.name if self._op is not None else ""

    @property
    def op_class(self) -> type[Op] | None:
        """The op-table entry (see autodiff.ops) that made this value, None for a leaf."""
        return self._op

    @property
    def is_leaf(self) -> bool:
        return self._op is None

    def local_derivatives(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, in operand order (empty for a leaf)."""
        if self._op is None:
            return ()
        return self._op.derivatives(*[parent.data for parent in self.parents], self.data)

    def _apply(self, op: type[Op], *others: Operand) -> Value:
        parents = (self, *[_as_value(other) for other in others])
        return _node(op, parents, op.forward(*[parent.data for parent in parents]))

    # --- arithmetic: Python numbers welcome on either side -------------------------------------

    def __add__(self, other: Operand) -> Value:
        return self._apply(ops.Add, other)

    def __radd__(self, other: Number) -> Value:
        return _as_value(other)._apply(ops.Add, self)

    def __sub__(self, other: Operand) -> Value:
        return self._apply(ops.Sub, other)

    def __rsub__(self, other: Number) -> Value:
        return _as_value(other)._apply(ops.Sub, self)

    def __mul__(self, other: Operand) -> Value:
        return self._apply(ops.Mul, other)

    def __rmul__(self, other: Number) -> Value:
        return _as_value(other)._apply(ops.Mul, self)

    def __truediv__(self, other: Operand) -> Value:
        return self._apply(ops.Div, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _as_value(other)._apply(ops.Div, self)

    def __neg__(self) -> Value:
        return self._apply(ops.Neg)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return self._apply(ops.Pow, exponent)
        return self._apply(ops.PowConst, _check_number(exponent, "** exponent"))

    def __rpow__(self, base: Number) -> Value:
        return _as_value(base)._apply(ops.Pow, self)

    # --- functions -----------------------------------------------------------------------------

    def exp(self) -> Value:
        """e ** self."""
        return self._apply(ops.Exp)

    def log(self) -> Value:
        """Natural logarithm; a non-positive value raises ValueError."""
        return self._apply(ops.Log)

    def tanh(self) -> Value:
        return self._apply(ops.Tanh)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-self), exact to double precision and never overflowing."""
        return self._apply(ops.Sigmoid)

    def relu(self) -> Value:
        return self._apply(ops.Relu)

    # --- backprop ------------------------------------------------------------------------------

    def backward(self, break_at: Value | str | None = None) -> None:
        """Fill in ``grad`` of every value this one was computed from (see autodiff.backward)."""
        from autodiff.backward import backward

        backward(self, break_at=break_at)

    def backward_steps(self) -> Iterator[Step]:
        """Backward one node at a time, yielding each chain-rule step (see autodiff.stepper)."""
        from autodiff.stepper import backward_steps

        return backward_steps(self)

    def zero_grad(self) -> None:
        self.grad = 0.0

    # --- reading it as a number ----------------------------------------------------------------

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    # Comparisons read the data, so ``"Pass" if probability >= 0.5 else "Fail"`` works. Equality
    # stays identity: a node is a node, and graphs keep nodes in dicts.
    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    __hash__ = object.__hash__

    def formula(self) -> str:
        """How this value was computed, from its parents' labels (or numbers): ``w*x + b``."""
        return _formula(self)

    def __repr__(self) -> str:
        formula = _formula(self) if self._op is not None else ""
        if len(formula) > 60:  # keep a debugger's variables pane readable for wide neurons
            formula = formula[:59] + "…"
        parts = [p for p in (self.label, formula) if p]
        parts.append(_num(self.data))
        return f"Value({' = '.join(parts)}, grad={_num(self.grad)})"


class Constant(Value):
    """A plain number that took part in an operation (the ``2`` in ``x ** 2``)."""

    __slots__ = ()


def _node(op: type[Op], parents: tuple[Value, ...], data: float) -> Value:
    """A new result node; skips __init__'s checks since the engine made the number."""
    out = Value.__new__(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out.parents = parents
    return out


def _as_value(x: Operand) -> Value:
    if isinstance(x, Value):
        return x
    return Constant(_check_number(x, "an operand"))


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else _check_number(x, "a comparison")


def _num(x: float) -> str:
    return f"{x:.4g}"


def _name(v: Value) -> str:
    if v.label:
        return v.label
    if v._op is None:
        return _num(v.data)
    return f"({_formula(v)})"


def _formula(v: Value) -> str:
    op = v._op
    if op is None:
        return v.label or _num(v.data)
    names = [_name(parent) for parent in v.parents]
    if op is ops.Linear:
        n = (len(names) - 1) // 2
        terms = [f"{w}*{x}" for w, x in zip(names[:n], names[n : 2 * n])]
        return " + ".join([*terms, names[-1]])
    if op is ops.Sum:
        return " + ".join(names)
    if op is ops.Neg:
        return f"-{names[0]}"
    if len(names) == 1:
        parent = v.parents[0]
        inner = _formula(parent) if parent._op is not None and not parent.label else names[0]
        return f"{op.name}({inner})"
    if op.name.isidentifier():  # a named op such as bce: bce(p, 1)
        return f"{op.name}({', '.join(names)})"
    return f"{names[0]}{op.name}{names[1]}" if op.name in ("*", "**") else f"{names[0]} {op.name} {names[1]}"


# --- module functions: take a Value (and give a Value) or a number (and give a float) ----------


def _unary(op: type[Op], x: Operand) -> Value | float:
    if isinstance(x, Value):
        return x._apply(op)
    return op.forward(_check_number(x, op.name))


def exp(x: Operand) -> Value | float:
    """e ** x."""
    return _unary(ops.Exp, x)


def log(x: Operand) -> Value | float:
    """Natural logarithm of a positive x."""
    return _unary(ops.Log, x)


def tanh(x: Operand) -> Value | float:
    return _unary(ops.Tanh, x)


def sigmoid(x: Operand) -> Value | float:
    """1 / (1 + e^-x): turns a raw score into a probability."""
    return _unary(ops.Sigmoid, x)


def relu(x: Operand) -> Value | float:
    return _unary(ops.Relu, x)


def total(terms: list[Operand] | tuple[Operand, ...]) -> Value:
    """Σ terms as one node (one graph node however many terms)."""
    if not terms:
        raise ValueError("total needs at least one term, got an empty list")
    parents = tuple(_as_value(t) for t in terms)
    return _node(ops.Sum, parents, ops.Sum.forward(*[p.data for p in parents]))


def linear(weights: list[Value], inputs: list[Operand], bias: Value) -> Value:
    """A neuron's raw output w1*x1 + … + wn*xn + b as one node."""
    if len(weights) != len(inputs):
        raise ValueError(f"linear needs one input per weight: {len(weights)} weights, {len(inputs)} inputs")
    parents = (*[_as_value(w) for w in weights], *[_as_value(x) for x in inputs], _as_value(bias))
    return _node(ops.Linear, parents, ops.Linear.forward(*[p.data for p in parents]))
