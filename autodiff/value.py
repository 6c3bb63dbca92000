"""The Value node: a float that remembers how it was computed, so gradients can flow back."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Union

from autodiff import ops
from autodiff.guards import note as _note
from autodiff.ops import Add, Div, Exp, Linear, Log, Mul, Neg, Op, Pow, PowConst, Relu, Sigmoid, Sub, Sum, Tanh
from autodiff.walk import parents_of

if TYPE_CHECKING:
    from autodiff.stepper import Step

Number = int | float
Operand = Union["Value", int, float]  # noqa: UP007 - a string forward reference


def _check_number(data: object, what: str = "Value") -> float:
    """The float in ``data``, or a TypeError naming what was given instead."""
    if type(data) is float:
        return data
    try:
        if type(data) is int:  # before the ABC check below, which is slow: ``x ** 2`` comes here
            return float(data)
        if isinstance(data, numbers.Real):  # int, bool, Fraction, numpy floats...
            return float(data)
    except OverflowError:
        digits = len(str(abs(int(data)))) if abs(int(data)) < 10**4000 else "over 4,000"
        raise ValueError(
            f"{what} needs a number within double range (±1.8e308), got an integer of {digits} digits"
        ) from None
    raise TypeError(f"{what} needs a real number (int or float), got {type(data).__name__} {data!r}")


# --- making nodes ------------------------------------------------------------------------------
# Arithmetic is the hot path: every ``w * x`` makes a node, so the helpers below build it in place
# (no __init__ checks: the engine made the number). tests/test_performance_paths.py holds every
# operator method to the op table (autodiff.ops).

_new = object.__new__  # Value.__new__ without the attribute lookup: nodes are made by the million


def _binary(op: type[Op], a: Value, b: Operand) -> Value:
    """The node ``op(a, b)`` for a Value ``a``; a plain number ``b`` becomes a Constant."""
    if type(b) is float:  # ``w * 3.0``: the Constant of _as_value, made here to save a call
        constant = _new(Constant)
        constant.data = b
        constant.grad = 0.0
        constant._label = ""
        constant._op = constant._a = constant._b = None
        b = constant
    elif not isinstance(b, Value):
        b = _as_value(b)
    out = _new(Value)
    out.data = op.forward(a.data, b.data)
    out.grad = 0.0
    out._label = ""
    out._op = op
    out._a = a
    out._b = b
    return out


def _reflected(op: type[Op], a: Operand, b: Value) -> Value:
    """The node ``op(a, b)`` for a plain number ``a`` (``1 - p``: Python calls ``p.__rsub__(1)``)."""
    if type(a) is float:  # ``1.0 - p``: the Constant of _as_value, made here to save a call
        constant = _new(Constant)
        constant.data = a
        constant.grad = 0.0
        constant._label = ""
        constant._op = constant._a = constant._b = None
        a = constant
    else:
        a = _as_value(a)
    out = _new(Value)
    out.data = op.forward(a.data, b.data)
    out.grad = 0.0
    out._label = ""
    out._op = op
    out._a = a
    out._b = b
    return out


def _unary(op: type[Op], a: Value) -> Value:
    """The node ``op(a)``."""
    out = _new(Value)
    out.data = op.forward(a.data)
    out.grad = 0.0
    out._label = ""
    out._op = op
    out._a = a
    out._b = None
    return out


class Value:
    """One node of the computation graph.

    ``data`` is the number; ``grad`` is d(root)/d(this node) once a backward pass has reached it
    (0.0 before); ``label`` is a name for graphs and reprs; ``parents`` are the values it was
    computed from, in operand order; ``op`` names the operation that made it ("" for a leaf).

    The parents are stored inline, in two slots, not as a tuple: almost every node has one or
    two, and a tuple per node would be 56 of the ~200 bytes a node costs (and an allocation per
    operation). ``parents`` rebuilds the ordered tuple on demand:

        leaf:                  _a = None,    _b = None
        one parent p:          _a = p,       _b = None
        two parents p, q:      _a = p,       _b = q
        three or more (linear, total): _a = None, _b = the tuple of them

    Args:
        data: the number, any real number (int, float, bool, Fraction, numpy float), stored as a float.
        label: a name for graphs and reprs ("" for none).

    Raises:
        TypeError: ``data`` is not a real number, or ``label`` is not a str.
        ValueError: ``data`` is an integer beyond double range.
    """

    __slots__ = ("data", "grad", "_label", "_op", "_a", "_b", "__weakref__")  # weakref: autodiff.guards

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _check_number(data)
        self.grad = 0.0
        self.label = label
        self._op: type[Op] | None = None
        self._a: Value | None = None  # parents: see the class docstring
        self._b: Value | tuple[Value, ...] | None = None

    # --- graph bookkeeping ---------------------------------------------------------------------

    # The getter lives in autodiff.walk, the graph plumbing a debugger steps over (every walk reads it).
    parents = property(
        parents_of,
        lambda self, parents: _set_parents(self, tuple(parents)),
        doc="The values this one was computed from, in operand order (empty for a leaf).",
    )

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
        """True for a value nothing computed (an input, a parameter or a Constant)."""
        return self._op is None

    def local_derivatives(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, in operand order (empty for a leaf)."""
        if self._op is None:
            return ()
        return self._op.derivatives(*[parent.data for parent in self.parents], self.data)

    def _apply(self, op: type[Op], *others: Operand) -> Value:
        """A new node ``op(self, *others)``; plain numbers among ``others`` become Constants."""
        if not others:
            return _unary(op, self)
        parents = (self, *[_as_value(other) for other in others])
        return _node(op, parents, op.forward(*[parent.data for parent in parents]))

    # --- arithmetic: Python numbers welcome on either side -------------------------------------

    def __add__(self, other: Operand) -> Value:
        """Add: self + other, as a new node."""
        return _binary(Add, self, other)

    def __radd__(self, other: Operand) -> Value:
        """Add (reflected): other + self, as a new node."""
        return _reflected(Add, other, self)

    def __sub__(self, other: Operand) -> Value:
        """Subtract: self - other, as a new node."""
        return _binary(Sub, self, other)

    def __rsub__(self, other: Operand) -> Value:
        """Subtract (reflected): other - self, as a new node."""
        return _reflected(Sub, other, self)

    def __mul__(self, other: Operand) -> Value:
        """Multiply: self * other, as a new node."""
        return _binary(Mul, self, other)

    def __rmul__(self, other: Operand) -> Value:
        """Multiply (reflected): other * self, as a new node."""
        return _reflected(Mul, other, self)

    def __truediv__(self, other: Operand) -> Value:
        """Divide: self / other, as a new node."""
        return _binary(Div, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        """Divide (reflected): other / self, as a new node."""
        return _reflected(Div, other, self)

    def __neg__(self) -> Value:
        """Negate: -self, as a new node."""
        return _unary(Neg, self)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, exponent: Operand) -> Value:
        """Power: self ** exponent; a number exponent is a constant (PowConst), a Value one gets a gradient (Pow)."""
        if type(exponent) is int:  # ``x ** 2``, the commonest power: the float without a call
            exponent = float(exponent)
        elif isinstance(exponent, Value):
            return _binary(Pow, self, exponent)
        elif type(exponent) is not float:  # checked here, so ``** "2"`` names the exponent
            exponent = _check_number(exponent, "** exponent")
        return _binary(PowConst, self, exponent)

    def __rpow__(self, base: Number) -> Value:
        """Power (reflected): base ** self, as a new node."""
        return _reflected(Pow, base, self)

    # --- functions -----------------------------------------------------------------------------

    def exp(self) -> Value:
        """Exponential: e ** self, as a new node (inf where it overflows)."""
        return _unary(Exp, self)

    def log(self) -> Value:
        """Natural logarithm; a non-positive value raises ValueError."""
        return _unary(Log, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent, between -1 and 1."""
        return _unary(Tanh, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-self): a probability; never overflows."""
        return _unary(Sigmoid, self)

    def relu(self) -> Value:
        """Rectifier: self where positive, else 0, as a new node."""
        return _unary(Relu, self)

    # --- backprop ------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        """A name for graphs and reprs (``""``: none); set to a str, or TypeError names what was given."""
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value label needs a str, got {type(label).__name__} {label!r}")
        self._label = label

    # ``loss.backward(break_at=None)`` is autodiff.backward.backward itself, which that module
    # attaches here (it imports this one): nothing in between, so "step into" lands in it at once.
    backward: Callable[..., None]

    def backward_steps(self) -> Iterator[Step]:
        """Backward one node at a time, yielding each chain-rule step (see autodiff.stepper)."""
        from autodiff.stepper import backward_steps

        return backward_steps(self)

    def zero_grad(self) -> None:
        """Set this node's grad to 0.0 (only this node; autodiff.zero_grad clears a whole graph)."""
        self.grad = 0.0

    # --- reading it as a number ----------------------------------------------------------------

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    # Comparisons read the data, so ``"Pass" if probability >= 0.5 else "Fail"`` works. Equality
    # stays identity: a node is a node, and graphs keep nodes in dicts. Each comparison is noted
    # (autodiff.guards) so autodiff.compile can check it still comes out the same for new numbers.
    def __lt__(self, other: Operand) -> bool:
        right = _data(other)
        return _note(self, "<", other if isinstance(other, Value) else None, right, self.data < right)

    def __le__(self, other: Operand) -> bool:
        right = _data(other)
        return _note(self, "<=", other if isinstance(other, Value) else None, right, self.data <= right)

    def __gt__(self, other: Operand) -> bool:
        right = _data(other)
        return _note(self, ">", other if isinstance(other, Value) else None, right, self.data > right)

    def __ge__(self, other: Operand) -> bool:
        right = _data(other)
        return _note(self, ">=", other if isinstance(other, Value) else None, right, self.data >= right)

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
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._label = ""
    out._op = op
    _set_parents(out, parents)
    return out


def _set_parents(node: Value, parents: tuple[Value, ...]) -> None:
    """Store ``parents`` in ``node``'s two parent slots (the layout is in Value's docstring)."""
    if len(parents) == 1:
        node._a, node._b = parents[0], None
    elif len(parents) == 2:
        node._a, node._b = parents
    else:  # three or more (or none: a computed node always has a tuple in _b, even an empty one)
        node._a, node._b = None, parents


def _as_value(x: Operand) -> Value:
    if isinstance(x, Value):
        return x
    # Constant(x) without __init__'s label check: every ``x ** 2`` and ``1 - p`` makes one.
    constant = _new(Constant)
    constant.data = x if type(x) is float else _check_number(x, "an operand")
    constant.grad = 0.0
    constant._label = ""
    constant._op = None
    constant._a = None
    constant._b = None
    return constant


# The engine's own node types: a tuple of operands whose types are all in here needs no wrapping.
_VALUE_TYPES = frozenset({Value, Constant})
_get_data = attrgetter("data")


def _as_values(operands: tuple[Operand, ...]) -> tuple[Value, ...]:
    """``operands`` with plain numbers wrapped as Constants (a type check per item, done in C)."""
    if _VALUE_TYPES.issuperset(map(type, operands)):
        return operands  # type: ignore[return-value] - all Values already
    return tuple([_as_value(x) for x in operands])


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else _check_number(x, "a comparison")


def _num(x: float) -> str:
    return f"{x:.4g}"


# How many levels of unlabelled sub-expressions a formula spells out; deeper ones read "(…)".
# The limit keeps repr() of a million-node chain short and its recursion shallow, and stops a
# shared graph (y = y * y, thirty times) from spelling out 2³⁰ terms.
FORMULA_DEPTH = 4


def _name(v: Value, depth: int) -> str:
    """``v`` inside a repr's formula: its label, its number, or its own formula (``depth`` levels)."""
    if v.label:
        return v.label
    if v._op is None:
        return _num(v.data)
    if depth <= 0:
        return "(…)"
    if v._op.name.isidentifier() and v._op not in (ops.Linear, ops.Sum):
        return _formula(v, depth - 1)  # sigmoid(z) reads as one term already: no extra brackets
    return f"({_formula(v, depth - 1)})"


def _formula(v: Value, depth: int = FORMULA_DEPTH) -> str:
    return formula_of(v, lambda parent: _name(parent, depth))


def formula_of(v: Value, name: Callable[[Value], str]) -> str:
    """How ``v`` was computed, each parent shown as ``name(parent)``: ``w*x + b``, ``sigmoid(z)``.

    The one formula printer: ``Value.formula``, a Value's repr and autodiff.stepper's lines differ
    only in how they name a parent.

    Args:
        v: the node to describe; a leaf gives its label or number.
        name: how to show a parent (its label, its number, a bracketed formula...).

    Returns:
        The formula as a string.
    """
    op = v._op
    if op is None:
        return v.label or _num(v.data)
    names = [name(parent) for parent in v.parents]
    if op is ops.Linear:
        n = (len(names) - 1) // 2
        return " + ".join([*(f"{w}*{x}" for w, x in zip(names[:n], names[n : 2 * n])), names[-1]])
    if op is ops.Sum:
        return " + ".join(names)
    if op is ops.Neg:
        return f"-{names[0]}"
    if len(names) == 1 and op.name.isidentifier():
        inner = names[0]
        if inner.startswith("(") and inner.endswith(")"):  # sigmoid(w*x), not sigmoid((w*x))
            inner = inner[1:-1]
        return f"{op.name}({inner})"
    if op.name in ("*", "**") and len(names) == 2:
        return f"{names[0]}{op.name}{names[1]}"
    if len(names) == 2 and not op.name.isidentifier():
        return f"{names[0]} {op.name} {names[1]}"
    return f"{op.name}({', '.join(names)})"  # a named op of several inputs: bce(p, 1)


# --- module functions: take a Value (and give a Value) or a number (and give a float) ----------


def _function(op: type[Op], x: Operand) -> Value | float:
    if isinstance(x, Value):
        return _unary(op, x)
    return op.forward(_check_number(x, op.name))


def exp(x: Operand) -> Value | float:
    """Exponential: e ** x.

    Args:
        x: a Value, or a plain number.

    Returns:
        A new node for a Value; a float (inf where it overflows) for a number.

    Raises:
        TypeError: ``x`` is neither a Value nor a real number.
    """
    return _function(Exp, x)


def log(x: Operand) -> Value | float:
    """Natural logarithm of a positive x.

    Args:
        x: a Value, or a plain number; it must be positive (nan gives nan).

    Returns:
        A new node for a Value; a float for a number.

    Raises:
        ValueError: ``x`` is zero or negative.
        TypeError: ``x`` is neither a Value nor a real number.
    """
    return _function(Log, x)


def tanh(x: Operand) -> Value | float:
    """Hyperbolic tangent, between -1 and 1.

    Args:
        x: a Value, or a plain number.

    Returns:
        A new node for a Value; a float for a number.

    Raises:
        TypeError: ``x`` is neither a Value nor a real number.
    """
    return _function(Tanh, x)


def sigmoid(x: Operand) -> Value | float:
    """Sigmoid, 1 / (1 + e^-x): turns a raw score into a probability; never overflows.

    Args:
        x: a Value, or a plain number.

    Returns:
        A new node for a Value; a float between 0 and 1 for a number.

    Raises:
        TypeError: ``x`` is neither a Value nor a real number.
    """
    return _function(Sigmoid, x)


def relu(x: Operand) -> Value | float:
    """Rectifier: x where positive, else 0 (nan stays nan).

    Args:
        x: a Value, or a plain number.

    Returns:
        A new node for a Value; a float for a number.

    Raises:
        TypeError: ``x`` is neither a Value nor a real number.
    """
    return _function(Relu, x)


def total(terms: list[Operand] | tuple[Operand, ...]) -> Value:
    """Σ terms as one node (one graph node however many terms), correctly rounded.

    Args:
        terms: the Values (or plain numbers, which become Constants) to add.

    Returns:
        The sum's node, whose parents are the terms in order.

    Raises:
        ValueError: ``terms`` is empty.
        TypeError: a term is neither a Value nor a real number.
    """
    if not terms:
        raise ValueError("total needs at least one term, got an empty list")
    parents = _as_values(tuple(terms))
    return _node(Sum, parents, Sum.forward(*map(_get_data, parents)))


def linear(weights: Sequence[Value], inputs: Sequence[Operand], bias: Value) -> Value:
    """A neuron's raw output w1*x1 + … + wn*xn + b as one node.

    Args:
        weights: the weights w1…wn.
        inputs: the inputs x1…xn, Values or plain numbers (which become Constants), one per weight.
        bias: the bias b.

    Returns:
        The raw output's node, whose parents are (w1…wn, x1…xn, b).

    Raises:
        ValueError: ``weights`` and ``inputs`` differ in length.
        TypeError: an input is neither a Value nor a real number.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"linear needs one input per weight: {len(weights)} weights, {len(inputs)} inputs")
    parents = _as_values((*weights, *inputs, bias))
    # Linear.forward's sum, written out on the nodes: unpacking every operand's float into a call
    # costs more than the arithmetic. Same operations in the same order, so the same float
    # (tests/test_performance_paths.py checks it against Linear.forward).
    n = len(weights)
    raw = parents[-1].data
    for weight, x in zip(parents[:n], parents[n:-1]):
        raw += weight.data * x.data
    return _node(Linear, parents, raw)
