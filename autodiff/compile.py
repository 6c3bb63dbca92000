"""Compile a recorded graph into straight-line code: backprop written out, in Python and JavaScript.

    c = compile(loss, [w, b])          # the leaves you will vary; every other leaf is baked in
    value, (d_w, d_b) = c(0.1, 0.0)    # the floats loss.backward() would give, with no graph built
    print(c.source)                    # the derivation as code: the forward pass, then the chain rule

The forward section has one line per node, the backward section one line per chain-rule step
(``d_p`` is d root / d p). Every op's arithmetic comes from its code templates in the op table
(``forward_code`` and ``derivatives_code`` in autodiff.ops), which must give exactly the floats of
the op's own ``forward`` and ``derivatives``. An op without templates still compiles to Python, as
calls to its methods, but has no JavaScript form.

A ``total`` and a ``linear`` node of more than WIDE operands are one call forward and one line
backward (their operands' gradient statements side by side), so a node of any width compiles and
the source stays one line per node each way. A big graph's sum of repeated rows (a full-batch loss:
the same model and loss on every row, autodiff.repeats) is written once, as the body of a loop over
a table of the rows' numbers: a forward loop that keeps what each row's backward reads, and a
backward loop over the rows last to first, so a 1,000-row batch is as short as one row.

Every comparison of the graph's Values that the code building it made (autodiff.guards) becomes a
check: where it would now go the other way, the function raises CompileError naming it. Generated
helpers are reached only through ``_rt``, a name no label can take.

Gradients are accumulated in backward()'s order with backward()'s float operations, so they are the
same floats. Two rewrites keep that exact: ``1.0 * x`` is ``x`` and ``x * -1.0`` is ``-x`` bit for bit,
and the first contribution to a gradient is assigned rather than added to 0.0, which only changes
the sign of a zero; a zero there can only make zeros further down, and the returned gradients get
``+ 0.0`` so a zero comes back as backward()'s +0.0. (The gradients rows share start at 0.0 and
are only added to, for the same reason.)
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import inspect
import json
import keyword
import math
import numbers
import operator
import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from autodiff import guards, ops
from autodiff.backward import gc_paused, topological_order
from autodiff.losses import CLAMPED_LOG_CODE, _clamped_log
from autodiff.repeats import Run, find_runs
from autodiff.text import code_comment, js_string
from autodiff.value import Value

__all__ = ["CompileError", "compile"]


class CompileError(ValueError):
    """A graph or an argument that cannot be compiled, or a compiled function called outside its graph."""


# --- what templates may call ---------------------------------------------------------------------
# Python: the math module, and the table's own helpers where a template needs more than arithmetic.
PYTHON_NAMES: dict[str, Any] = {
    "exp": math.exp,
    "log": math.log,
    "log1p": math.log1p,
    "tanh": math.tanh,
    "fsum": ops.Sum.forward,  # math.fsum with the table's overflow and inf − inf handling
    "power": ops._power,
    "clamped_log": _clamped_log,
    "inf": math.inf,
    "nan": math.nan,
}
TEMPLATE_BUILTINS = ("abs", "max")

JS_FUNCTIONS = {
    "exp": "Math.exp",
    "log": "Math.log",
    "log1p": "Math.log1p",
    "tanh": "Math.tanh",
    "abs": "Math.abs",
    "max": "Math.max",
    "power": "power",
    "fsum": "fsum",
    "clamped_log": "clamped_log",
}

# JavaScript has no fsum: Shewchuk's exact partial sums (what math.fsum does), scaled down when a
# partial sum overflows, and a plain sum when a term is inf or nan (as Sum.forward gives).
JS_FSUM = """const fsum = (terms) => {
    const exact = (values) => {
      const partials = [];
      for (let x of values) {
        let i = 0;
        for (let y of partials) {
          if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
          const hi = x + y;
          const lo = y - (hi - x);
          if (lo !== 0) partials[i++] = lo;
          x = hi;
        }
        partials.length = i;
        partials.push(x);
      }
      return partials.reduce((s, p) => s + p, 0);
    };
    if (!terms.every(Number.isFinite)) return terms.reduce((s, t) => s + t, 0);
    const s = exact(terms);
    if (Number.isFinite(s)) return s;
    const scale = 2 ** (32 - Math.clz32(terms.length - 1));
    return exact(terms.map((t) => t / scale)) * scale;
  };"""

# A wide neuron's raw output in Linear.forward's order: the bias, then each weight × input added in turn.
JS_LINEAR = (
    "const linear = (...a) => { const k = (a.length - 1) / 2; let raw = a[a.length - 1]; "
    "for (let i = 0; i < k; i++) raw += a[i] * a[k + i]; return raw; };"
)

# C's pow (Python's) and JavaScript's ** differ only where C answers 1: 1 ** anything, (−1) ** ±inf.
JS_POWER = "const power = (a, b) => (a === 1 || (a === -1 && Math.abs(b) === Infinity) ? 1 : a ** b);"

JS_RESERVED = frozenset(
    "break case catch class const continue debugger default delete do else enum export extends false finally for "
    "function if implements import in instanceof interface let new null package private protected public return "
    "static super switch this throw true try typeof var void while with yield await arguments eval undefined "
    "NaN Infinity Math Number Error Array Object JSON data grad local leaves parents n fsum clamped_log power linear "
    "pathChanged CHECKS _rt".split()
)
RESERVED = frozenset(
    {*keyword.kwlist, *keyword.softkwlist, *PYTHON_NAMES, *TEMPLATE_BUILTINS, *JS_RESERVED, *dir(builtins)}
)


# --- templates -------------------------------------------------------------------------------------


@cache
def templates(op: type, n_operands: int) -> tuple[tuple[str, ...], ast.expr, tuple[ast.expr, ...]] | None:
    """(parameter names, forward, local derivatives) of ``op`` on n operands as parsed templates, or None."""
    if ops.defining_class(op, "forward_code", "code_for") is None:  # a subclass with its own math: no templates
        return None
    code_for = getattr(op, "code_for", None)
    if code_for is not None:
        params, forward, derivatives = code_for(n_operands)
    else:
        forward, derivatives = getattr(op, "forward_code", None), getattr(op, "derivatives_code", None)
        if forward is None or derivatives is None:
            return None
        params = tuple(inspect.signature(op.forward).parameters)
    if len(params) != n_operands or len(derivatives) != n_operands:
        return None
    return tuple(params), _parse(forward), tuple(_parse(d) for d in derivatives)


def _parse(text: str) -> ast.expr:
    """A template as an expression tree, its whole numbers made floats.

    ``z >= 0.0`` gives the same answer as ``z >= 0``, and CPython compares two floats faster than a
    float and an int.
    """
    tree = ast.parse(text, mode="eval").body
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            node.value = float(node.value)
    return tree


@cache
def _clamped_log_template() -> ast.expr:
    return _parse(CLAMPED_LOG_CODE)


def instantiate(
    template: ast.expr, bindings: dict[str, ast.expr], temporary: Callable[[str], str], temporaries: dict[str, str]
) -> ast.expr:
    """``template`` with its parameters replaced by ``bindings``, its own names (``e := …``) renamed, folded.

    Args:
        template: a code template's expression tree (left unchanged: a copy is made).
        bindings: the expression for each of the template's parameters (``out`` among them).
        temporary: makes the generated code's name for one of the template's own names.
        temporaries: the names made so far, by template name; filled in as names are met.

    Returns:
        The instantiated expression, folded (see ``fold``).
    """

    class Substitute(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            if node.id in bindings:
                return copy.deepcopy(bindings[node.id])
            if node.id in PYTHON_NAMES or node.id in TEMPLATE_BUILTINS:
                return node
            if node.id not in temporaries:
                temporaries[node.id] = temporary(node.id)
            return ast.Name(temporaries[node.id], node.ctx)

    return fold(Substitute().visit(copy.deepcopy(template)))


_NOT_LITERAL = object()


def literal_value(node: ast.expr) -> Any:
    """The number or bool ``node`` spells, or _NOT_LITERAL.

    Args:
        node: an expression: a constant, ``inf``, ``nan``, or minus applied to one.

    Returns:
        Its value, or _NOT_LITERAL when it is not a literal.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.Name) and node.id in ("inf", "nan"):
        return PYTHON_NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = literal_value(node.operand)
        return _NOT_LITERAL if inner is _NOT_LITERAL or isinstance(inner, bool) else -inner
    return _NOT_LITERAL


def literal(x: float | bool) -> ast.expr:
    """The expression for the number ``x``: ``-1.0`` as minus applied to 1.0, so precedence stays right.

    Args:
        x: a number (made a float) or a bool (kept).

    Returns:
        A constant, the name ``inf`` or ``nan``, or minus applied to one of them (-0.0 included).
    """
    if isinstance(x, bool):
        return ast.Constant(x)
    x = float(x)
    if x != x:
        return ast.Name("nan", ast.Load())
    if math.copysign(1.0, x) < 0:
        return ast.UnaryOp(ast.USub(), literal(-x))
    if x == math.inf:
        return ast.Name("inf", ast.Load())
    return ast.Constant(x)


def fold(tree: ast.expr) -> ast.expr:
    """``tree`` with every operation on literals done now, and every conditional on one decided.

    Args:
        tree: an expression tree (changed in place).

    Returns:
        The folded tree.
    """

    class Fold(ast.NodeTransformer):
        def generic_visit(self, node: ast.AST) -> ast.AST:
            node = super().generic_visit(node)
            if isinstance(node, ast.IfExp):
                test = literal_value(node.test)
                if test is not _NOT_LITERAL:
                    return node.body if test else node.orelse
                return node
            if isinstance(node, ast.BoolOp):
                first = literal_value(node.values[0])
                if first is _NOT_LITERAL:
                    return node
                if bool(first) == isinstance(node.op, ast.Or):  # True or …, False and …: decided
                    return node.values[0]
                rest = node.values[1:]
                return rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
            if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Compare)):
                if literal_value(node) is not _NOT_LITERAL:
                    return node
                parts = [node.left, node.right] if isinstance(node, ast.BinOp) else []
                parts += [node.operand] if isinstance(node, ast.UnaryOp) else []
                parts += [node.left, *node.comparators] if isinstance(node, ast.Compare) else []
                values = [literal_value(p) for p in parts]
                if _NOT_LITERAL not in values:
                    try:
                        return literal(_evaluate(node, values))
                    except (ArithmeticError, ValueError, TypeError):
                        return node
            return node

    return Fold().visit(tree)


_OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _evaluate(node: ast.expr, values: list[Any]) -> Any:
    """The value of ``node``, an operation whose operands are the literals ``values`` (same IEEE arithmetic)."""
    if isinstance(node, ast.Compare):
        return all(_OPERATORS[type(o)](a, b) for o, a, b in zip(node.ops, values, values[1:]))
    op = _OPERATORS[type(node.op)]  # type: ignore[attr-defined]
    result = op(*values)
    if isinstance(result, complex):
        raise ValueError("not a real number")
    return result


# --- JavaScript from the same expressions ----------------------------------------------------------

_JS_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_JS_COMPARE = {ast.Eq: "===", ast.NotEq: "!==", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def javascript(node: ast.expr) -> str:
    """``node`` (a template expression, instantiated) as a JavaScript expression.

    Args:
        node: the expression tree.

    Returns:
        The JavaScript text.

    Raises:
        CompileError: the expression uses something with no JavaScript form here.
    """
    value = literal_value(node)
    if value is not _NOT_LITERAL and not isinstance(node, ast.UnaryOp):
        if isinstance(value, bool):
            return "true" if value else "false"
        if value != value:
            return "NaN"
        return "Infinity" if value == math.inf else repr(float(value))
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.UnaryOp):
        operand = javascript(node.operand)
        if isinstance(node.op, ast.USub):
            return f"(-{operand})"
        if isinstance(node.op, ast.Not):
            return f"(!{operand})"
    if isinstance(node, ast.BinOp) and type(node.op) in _JS_BINARY:
        return f"({javascript(node.left)} {_JS_BINARY[type(node.op)]} {javascript(node.right)})"
    if isinstance(node, ast.Compare) and all(type(o) in _JS_COMPARE for o in node.ops):
        terms = [node.left, *node.comparators]
        parts = [
            f"{javascript(a)} {_JS_COMPARE[type(o)]} {javascript(b)}" for a, o, b in zip(terms, node.ops, terms[1:])
        ]
        return f"({' && '.join(parts)})"
    if isinstance(node, ast.BoolOp):
        joiner = " && " if isinstance(node.op, ast.And) else " || "
        return f"({joiner.join(javascript(v) for v in node.values)})"
    if isinstance(node, ast.IfExp):
        return f"({javascript(node.test)} ? {javascript(node.body)} : {javascript(node.orelse)})"
    if isinstance(node, ast.NamedExpr):
        return f"({node.target.id} = {javascript(node.value)})"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "fsum":
        return f"fsum([{', '.join(javascript(a) for a in node.args)}])"  # an array: any number of terms
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in JS_FUNCTIONS:
        return f"{JS_FUNCTIONS[node.func.id]}({', '.join(javascript(a) for a in node.args)})"
    raise CompileError(f"no JavaScript form for {ast.unparse(node)!r}")


def _js_helpers(body: str) -> list[str]:
    """The helper functions a JavaScript body calls, defined inside the function (no globals)."""
    helpers = []
    if "power(" in body:
        helpers.append("  " + JS_POWER)
    if "fsum(" in body:
        helpers.append("  " + JS_FSUM)
    if "linear(" in body:
        helpers.append("  " + JS_LINEAR)
    if "clamped_log(" in body:
        expression = javascript(instantiate(_clamped_log_template(), {}, lambda n: n, {"x": "x"}))
        helpers.append(f"  const clamped_log = (x) => {expression};")
    return helpers


# --- names -----------------------------------------------------------------------------------------


def identifier(label: str) -> str:
    """``label`` made into a name both Python and JavaScript accept (letters, digits, _).

    Never a reserved word or helper name, and never one starting with ``_rt``: the generated code's
    own names (``_rt``, the helpers' namespace; ``_rtv``, ``_rtd``, ``_rtt``, big graphs' arrays) are
    out of any label's reach.

    Args:
        label: a Value's label, any text.

    Returns:
        The label with every character but ASCII letters, digits and ``_`` made ``_``; prefixed with
        ``_`` when empty, starting with a digit or with ``_rt``; suffixed with ``_`` when reserved.
    """
    name = re.sub(r"[^0-9A-Za-z_]", "_", label)
    if not name or name[0].isdigit() or name.startswith("_rt"):
        name = "_" + name
    return name + "_" if name in RESERVED else name


class Names:
    """Hands out distinct identifiers, each as close to the wanted one as it can (``h``, ``h_2``, ``h_3``, …)."""

    def __init__(self) -> None:
        self.used: set[str] = set(RESERVED)
        self.next: dict[str, int] = {}  # per base name, the suffix to try next: a repeated label costs O(1)

    def __call__(self, wanted: str) -> str:
        base = identifier(wanted)
        name = base
        if name in self.used:
            n = self.next.get(base, 2)
            while f"{base}_{n}" in self.used:
                n += 1
            name = f"{base}_{n}"
            self.next[base] = n + 1
        self.used.add(name)
        return name


# --- the compiler ----------------------------------------------------------------------------------


def _check_inputs(nodes: list[Value], inputs: Sequence[Value]) -> tuple[Value, ...]:
    if isinstance(inputs, Value) or not isinstance(inputs, Sequence):
        raise TypeError(f"compile needs a list of input Values, got {type(inputs).__name__} {inputs!r}")
    in_graph = set(nodes)
    seen: set[Value] = set()
    for position, value in enumerate(inputs):
        if not isinstance(value, Value):
            raise TypeError(
                f"compile's inputs must be Values, got {type(value).__name__} {value!r} at position {position}"
            )
        if value not in in_graph:
            raise CompileError(
                f"input {position}, {value!r}, is not a leaf of the graph: the root does not depend on it"
            )
        if value._op is not None:
            raise CompileError(
                f"input {position}, {value!r}, is computed by {value.op!r}, not a leaf of the graph: "
                "only leaves (parameters, data) can be inputs"
            )
        if value in seen:
            raise CompileError(f"input {position}, {value!r}, is given twice: each input can appear once")
        seen.add(value)
    return tuple(inputs)


@dataclass(frozen=True)
class Piece:
    """One template instantiated for a pattern of operands: text with placeholders, in both languages.

    ``_A0_``, ``_A1_``, … stand for the operands that vary, ``_Aout_`` for the output, ``_Te_`` for a
    template's own name ``e``; constants are already in, and folded. ``value`` is the number when
    the whole piece folded to one (else _NOT_LITERAL); ``simple`` says it needs no brackets after ``*``.

    Attributes:
        python: the Python text.
        javascript: the JavaScript text, or None when the piece has no JavaScript form.
        value: the number the whole piece folded to, else _NOT_LITERAL.
        simple: the piece needs no brackets as an operand of ``*``.
    """

    python: str
    javascript: str | None
    value: Any
    simple: bool


# Ops whose templates only do arithmetic with their operands (no test of one, as ``k == 2.0`` in a
# power): a constant operand there is written into the instantiated text, not folded into the
# template, so one piece serves every row of a dataset (each row's features are other constants).
# The floats are the same: folding only does at compile time the operation the code would do.
ARITHMETIC_OPS = frozenset({ops.Add, ops.Sub, ops.Mul, ops.Div, ops.Linear})
CONSTANT = "c"  # in a pattern: a constant operand written in after instantiation


@lru_cache(maxsize=4096)  # patterns repeat within a graph (every hidden neuron alike); constants differ across
def piece(op: type, n: int, pattern: tuple[str | None, ...], which: int) -> Piece | None:
    """Template ``which`` of ``op`` (-1: forward, j: ∂/∂ operand j), with the constants of ``pattern`` (reprs) in."""
    found = templates(op, n)
    if found is None:
        return None
    params, forward, derivatives = found
    bindings: dict[str, ast.expr] = {
        param: ast.Name(f"_A{i}_", ast.Load()) if constant in (None, CONSTANT) else literal(float(constant))
        for i, (param, constant) in enumerate(zip(params, pattern))
    }
    bindings["out"] = ast.Name("_Aout_", ast.Load())
    expression = instantiate(forward if which < 0 else derivatives[which], bindings, lambda t: f"_T{t}_", {})
    try:
        js: str | None = javascript(expression)
    except CompileError:
        js = None
    simple = isinstance(expression, (ast.Name, ast.Constant, ast.Call, ast.Subscript, ast.Attribute, ast.UnaryOp))
    return Piece(ast.unparse(expression), js, literal_value(expression), simple)


_OPERAND = re.compile(r"_A(\d+)_")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_ASSIGNED = re.compile(r"([A-Za-z_]\w*) :=")
_PLACEHOLDER = re.compile(r"_([AT])(\w+?)_")


def fill(text: str, operands: Sequence[str], out: str, temporary: Callable[[str], str]) -> str:
    """``text`` with its placeholders replaced: operands by position, the output, a piece's own names.

    Args:
        text: a Piece's text.
        operands: what ``_A0_``, ``_A1_``, … stand for, in order.
        out: what ``_Aout_`` stands for.
        temporary: the generated code's name for a piece's own name (``_Te_`` → ``temporary("e")``).

    Returns:
        The text with every placeholder replaced.
    """

    def name(match: re.Match[str]) -> str:
        kind, key = match[1], match[2]
        if kind == "T":
            return temporary(key)
        return out if key == "out" else operands[int(key)]

    return _PLACEHOLDER.sub(name, text)


def _number(x: float, language: str) -> str:
    """``x`` as a literal of ``language``: what ``literal(x)`` unparses to, written directly for finite floats."""
    x = float(x)
    if math.isfinite(x):  # the common case, a graph's constants by the thousand: no expression tree
        if language == "python" or math.copysign(1.0, x) > 0:
            return repr(x)
        return f"(-{-x!r})"
    tree = literal(x)
    return ast.unparse(tree) if language == "python" else javascript(tree)


def _operand_number(x: float, language: str) -> str:
    """``x`` as an operand written into a template's text: bracketed when negative (``w - (-3.0)``)."""
    text = _number(x, language)
    return f"({text})" if text.startswith("-") else text


def _times(upstream: tuple[str, str, Any], local: tuple[str, str | None, Any, bool]) -> tuple[str, str | None]:
    """``upstream * local`` in (Python, JavaScript), shorter where that is the same float (1.0·x = x, x·−1.0 = −x)."""
    up_py, up_js, up = upstream
    py, js, value, simple = local
    if up is not _NOT_LITERAL and value is not _NOT_LITERAL:
        return _number(up * value, "python"), _number(up * value, "javascript")
    if value is not _NOT_LITERAL and value == 1.0:
        return up_py, up_js
    if value is not _NOT_LITERAL and value == -1.0:
        return f"-{up_py}", f"(-{up_js})"
    if up is not _NOT_LITERAL and up == 1.0:
        return py, js
    return f"{up_py} * {py if simple else f'({py})'}", None if js is None else f"({up_js} * {js})"


# A linear node up to this many weight × input terms is one expression forward (a call per node
# would cost more than its arithmetic: the moons MLP step ran 1.8× slower through _rt.linear); wider
# ones call _rt.linear, so no expression nests deeper than this in the Python or V8 compiler.
INLINE_TERMS = 200
WIDE = 8  # a linear node with more operands than this is one call and one backward statement, not a line each


@dataclass
class _Check:
    """One of the user's comparisons, as the compiled function re-checks it.

    ``left`` and ``right`` are Values of the graph or the numbers of Values outside it (as compared);
    ``after`` is the node after whose line the check goes (None: before the first line).
    """

    left: Value | float
    op: str
    right: Value | float
    result: bool
    after: Value | None
    text: str = ""


@dataclass
class _Row:
    """A run of repeated rows (autodiff.repeats) written once, as the body of a loop over the rows' numbers.

    The forward loop computes each row and keeps its term and the values its backward reads; the
    backward loop goes over the rows last to first (backward()'s order), each from d term = d sum,
    adding to the shared gradients as backward() does.

    Attributes:
        run: the rows.
        numbers: the name of the table of every row's numbers (one tuple per row).
        terms: the name of the list of the rows' terms (the sum's operands).
        values: the name of the list of each row's kept values.
        counter: the name of a loop counter.
        parameters: the first row's constants that differ between rows, and their names in the loop.
        shared: the nodes outside the rows that the rows use and that vary (their gradients are added to).
        forward: the row's forward, as the main function's (name, Python, JavaScript, op).
        backward: the row's backward, as (Python, JavaScript) per node.
        temporaries: the row's own template names.
        saved: the names the backward reads, kept per row.
    """

    run: Run
    numbers: str
    terms: str
    values: str
    counter: str
    parameters: dict[Value, str]
    shared: list[Value] = field(default_factory=list)
    forward: list[tuple[str | None, str, str | None, str]] = field(default_factory=list)
    backward: list[tuple[str, str | None]] = field(default_factory=list)
    temporaries: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)


# Constant operands these ops take as written numbers (so a row's loop can take them from its table).
WRITTEN_IN = ARITHMETIC_OPS | {ops.Sum}


class _Program:
    """One graph turned into statements, in Python and JavaScript at once."""

    def __init__(self, root: Value, inputs: Sequence[Value], name: object) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"compile needs a Value as its root, got {type(root).__name__} {root!r}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"compile's name needs a str (the function's name), got {type(name).__name__} {name!r}")
        self.root = root
        self.nodes = topological_order(root)
        self.inputs = _check_inputs(self.nodes, inputs)
        self.names = Names()
        varies = set(self.inputs)
        for node in self.nodes:
            if node._op is not None and any(parent in varies for parent in node.parents):
                varies.add(node)
        self.varies = varies
        self.runs = find_runs(self.nodes, varies, WRITTEN_IN)
        copies = {node for run in self.runs for row in run.rows[1:] for node in row}  # written once, as the first row
        # Variable names: labels made identifiers, then v<index in nodes> for the unlabelled.
        self.var: dict[Value, str] = {}
        for i, node in enumerate(self.nodes):
            if node in varies and node not in copies:
                self.var[node] = self.names(node.label or f"v{i}")
        self.function_name = self.names(name or (f"value_and_grad_{root.label}" if root.label else "value_and_grad"))
        self.grad: dict[Value, str] = {
            node: self.names(f"d_{self.var[node]}") for node in self.nodes if node in self.var
        }
        self.rows = [self._name_row(run) for run in self.runs]
        self.row_nodes = {node for run in self.runs for row in run.rows for node in row}
        self.row_ending = {row.run.rows[-1][-1]: row for row in self.rows}  # where the rows' calls go
        self.rows_of_sum: dict[Value, list[_Row]] = {}
        for row in self.rows:
            self.rows_of_sum.setdefault(row.run.total, []).append(row)
        self.row_parameters: dict[Value, str] = {}  # while a row is written: its numbers' names
        self.table_ops: dict[type, str] = {}  # ops without templates, called through their class
        self.temporaries: list[str] = []
        self.checks = self._checks()
        # (name, Python, JavaScript, op) per node; name None for a statement of its own (a check, a row call)
        self.forward: list[tuple[str | None, str, str | None, str]] = []
        # (Python statement, JavaScript statement) per node, in backward()'s order
        self.backward: list[tuple[str, str | None]] = []
        self.local_of: dict[Value, list[tuple[str, str | None, Any, bool]]] = {}
        self._write()

    def _name_row(self, run: Run) -> _Row:
        first = run.constants[0]
        inputs_of_linear = {  # a constant a linear node takes as an input (not a weight): a feature, x
            p for node in run.rows[0] if node._op is ops.Linear for p in node.parents[(len(node.parents) - 1) // 2 : -1]
        }
        parameters: dict[Value, str] = {}
        for group in run.parameters:
            wanted = first[group[0]].label or ("x" if any(first[c] in inputs_of_linear for c in group) else "c")
            name = self.names(wanted)
            parameters.update({first[c]: name for c in group})
        return _Row(
            run,
            self.names("row_numbers"),
            self.names("row_terms"),
            self.names("row_values"),
            self.names("k"),
            parameters,
        )

    def operand(self, node: Value, language: str = "python") -> str:
        if node in self.varies:
            return self.var[node]
        if node in self.row_parameters:
            return self.row_parameters[node]
        return _number(node.data, language)

    def written(self, node: Value, language: str = "python") -> str:
        """``node`` as an operand written into a template's text (a negative number bracketed)."""
        if node in self.varies or node in self.row_parameters:
            return self.operand(node)
        return _operand_number(node.data, language)

    def side(self, side: Value | float, language: str = "python") -> str:
        if isinstance(side, Value) and side in self.varies:
            return self.var[side]
        return _number(side.data if isinstance(side, Value) else side, language)

    def _checks(self) -> list[_Check]:
        """The user's comparisons that built this graph, as checks placed where their operands are known."""
        position = {node: i for i, node in enumerate(self.nodes)}
        children: dict[Value, list[Value]] | None = None
        checks: list[_Check] = []
        done: set[int] = set()
        for node in self.nodes:
            comparisons, forgotten = guards.notes_for(node)
            if not comparisons:
                continue
            if forgotten and node in self.varies:
                raise CompileError(
                    f"{self.var[node]} was compared more than {guards.NOTES_PER_VALUE} times, so its oldest "
                    "comparisons were forgotten and compile cannot tell which path built this graph: "
                    "build the graph again and compile it right away"
                )
            for comparison in comparisons:
                if id(comparison) in done:
                    continue
                done.add(id(comparison))
                left = comparison.left()
                right = comparison.right() if comparison.right is not None else None
                sides = [(left, comparison.left_data), (right, comparison.right_data)]
                in_graph = [v for v, _ in sides if v is not None and v in position]
                if self.root in in_graph:
                    continue  # made after the whole graph existed: it chose nothing in it
                if not any(v in self.varies for v in in_graph):
                    continue  # constants compare the same way on every call
                if children is None:
                    children = _children(self.nodes)
                if not all(_built_with(v, data, children) for v, data in sides if v in in_graph and v._op is None):
                    continue  # about a leaf's earlier number: a graph built before an update, not this one
                left_side: Value | float = left if left in position else comparison.left_data  # type: ignore[assignment]
                right_side: Value | float = right if right in position else comparison.right_data  # type: ignore[assignment]
                computed = [v for v in in_graph if v in self.varies and v._op is not None]
                after = max(computed, key=position.__getitem__) if computed else None  # inputs: known at the start
                check = _Check(left_side, comparison.op, right_side, comparison.result, after)
                check.text = f"{self.side(check.left)} {check.op} {self.side(check.right)}"
                checks.append(check)
        return checks

    def _write(self) -> None:
        checks_after: dict[Value | None, list[int]] = {}
        for k, check in enumerate(self.checks):
            checks_after.setdefault(check.after, []).append(k)
        self.forward += [(None, *self._check_code(k), "") for k in checks_after.get(None, [])]
        for row in self.rows:
            self._write_row(row)
        for node in self.nodes:
            if node._op is None or node not in self.varies:
                continue
            if node in self.row_nodes:  # written in its row's function; the calls go where the last row ends
                if node in self.row_ending:
                    self.forward += self._call_rows(self.row_ending[node])
                continue
            self._forward_node(node, self.forward, self.temporaries)
            self.forward += [(None, *self._check_code(k), "") for k in checks_after.get(node, [])]
        # The gradients the rows add to start at 0.0 and are only ever added to (0.0 + x is x, but for
        # the sign of a zero: see the module's note).
        shared = [self.grad[parent] for parent in dict.fromkeys(p for row in self.rows for p in row.shared)]
        if shared:
            self.backward.append(
                (
                    "\n".join(f"{line} = 0.0  # added to by every row" for line in _chunks(shared, " = ")),
                    f"let {', '.join(f'{grad} = 0' for grad in shared)};",
                )
            )
        started = {parent for row in self.rows for parent in row.shared}
        terms = {term for run in self.runs for term in run.terms}  # their gradient comes from their row's loop
        for node in reversed(self.nodes):
            if node._op is None or node not in self.varies:
                continue
            if node in self.row_nodes:
                if node in self.row_ending:
                    self.backward.append(self._send_rows(self.row_ending[node]))
                continue
            statement = self._backward_node(node, started, terms)
            if statement is not None:
                self.backward.append(statement)

    def _write_row(self, row: _Row) -> None:
        """The first row of a run as its function's forward and backward, its differing numbers as parameters."""
        self.row_parameters = row.parameters
        first = row.run.rows[0]
        for node in first:
            self._forward_node(node, row.forward, row.temporaries)
        inside = set(first)
        shared = {p: None for node in first for p in node.parents if p in self.varies and p not in inside}
        row.shared = list(shared)
        started = set(shared)  # added to, never assigned: other rows add to them too
        for node in reversed(first):
            statement = self._backward_node(node, started, set())
            if statement is not None:
                row.backward.append(statement)
        self.row_parameters = {}
        # the values a row's backward reads: kept per row by the forward loop (the term if none, so a tuple)
        # (a template's own name the backward assigns itself, ``(p_e := exp(-z))``, is its own, not kept)
        backward = "\n".join(line.split("  #")[0] for python, _ in row.backward for line in python.split("\n"))
        used = set(_IDENTIFIER.findall(backward)) - set(_ASSIGNED.findall(backward))
        assigned = set(_ASSIGNED.findall("\n".join(python for _, python, *_ in row.forward)))
        term = self.var[first[-1]]
        temporaries = [t for t in row.temporaries if t in assigned]
        defined = [*dict.fromkeys(row.parameters.values()), *(var for var, *_ in row.forward), *temporaries]
        row.saved = [name for name in dict.fromkeys(defined) if name in used] or [term]

    def _call_rows(self, row: _Row) -> list[tuple[str | None, str, str | None, str]]:
        """Forward statements for a run: a loop over the rows' numbers, keeping each row's term and values."""
        run = row.run
        count, first = len(run.rows), run.first
        parameters = [row.parameters[run.constants[0][group[0]]] for group in run.parameters]
        term = self.var[run.rows[0][-1]]
        head = f"rows {first + 1}-{first + count} of {self.var[run.total]}: "
        head += "each row's forward, its values kept for its backward"
        statements: list[tuple[str | None, str, str | None, str]] = [(None, f"# {head}", f"// {head}", "")]
        if parameters:
            single = len(parameters) == 1
            statements.append((None, f"{row.numbers} = (", f"const {row.numbers} = [", ""))
            for constants in run.constants:
                numbers = [constants[group[0]].data for group in run.parameters]
                python = ", ".join(_number(x, "python") for x in numbers)
                js = ", ".join(_number(x, "javascript") for x in numbers)
                statements.append(
                    (
                        None,
                        f"    {python}," if single else f"    ({python}),",
                        f"  {js}," if single else f"  [{js}],",
                        "",
                    )
                )
            statements.append((None, ")", "];", ""))
            names = parameters[0] if single else ", ".join(parameters)
            loop = (
                f"for {names} in {row.numbers}:",
                f"for (const {names if single else f'[{names}]'} of {row.numbers}) {{",
            )
        else:
            loop = (
                f"for {row.counter} in range({count}):",
                f"for (let {row.counter} = 0; {row.counter} < {count}; {row.counter}++) {{",
            )
        statements.append(
            (None, f"{row.terms}, {row.values} = [], []", f"const {row.terms} = [], {row.values} = [];", "")
        )
        statements.append((None, *loop, ""))
        if row.temporaries:
            statements.append((None, "", f"  let {', '.join(row.temporaries)};", ""))
        for var, python, js, op in row.forward:
            statements.append(
                (None, f"    {var} = {python}  # {op}", None if js is None else f"  const {var} = {js};  // {op}", "")
            )
        saved = ", ".join(row.saved)
        statements.append((None, f"    {row.terms}.append({term})", f"  {row.terms}.push({term});", ""))
        statements.append(
            (
                None,
                f"    {row.values}.append(({saved}{',' if len(row.saved) == 1 else ''}))",
                f"  {row.values}.push([{saved}]);",
                "",
            )
        )
        statements.append((None, "", "}", ""))
        return statements

    def _send_rows(self, row: _Row) -> tuple[str, str | None]:
        """The backward statement for a run: each row's backward, last row first, from d term = d sum."""
        total = row.run.total
        upstream = "1.0" if total is self.root else self.grad[total]  # ∂ sum / ∂ term is 1.0: d term is d sum
        term = row.run.rows[0][-1]
        saved = ", ".join(row.saved)
        python = [
            f"for ({saved}{',' if len(row.saved) == 1 else ''}) in reversed({row.values}):  "
            "# each row's backward, last row first (backward()'s order)",
            f"    {self.grad[term]} = {upstream}  "
            f"# {code_comment(total.op)}: ∂{self.var[total]}/∂ the row's term is 1.0",
        ]
        k = row.counter
        own = [t for t in row.temporaries if t not in row.saved]  # the backward's own template names
        js = [
            f"for (let {k} = {row.values}.length - 1; {k} >= 0; {k}--) {{",
            f"    const [{saved}] = {row.values}[{k}];",
            *([f"    let {', '.join(own)};"] if own else []),
            f"    const {self.grad[term]} = {upstream};",
        ]
        for statement_python, statement_js in row.backward:
            python += [f"    {line}" for line in statement_python.split("\n")]
            js.append(f"    {statement_js}")
        js.append("  }")
        no_js = any(statement_js is None for _, statement_js in row.backward)
        return "\n".join(python), None if no_js else "\n".join(js)

    def _forward_node(
        self, node: Value, forward: list[tuple[str | None, str, str | None, str]], temporaries: list[str]
    ) -> None:
        """Append ``node``'s forward line; keep its local derivatives, as code, for the backward."""
        parents = node.parents
        var = self.var[node]
        wide = node._op is ops.Sum or (node._op is ops.Linear and len(parents) > WIDE)
        if wide and _exact_op(node._op):
            if node._op is ops.Sum:
                args_py, args_js = self._sum_args("python", node), self._sum_args("javascript", node)
                python, js = f"fsum({', '.join(args_py)})", f"fsum([{', '.join(args_js)}])"
            else:
                args_py = [self.operand(p) for p in parents]
                args_js = [self.operand(p, "javascript") for p in parents]
                if len(parents) <= 2 * INLINE_TERMS + 1:  # b + w1*x1 + …: Linear.forward's additions, in its order
                    python, js = _linear_expression(args_py), _linear_expression(args_js)
                else:
                    python, js = f"_rt.linear({', '.join(args_py)})", f"linear({', '.join(args_js)})"
            forward.append((var, python, js, code_comment(node.op)))
            self.local_of[node] = self._wide_locals(node)
            return
        textual = node._op in ARITHMETIC_OPS
        pattern = tuple(None if p in self.varies else CONSTANT if textual else repr(p.data) for p in parents)
        names: dict[str, str] = {}

        def temporary(wanted: str, var: str = var, names: dict[str, str] = names) -> str:
            if wanted not in names:
                names[wanted] = self.names(f"{var}_{wanted}")
                temporaries.append(names[wanted])
            return names[wanted]

        # _A<j>_ is operand j: a name, or a constant's number (others' constants are folded in)
        slots = [self.written(p) for p in parents]
        slots_js = [self.written(p, "javascript") for p in parents]
        code = piece(node._op, len(parents), pattern, -1)
        if code is None:  # an op from outside the table: call its own methods
            op = self.table_ops.setdefault(node._op, self.names(node._op.__name__))
            args = ", ".join(self.operand(p) for p in parents)
            forward.append((var, f"{op}.forward({args})", None, code_comment(node.op)))
            self.local_of[node] = [
                (f"{op}.derivatives({args}, {var})[{j}]", None, _NOT_LITERAL, True) for j in range(len(parents))
            ]
            return
        forward.append(
            (
                var,
                fill(code.python, slots, var, temporary),
                None if code.javascript is None else fill(code.javascript, slots_js, var, temporary),
                code_comment(node.op),
            )
        )
        locals_here = []
        for j, parent in enumerate(parents):
            if parent not in self.varies:
                locals_here.append(("", None, _NOT_LITERAL, True))  # no gradient flows there
                continue
            d = piece(node._op, len(parents), pattern, j)
            assert d is not None
            js = None if d.javascript is None else fill(d.javascript, slots_js, var, temporary)
            value = d.value
            written = _OPERAND.fullmatch(d.python)  # the derivative is an operand (∂(w·x)/∂w = x)
            if written:
                operand = parents[int(written[1])]
                if operand not in self.varies and operand not in self.row_parameters:
                    value = operand.data  # a constant: its number, so ×1.0 and ×−1.0 simplify
            locals_here.append((fill(d.python, slots, var, temporary), js, value, d.simple))
        self.local_of[node] = locals_here

    def _sum_args(self, language: str, node: Value) -> list[str]:
        """A Sum's operands as code, each run of rows as its list of terms spread in (``*terms``, ``...terms``)."""
        runs = {row.run.first: row for row in self.rows_of_sum.get(node, [])}
        args, k = [], 0
        while k < len(node.parents):
            if k in runs:
                row = runs[k]
                args.append(f"*{row.terms}" if language == "python" else f"...{row.terms}")
                k += len(row.run.rows)
            else:
                args.append(self.operand(node.parents[k], language))
                k += 1
        return args

    def _backward_node(self, node: Value, started: set[Value], skip: set[Value]) -> tuple[str, str | None] | None:
        """``node``'s chain-rule statements: its gradient times each local derivative, added to its operands'.

        ``started`` holds the operands already given a gradient (the next contribution adds; the first
        assigns); ``skip`` the operands whose gradient goes elsewhere (rows' terms). None: no statement.
        """
        if node is self.root:
            upstream: tuple[str, str, Any] = ("1.0", "1.0", 1.0)
        else:
            upstream = (self.grad[node], self.grad[node], _NOT_LITERAL)
        steps = []  # (grad, first?, Python, JS) per operand a gradient flows to
        for j, parent in enumerate(node.parents):
            if parent not in self.varies or parent in skip:
                continue
            py, js = _times(upstream, self.local_of[node][j])
            steps.append((self.grad[parent], parent not in started, py, js))
            started.add(parent)
        if not steps:
            return None
        where = f"# {code_comment(node.op)}: ∂{self.var[node]}/∂ its operands"
        if len(steps) > 1 and len(node.parents) > WIDE:
            # one line for a wide node: its operands' gradient statements side by side (one tuple
            # assignment instead ran the moons MLP step 2× slower)
            python = "; ".join(f"{grad} {'=' if first else '+='} {py}" for grad, first, py, _ in steps)
            python += f"  {where}"  # one line: one node
        else:
            python = "\n".join(
                f"{grad} {'=' if first else '+='} {py}  # {code_comment(node.op)}: ∂{self.var[node]}/∂{grad[2:]}"
                for grad, first, py, _ in steps
            )
        if any(js is None for *_, js in steps):
            javascript_text = None
        else:
            javascript_text = " ".join(
                f"{'let ' if first else ''}{grad} {'=' if first else '+='} {js};" for grad, first, _, js in steps
            )
        return python, javascript_text

    def _wide_locals(self, node: Value) -> list[tuple[str, str | None, Any, bool]]:
        """∂node/∂operand for a sum (1.0 each) or a linear node (∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1.0), as code."""
        parents = node.parents
        if node._op is ops.Sum:
            return [("1.0", "1.0", 1.0, True)] * len(parents)
        k = (len(parents) - 1) // 2
        partner = [*parents[k : 2 * k], *parents[:k]]  # ∂/∂wᵢ is xᵢ, ∂/∂xᵢ is wᵢ
        out = []
        for other in partner:
            if other in self.varies or other in self.row_parameters:
                out.append((self.operand(other), self.operand(other), _NOT_LITERAL, True))
            else:
                out.append((_number(other.data, "python"), _number(other.data, "javascript"), other.data, True))
        out.append(("1.0", "1.0", 1.0, True))
        return out

    def _check_code(self, k: int) -> tuple[str, str]:
        """Check ``k`` as a (Python, JavaScript) statement: raise if the comparison now goes the other way."""
        check = self.checks[k]
        python = f"{self.side(check.left)} {check.op} {self.side(check.right)}"
        js = f"{self.side(check.left, 'javascript')} {check.op} {self.side(check.right, 'javascript')}"
        return (
            f"if {'not ' if check.result else ''}({python}): raise _rt.path_changed({k})",
            f"if ({'!' if check.result else ''}({js})) throw pathChanged({k});",
        )


def _linear_expression(operands: Sequence[str]) -> str:
    """``b + w1 * x1 + … + wn * xn`` from (w1…wn, x1…xn, b) as written operands.

    Left to right, as Linear.forward adds them, so the number is the same to the last bit.
    """
    k = (len(operands) - 1) // 2
    return " + ".join([operands[-1], *(f"{w} * {x}" for w, x in zip(operands[:k], operands[k : 2 * k]))])


def _exact_op(op: type) -> bool:
    """Whether ``op`` is the table's own Sum or Linear (a subclass may have changed the math)."""
    return op in (ops.Sum, ops.Linear)


def _children(nodes: list[Value]) -> dict[Value, list[Value]]:
    """The nodes computed directly from each node, within ``nodes``."""
    children: dict[Value, list[Value]] = {}
    for node in nodes:
        for parent in node.parents:
            children.setdefault(parent, []).append(node)
    return children


def _built_with(leaf: Value, data: float, children: dict[Value, list[Value]]) -> bool:
    """Whether the graph may have been built while ``leaf`` held ``data``.

    True when the leaf holds ``data`` now, or when one of its children's numbers comes out again
    from ``data`` (the other operands at their numbers now). When no child can tell (another operand
    changed too), True: a check too many can only refuse a call, a check too few gives wrong numbers.
    """
    if leaf.data == data or (data != data and leaf.data != leaf.data):
        return True
    told = False
    for child in children.get(leaf, ()):
        try:
            now = child._op.forward(*[p.data for p in child.parents])  # type: ignore[union-attr]
            then = child._op.forward(*[data if p is leaf else p.data for p in child.parents])  # type: ignore[union-attr]
        except (ArithmeticError, ValueError):
            continue
        if _same(then, child.data):
            return True
        if _same(now, child.data):
            told = True  # this child was built from the leaf's number now, not from ``data``
    return not told


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _listing(items: Sequence[str], indent: str = "        ", width: int = 100) -> str:
    """``items`` comma-separated for inside brackets: one line if short, else wrapped, one block per ``width``."""
    text = ", ".join(items)
    if len(text) <= width:
        return text
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(item) + 2 > width:
            lines.append(line + ",")
            line = item
        else:
            line = f"{line}, {item}" if line else item
    lines.append(line)
    inner = indent + "    "
    return "\n" + "\n".join(inner + text for text in lines) + "\n" + indent


def _python_source(program: _Program) -> str:
    params = [program.var[v] for v in program.inputs]
    name = program.function_name
    one = "," if len(params) == 1 else ""
    lines = [f"def {name}({_listing(params, '')}):"]
    # numbers only, as floats, before any arithmetic: a complex or a 400-digit integer gets one sentence
    if 0 < len(params) <= 4:
        floats = " or ".join(f"type({p}) is not float" for p in params)
        lines.append(f"    if {floats}: {', '.join(params)}{one} = _rt.numbers({', '.join(params)})")
    elif params:
        arguments = _listing(params, "    ")
        lines.append(f"    if not _rt.all_floats(({arguments}{one})):")
        lines.append(f"        ({arguments}) = _rt.numbers({arguments})")
    each = "one line per node" + (", a sum's repeated rows as one loop" if program.rows else "")
    lines += ["    try:", f"        # forward: {each}"]
    for var, python, _, op in program.forward:
        if var is None:  # a statement of its own: a check of a comparison the code made, or the rows' loop
            if python:
                lines.append(f"        {python}")
        else:
            lines.append(f"        {var} = {python}  # {op}")
    lines.append(
        f"        # backward: d_v = d {program.var.get(program.root, 'root')} / d v, one line per chain-rule step"
    )
    for python, _ in program.backward:
        lines.extend(f"        {line}" for line in python.split("\n"))
    value = program.operand(program.root)
    grads = [f"{program.grad[v]} + 0.0" if v is not program.root else "1.0" for v in program.inputs]
    lines.append(f"        return {value}, ({_listing(grads)}{one})  # + 0.0: a zero is +0.0")
    arguments = f"({_listing(params)}{one})"
    if program.checks:  # CompileError is a ValueError: keep the next clause from rewording it
        lines.append("    except _rt.CompileError:  # a comparison that would now go the other way: said as it is")
        lines.append("        raise")
    lines.append("    except (ArithmeticError, ValueError):  # no value at these numbers: the engine's own words")
    lines.append(f"        _rt.engine_error({arguments})")
    lines.append("        raise")
    return "\n".join(lines) + "\n"


def _chunks(items: Sequence[str], joiner: str, width: int = 90) -> list[str]:
    """``items`` joined by ``joiner`` into lines of about ``width`` characters."""
    lines: list[str] = []
    line: list[str] = []
    for item in items:
        if line and len(joiner.join([*line, item])) > width:
            lines.append(joiner.join(line))
            line = []
        line.append(item)
    if line:
        lines.append(joiner.join(line))
    return lines


def _no_javascript(op: type) -> CompileError:
    return CompileError(
        f"the op {op.__name__} ({getattr(op, 'name', '?')!r}) has no JavaScript form: it has no code templates"
    )


def _js_json(data: object) -> str:
    """``data`` as a JavaScript literal (JSON, with < and > escaped so a page's <script> cannot end early)."""
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _javascript_checks(program: _Program, name: str) -> list[str]:
    """The JavaScript that names a failed check: ``pathChanged(k)`` makes the thrown Error."""
    if not program.checks:
        return []
    table = [[check.text, check.result] for check in program.checks]
    return [
        f"  const CHECKS = {_js_json(table)};  // [comparison, recorded result] per check",
        "  const pathChanged = (k) => {",
        "    const [comparison, recorded] = CHECKS[k];",
        f"    const error = new Error({js_string(name + ': the graph was recorded where ')} + comparison + "
        "' was ' + (recorded ? 'True' : 'False') + ', but for these numbers it is ' + (recorded ? 'False' : 'True') + "
        "', so the code that built the graph would take another path: build and compile it again');",
        "    error.name = 'CompileError';",
        "    error.comparison = comparison;",
        "    error.recorded = recorded;",
        "    return error;",
        "  };",
    ]


# Beyond this many named values, JavaScript keeps them in arrays: V8 runs out of stack compiling a
# function with ~80,000 local variables, and an array element costs it nothing to compile.
JS_LOCALS = 20_000
_JS_NAME = re.compile(r"((?<![\w.])[A-Za-z_]\w*)")


def _javascript_source(program: _Program, name: str) -> str:
    if program.table_ops:
        raise _no_javascript(next(iter(program.table_ops)))
    body: list[str] = []
    for var, _, js, op in program.forward:
        if js is None:
            raise CompileError("a node has no JavaScript form")
        body.append(f"  {js}" if var is None else f"  const {var} = {js};  // {op}")
    for _, js in program.backward:
        if js is None:
            raise CompileError("a node has no JavaScript form")
        body.append(f"  {js}")
    head = [f"  let {', '.join(program.temporaries)};"] if program.temporaries else []
    value = program.operand(program.root, "javascript")
    grads = [program.grad[v] if v is not program.root else "1" for v in program.inputs]
    params = ", ".join(program.var[v] for v in program.inputs)
    if len(program.var) + len(program.temporaries) > JS_LOCALS:
        body, head, value, grads = _in_arrays(program, body, value, grads)
    text = "\n".join([*_js_helpers("\n".join(body)), *_javascript_checks(program, name), *head, *body])
    body_text = f"{text}\n" if text else ""
    return f"function {name}({params}) {{\n{body_text}  return [{value}, [{', '.join(grads)}]];\n}}\n"


def _in_arrays(
    program: _Program, body: list[str], value: str, grads: list[str]
) -> tuple[list[str], list[str], str, list[str]]:
    """The statements with every value, gradient and temporary as an element of _rtv, _rtd or _rtt (inputs stay)."""
    ref: dict[str, str] = {}
    # kept as they are: the inputs, the rows' own names (a loop's block) and the gradients rows add to
    inputs = set(program.inputs)
    shared = {parent for row in program.rows for parent in row.shared}
    for k, node in enumerate(program.var):
        if node in program.row_nodes:
            continue
        if node not in inputs:
            ref[program.var[node]] = f"_rtv[{k}]"
        if node not in shared:
            ref[program.grad[node]] = f"_rtd[{k}]"
    ref.update({temporary: f"_rtt[{k}]" for k, temporary in enumerate(program.temporaries)})

    def rename(text: str) -> str:
        # split, not a callback per name: a 100,000-node graph has a million names to look up
        parts = _JS_NAME.split(text)  # names at the odd places
        names = parts[1::2]
        renamed = [ref.get(name, name) for name in names]
        for j in [j for j, name in enumerate(names) if name == "const" or name == "let"]:
            if j + 1 < len(names) and names[j + 1] in ref and parts[2 * j + 2] == " ":
                renamed[j], parts[2 * j + 2] = "", ""  # an array element is not declared
        parts[1::2] = renamed
        return "".join(parts)

    body = rename("\n".join(body)).split("\n")
    head = [
        f"  const _rtv = new Array({len(program.var)}), _rtd = new Array({len(program.var)}), "
        f"_rtt = new Array({len(program.temporaries)});"
    ]
    return body, head, rename(value), [rename(g) for g in grads]


def _javascript_trace(program: _Program, name: str) -> str:
    """JS ``function name(leaves)``: every node's data, grad and local derivatives, for pages.

    Returns ``{data, grad, local}``, or, when one of the user's comparisons would go the other way at
    these leaves, ``{pathChanged: {comparison, recorded, now, message}}`` and no numbers (the graph
    is not the one the user's code would build there).
    """
    index = {node: i for i, node in enumerate(program.nodes)}
    body = [
        f"  const n = {len(program.nodes)};",
        "  const data = new Array(n), grad = new Array(n).fill(0), local = new Array(n);",
    ]
    checks_after: dict[int, list[_Check]] = {}
    for check in program.checks:
        operands = [v for v in (check.left, check.right) if isinstance(v, Value)]
        checks_after.setdefault(max(index[v] for v in operands), []).append(check)

    def side(v: Value | float) -> str:
        return f"data[{index[v]}]" if isinstance(v, Value) else _number(v, "javascript")

    leaf = 0
    temporaries: list[str] = []
    parents_of: list[list[int]] = []
    for i, node in enumerate(program.nodes):
        parents = node.parents
        parents_of.append([index[p] for p in parents])
        if node._op is None:
            body.append(f"  data[{i}] = leaves[{leaf}];  local[{i}] = [];")
            leaf += 1
        elif _exact_op(node._op) and (node._op is ops.Sum or len(parents) > WIDE):
            args = ", ".join(f"data[{index[p]}]" for p in parents)
            if node._op is ops.Sum:
                body.append(f"  data[{i}] = fsum([{args}]);  local[{i}] = new Array({len(parents)}).fill(1);")
            else:
                k = (len(parents) - 1) // 2
                partner = [*parents[k : 2 * k], *parents[:k]]
                body.append(f"  data[{i}] = linear({args});  // {code_comment(node.op)}")
                body.append(f"  local[{i}] = [{', '.join(f'data[{index[p]}]' for p in partner)}, 1];")
        else:
            pattern = (None,) * len(parents)  # every leaf may be set by the page: nothing is a constant
            own: dict[str, str] = {}

            def temporary(wanted: str, own: dict[str, str] = own) -> str:
                if wanted not in own:  # an element of t, not a local: a big graph would need too many
                    own[wanted] = f"t[{len(temporaries)}]"
                    temporaries.append(own[wanted])
                return own[wanted]

            slots = [f"data[{index[p]}]" for p in parents]
            pieces = [piece(node._op, len(parents), pattern, which) for which in range(-1, len(parents))]
            if any(p is None or p.javascript is None for p in pieces):
                raise _no_javascript(node._op)
            forward, *derivatives = [fill(p.javascript, slots, f"data[{i}]", temporary) for p in pieces]  # type: ignore[union-attr,arg-type]
            body.append(f"  data[{i}] = {forward};  // {code_comment(node.op)}")
            body.append(f"  local[{i}] = [{', '.join(derivatives)}];")
        for check in checks_after.get(i, []):
            condition = f"{side(check.left)} {check.op} {side(check.right)}"
            failed = _path_changed("the page", check.text, check.result).args[0]
            report = (
                f"{{comparison: {js_string(check.text)}, recorded: {'true' if check.result else 'false'}, "
                f"now: {'false' if check.result else 'true'}, message: {js_string(failed)}}}"
            )
            body.append(f"  if ({'!' if check.result else ''}({condition})) return {{pathChanged: {report}}};")
    # backward()'s order: nodes last to first, each node's operands in order
    body.append(f"  const parents = {json.dumps(parents_of, separators=(',', ':'))};")
    body.append(f"  grad[{index[program.root]}] += 1;")
    body.append("  for (let i = n - 1; i >= 0; i--) {")
    body.append("    const ps = parents[i], li = local[i];")
    body.append("    for (let j = 0; j < ps.length; j++) grad[ps[j]] += grad[i] * li[j];")
    body.append("  }")
    head = [f"  const t = new Array({len(temporaries)});"] if temporaries else []
    text = "\n".join([*_js_helpers("\n".join(body)), *head, *body])
    return f"function {name}(leaves) {{\n{text}\n  return {{data, grad, local}};\n}}\n"


def _path_changed(function: str, comparison: str, recorded: bool) -> CompileError:
    """The error a compiled function raises when one of the user's comparisons would now go the other way."""
    return CompileError(
        f"{function}: the graph was recorded where {comparison} was {recorded}, but for these numbers it is "
        f"{not recorded}, so the code that built the graph would take another path: build and compile it again"
    )


def _engine_error(nodes: list[Value], inputs: tuple[Value, ...], arguments: tuple[float, ...]) -> None:
    """Raise the error the engine gives for this graph at ``arguments`` (its ops' forward, node by node), if any.

    A compiled function calls it when its arithmetic failed, so a log of a negative number reads as
    the engine says it, naming the value, rather than as Python's "math domain error".
    """
    given = dict(zip(inputs, arguments))
    data: dict[Value, float] = {}
    for node in nodes:
        if node._op is None:
            data[node] = given.get(node, node.data)
            continue
        try:
            data[node] = node._op.forward(*[data[parent] for parent in node.parents])
        except (ArithmeticError, ValueError) as error:
            raise error from None


def _real_argument(function: str, argument: object, position: int) -> float:
    """``argument`` as a float, or one sentence naming it: not a real number, or beyond double range."""
    if not isinstance(argument, numbers.Real):
        raise TypeError(
            f"{function}() needs real numbers, got {type(argument).__name__} {argument!r} as argument {position}"
        )
    try:
        return float(argument)
    except OverflowError:
        raise ValueError(
            f"{function}() needs numbers within double range (±1.8e308), got an integer of "
            f"{len(str(abs(int(argument))))} digits as argument {position}"
        ) from None


def _runtime(program: _Program) -> types.SimpleNamespace:
    """``_rt``, the one name the generated Python reads its helpers from (no label can become ``_rt``)."""
    name = program.function_name

    def path_changed(k: int) -> CompileError:
        check = program.checks[k]
        return _path_changed(name, check.text, check.result)

    return types.SimpleNamespace(
        CompileError=CompileError,
        path_changed=path_changed,
        all_floats=lambda arguments: all(type(a) is float for a in arguments),
        numbers=lambda *arguments: tuple(_real_argument(name, a, i + 1) for i, a in enumerate(arguments)),
        engine_error=functools.partial(_engine_error, program.nodes, program.inputs),
        linear=ops.Linear.forward,
    )


def compile(
    root: Value, inputs: Sequence[Value], *, name: str | None = None
) -> Callable[..., tuple[float, tuple[float, ...]]]:  # noqa: A001
    """``root`` and its gradient as one straight-line function of ``inputs``: f(*numbers) -> (value, gradients).

    The function carries ``source`` (its Python), ``javascript`` (the same in JavaScript),
    ``javascript_trace(name)`` (every node's data, grad and local derivatives, for pages), ``nodes``
    (topological_order(root)) and ``inputs``. Leaves not in ``inputs`` are baked in at their current data.

    Every comparison of this graph's Values that the code building it made (``if p >= 0.5``) is
    checked on each call: where it would now come out the other way, the function raises
    CompileError naming it rather than give the numbers of the recorded path (see autodiff.guards).

    Args:
        root: the Value to differentiate (a loss).
        inputs: the leaves the function takes as arguments, in order.
        name: the function's name in its source (default ``value_and_grad`` or ``value_and_grad_<label>``).

    Returns:
        f(*numbers) -> (value, (d root/d input, …)), with the attributes above.

    Raises:
        TypeError: ``root`` is not a Value, ``inputs`` not a list of Values, ``name`` not a str.
        CompileError: an input is not a leaf of the graph or is given twice, or a compared Value's
            oldest comparisons were forgotten.
    """
    with gc_paused():  # the statements are many small objects, and none is garbage: full collections only cost
        return _compile(root, inputs, name)


def _compile(root: Value, inputs: Sequence[Value], name: object) -> Callable[..., tuple[float, tuple[float, ...]]]:
    program = _Program(root, inputs, name)
    source = _python_source(program)
    namespace: dict[str, Any] = {**PYTHON_NAMES, "_rt": _runtime(program)}
    namespace.update({alias: op for op, alias in program.table_ops.items()})
    # The one place generated code runs: text this module wrote from the op table's templates, numbers
    # and names made into identifiers; nothing a user or a file supplies reaches it as code.
    exec(builtins.compile(source, f"<compiled {program.function_name}>", "exec"), namespace)  # noqa: S102
    function = namespace[program.function_name]
    function.source = source
    function.nodes = program.nodes
    function.inputs = program.inputs
    function.javascript_trace = lambda name="trace": _javascript_trace(program, identifier(name))
    try:
        function.javascript = _javascript_source(program, program.function_name)
    except CompileError as error:
        function.javascript_error = error
        return _NoJavaScript(function)
    return function


class _NoJavaScript:
    """A compiled function whose graph has an op with no JavaScript form: ``javascript`` raises."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self._function = function
        self.source, self.nodes, self.inputs = function.source, function.nodes, function.inputs
        self.javascript_trace = function.javascript_trace
        self.__name__ = function.__name__

    def __call__(self, *numbers: float) -> tuple[float, tuple[float, ...]]:
        return self._function(*numbers)

    @property
    def javascript(self) -> str:
        raise self._function.javascript_error
