"""Compile a recorded graph into straight-line code: backprop written out, in Python and JavaScript.

    c = compile(loss, [w, b])          # the leaves you will vary; every other leaf is baked in
    value, (d_w, d_b) = c(0.1, 0.0)    # the floats loss.backward() would give, with no graph built
    print(c.source)                    # the derivation as code: the forward pass, then the chain rule

The forward section has one line per node, the backward section one line per chain-rule step
(``d_p`` is d root / d p). Every op's arithmetic comes from its code templates in the op table
(``forward_code`` and ``derivatives_code`` in autodiff.ops), which must give exactly the floats of
the op's own ``forward`` and ``derivatives``. An op without templates still compiles to Python, as
calls to its methods, but has no JavaScript form.

Gradients are accumulated in backward()'s order with backward()'s float operations, so they are the
same floats. Two rewrites keep that exact: ``1.0 * x`` is ``x`` and ``x * -1.0`` is ``-x`` bit for bit,
and the first contribution to a gradient is assigned rather than added to 0.0, which only changes
the sign of a zero; a zero there can only make zeros further down, and the returned gradients get
``+ 0.0`` so a zero comes back as backward()'s +0.0.
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import inspect
import keyword
import math
import numbers
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from autodiff import ops
from autodiff import value as value_module
from autodiff.backward import topological_order
from autodiff.losses import CLAMPED_LOG_CODE, _clamped_log
from autodiff.text import code_comment, js_string
from autodiff.value import Value, _same

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
JS_FSUM = """const fsum = (...terms) => {
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

# C's pow (Python's) and JavaScript's ** differ only where C answers 1: 1 ** anything, (−1) ** ±inf.
JS_POWER = "const power = (a, b) => (a === 1 || (a === -1 && Math.abs(b) === Infinity) ? 1 : a ** b);"

JS_RESERVED = frozenset(
    "break case catch class const continue debugger default delete do else enum export extends false finally for "
    "function if implements import in instanceof interface let new null package private protected public return "
    "static super switch this throw true try typeof var void while with yield await arguments eval undefined "
    "NaN Infinity Math Number Error Array Object data grad local leaves fsum clamped_log power".split()
)
RESERVED = frozenset(
    {*keyword.kwlist, *keyword.softkwlist, *PYTHON_NAMES, *TEMPLATE_BUILTINS, *JS_RESERVED, *dir(builtins)}
)


# --- templates -------------------------------------------------------------------------------------


@cache
def templates(op: type, n_operands: int) -> tuple[tuple[str, ...], ast.expr, tuple[ast.expr, ...]] | None:
    """(parameter names, forward, local derivatives) of ``op`` on n operands as parsed templates, or None."""
    # Templates belong to the class that defines them: a subclass with its own forward or derivatives
    # (say, a variant of Sigmoid) must not inherit text that no longer matches its methods.
    owner = next((c for c in op.__mro__ if "forward_code" in c.__dict__ or "code_for" in c.__dict__), None)
    if owner is None or op.forward is not owner.forward or op.derivatives is not owner.derivatives:
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
    """A template as an expression tree, its whole numbers made floats (``z >= 0.0``: the same answer,
    and CPython compares two floats faster than a float and an int)."""
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
    """``template`` with its parameters replaced by ``bindings``, its own names (``e := …``) renamed, folded."""

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
    """The number or bool ``node`` spells, or _NOT_LITERAL."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.Name) and node.id in ("inf", "nan"):
        return PYTHON_NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = literal_value(node.operand)
        return _NOT_LITERAL if inner is _NOT_LITERAL or isinstance(inner, bool) else -inner
    return _NOT_LITERAL


def literal(x: float | bool) -> ast.expr:
    """The expression for the number ``x``: ``-1.0`` as minus applied to 1.0, so precedence stays right."""
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
    """``tree`` with every operation on literals done now, and every conditional on one decided."""

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
    """``node`` (a template expression, instantiated) as a JavaScript expression."""
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
    if "clamped_log(" in body:
        expression = javascript(instantiate(_clamped_log_template(), {}, lambda n: n, {"x": "x"}))
        helpers.append(f"  const clamped_log = (x) => {expression};")
    return helpers


# --- names -----------------------------------------------------------------------------------------


def identifier(label: str) -> str:
    """``label`` made into a name both Python and JavaScript accept (letters, digits, _)."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", label)
    if not name or name[0].isdigit():
        name = "_" + name
    return name + "_" if name in RESERVED else name


class Names:
    """Hands out distinct identifiers, each as close to the wanted one as it can."""

    def __init__(self) -> None:
        self.used: set[str] = set(RESERVED)

    def __call__(self, wanted: str) -> str:
        base = identifier(wanted)
        name, n = base, 2
        while name in self.used:
            name, n = f"{base}_{n}", n + 1
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
    """

    python: str
    javascript: str | None
    value: Any
    simple: bool


@lru_cache(maxsize=4096)  # patterns repeat within a graph (every hidden neuron alike); constants differ across
def piece(op: type, n: int, pattern: tuple[str | None, ...], which: int) -> Piece | None:
    """Template ``which`` of ``op`` (-1: forward, j: ∂/∂ operand j), with the constants of ``pattern`` (reprs) in."""
    found = templates(op, n)
    if found is None:
        return None
    params, forward, derivatives = found
    bindings: dict[str, ast.expr] = {
        param: ast.Name(f"_A{i}_", ast.Load()) if constant is None else literal(float(constant))
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


_PLACEHOLDER = re.compile(r"_([AT])(\w+?)_")


def fill(text: str, operands: Sequence[str], out: str, temporary: Callable[[str], str]) -> str:
    """``text`` with its placeholders replaced: operands by position, the output, a piece's own names."""

    def name(match: re.Match[str]) -> str:
        kind, key = match[1], match[2]
        if kind == "T":
            return temporary(key)
        return out if key == "out" else operands[int(key)]

    return _PLACEHOLDER.sub(name, text)


def _number(x: float, language: str) -> str:
    tree = literal(x)
    return ast.unparse(tree) if language == "python" else javascript(tree)


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


class _Program:
    """One graph turned into statements, in Python and JavaScript at once."""

    def __init__(self, root: Value, inputs: Sequence[Value], name: str | None) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"compile needs a Value as its root, got {type(root).__name__} {root!r}")
        self.root = root
        self.nodes = topological_order(root)
        self.inputs = _check_inputs(self.nodes, inputs)
        self.names = Names()
        varies = set(self.inputs)
        for node in self.nodes:
            if node._op is not None and any(parent in varies for parent in node.parents):
                varies.add(node)
        self.varies = varies
        # Variable names: labels made identifiers, then v<index in nodes> for the unlabelled.
        self.var: dict[Value, str] = {}
        for i, node in enumerate(self.nodes):
            if node in varies:
                self.var[node] = self.names(node.label or f"v{i}")
        self.function_name = self.names(name or (f"value_and_grad_{root.label}" if root.label else "value_and_grad"))
        self.grad: dict[Value, str] = {node: self.names(f"d_{self.var[node]}") for node in self.nodes if node in varies}
        self.table_ops: dict[type, str] = {}  # ops without templates, called through their class
        self.temporaries: list[str] = []
        # (name, Python, JavaScript, op) per node; name None for a check of the user's comparisons
        self.forward: list[tuple[str | None, str, str | None, str]] = []
        self.backward: list[tuple[str, bool, str, str | None, str]] = []  # (grad, first?, Python, JS, comment)
        self._write()

    def operand(self, node: Value, language: str = "python") -> str:
        return self.var[node] if node in self.varies else _number(node.data, language)

    def _guards(self) -> dict[Value | None, list[tuple[str, str | None, str]]]:
        """The user's comparisons on this graph's Values, as checks placed where their operands are known.

        Keyed by the node after whose line the check goes (None: at the start, inputs only); each
        check is (Python statement, JavaScript statement, the comparison as text).
        """
        by_id = {id(node): node for node in self.nodes}
        position = {node: i for i, node in enumerate(self.nodes)}
        checks: dict[Value | None, list[tuple[str, str | None, str]]] = {}
        seen: set[tuple[Any, ...]] = set()
        for node in self.nodes:
            for note in value_module.COMPARISONS.get(id(node), ()):
                left_id, left_data, op, right_id, right_data, result = note
                sides = [(by_id.get(left_id), left_data), (by_id.get(right_id) if right_id else None, right_data)]
                if any(v is not None and not _same(v.data, data) for v, data in sides):
                    continue  # a note about a Value that has since changed: not this graph's path
                varying = [v for v, _ in sides if v is not None and v in self.varies]
                if not varying or note in seen:
                    continue  # constants compare the same way every call
                seen.add(note)
                py = [self.var[v] if v in self.varies else _number(d, "python") for v, d in sides]
                js = [self.var[v] if v in self.varies else _number(d, "javascript") for v, d in sides]
                text = f"{py[0]} {op} {py[1]}"
                check = f"_path_changed({self.function_name!r}, {text!r}, {result})"
                python = f"if {'not ' if result else ''}({text}): raise {check}"
                flipped = _path_changed(self.function_name, text, result).args[0]
                condition = f"{js[0]} {op} {js[1]}"
                javascript = f"if ({'!' if result else ''}({condition})) throw new Error({js_string(flipped)});"
                last = max(varying, key=position.__getitem__)
                checks.setdefault(None if last._op is None else last, []).append((python, javascript, text))
        return checks

    def _write(self) -> None:
        local_of: dict[Value, list[tuple[str, str | None, Any, bool]]] = {}
        guards = self._guards()
        self.forward += [(None, python, js, text) for python, js, text in guards.get(None, [])]
        for node in self.nodes:
            if node._op is None or node not in self.varies:
                continue
            parents = node.parents
            pattern = tuple(None if p in self.varies else repr(p.data) for p in parents)
            var = self.var[node]
            names: dict[str, str] = {}

            def temporary(wanted: str, var: str = var, names: dict[str, str] = names) -> str:
                if wanted not in names:
                    names[wanted] = self.names(f"{var}_{wanted}")
                    self.temporaries.append(names[wanted])
                return names[wanted]

            slots = [self.var.get(p, "") for p in parents]  # _A<j>_ is operand j (constants are folded in)
            forward = piece(node._op, len(parents), pattern, -1)
            if forward is None:  # an op from outside the table: call its own methods
                op = self.table_ops.setdefault(node._op, self.names(node._op.__name__))
                args = ", ".join(self.operand(p) for p in parents)
                self.forward.append((var, f"{op}.forward({args})", None, node.op))
                self.forward += [(None, python, js, text) for python, js, text in guards.get(node, [])]
                local_of[node] = [
                    (f"{op}.derivatives({args}, {var})[{j}]", None, _NOT_LITERAL, True) for j in range(len(parents))
                ]
                continue
            self.forward.append(
                (
                    var,
                    fill(forward.python, slots, var, temporary),
                    None if forward.javascript is None else fill(forward.javascript, slots, var, temporary),
                    node.op,
                )
            )
            self.forward += [(None, python, js, text) for python, js, text in guards.get(node, [])]
            locals_here = []
            for j, parent in enumerate(parents):
                if parent not in self.varies:
                    locals_here.append(("", None, _NOT_LITERAL, True))  # no gradient flows there
                    continue
                d = piece(node._op, len(parents), pattern, j)
                assert d is not None
                js = None if d.javascript is None else fill(d.javascript, slots, var, temporary)
                locals_here.append((fill(d.python, slots, var, temporary), js, d.value, d.simple))
            local_of[node] = locals_here
        started: set[Value] = set()
        for node in reversed(self.nodes):
            if node._op is None or node not in self.varies:
                continue
            if node is self.root:
                upstream: tuple[str, str, Any] = ("1.0", "1.0", 1.0)
            else:
                upstream = (self.grad[node], self.grad[node], _NOT_LITERAL)
            for j, parent in enumerate(node.parents):
                if parent not in self.varies:
                    continue
                py, js = _times(upstream, local_of[node][j])
                where = code_comment(f"{node.op}: ∂{self.var[node]}/∂{self.var[parent]}")
                self.backward.append((self.grad[parent], parent not in started, py, js, where))
                started.add(parent)


def _python_source(program: _Program) -> str:
    params = [program.var[v] for v in program.inputs]
    name = program.function_name
    lines = [f"def {name}({', '.join(params)}):", "    try:", "        # forward: one line per node"]
    for var, python, _, op in program.forward:
        if var is None:  # a comparison the code that built the graph made: it must still come out the same
            lines.append(f"        {python}")
        else:
            lines.append(f"        {var} = {python}  # {op}")
    lines.append(
        f"        # backward: d_v = d {program.var.get(program.root, 'root')} / d v, one line per chain-rule step"
    )
    for grad, first, python, _, where in program.backward:
        lines.append(f"        {grad} {'=' if first else '+='} {python}  # {where}")
    value = program.operand(program.root)
    grads = [f"{program.grad[v]} + 0.0" if v is not program.root else "1.0" for v in program.inputs]
    lines.append(
        f"        return {value}, ({', '.join(grads)}{',' if len(grads) == 1 else ''})  # + 0.0: a zero is +0.0"
    )
    arguments = f"({', '.join(params)}{',' if len(params) == 1 else ''})"
    lines.append("    except TypeError:  # an argument that is not a number: say which")
    lines.append(f"        _check_numbers({name!r}, {arguments})")
    lines.append("        raise")
    lines.append("    except (ArithmeticError, ValueError):  # no value at these numbers: the engine's own words")
    lines.append(f"        _engine_error({arguments})")
    lines.append("        raise")
    return "\n".join(lines) + "\n"


def _no_javascript(op: type) -> CompileError:
    return CompileError(
        f"the op {op.__name__} ({getattr(op, 'name', '?')!r}) has no JavaScript form: it has no code templates"
    )


def _javascript_source(program: _Program, name: str) -> str:
    if program.table_ops:
        raise _no_javascript(next(iter(program.table_ops)))
    body: list[str] = []
    for var, _, js, op in program.forward:
        body.append(f"  {js}" if var is None else f"  const {var} = {js};  // {op}")
    for grad, first, _, js, where in program.backward:
        body.append(f"  {'let ' if first else ''}{grad} {'=' if first else '+='} {js};  // {where}")
    head = [f"  let {', '.join(program.temporaries)};"] if program.temporaries else []
    value = program.operand(program.root, "javascript")
    grads = [program.grad[v] if v is not program.root else "1" for v in program.inputs]
    params = ", ".join(program.var[v] for v in program.inputs)
    text = "\n".join([*_js_helpers("\n".join(body)), *head, *body])
    body_text = f"{text}\n" if text else ""
    return f"function {name}({params}) {{\n{body_text}  return [{value}, [{', '.join(grads)}]];\n}}\n"


def _javascript_trace(program: _Program, name: str) -> str:
    """JS ``function name(leaves)`` returning {data, grad, local} for every node (see the contract in compile())."""
    index = {node: i for i, node in enumerate(program.nodes)}
    names = Names()
    body = [
        f"  const n = {len(program.nodes)};",
        "  const data = new Array(n), grad = new Array(n).fill(0), local = [];",
    ]
    leaf = 0
    temporaries: list[str] = []
    for i, node in enumerate(program.nodes):
        if node._op is None:
            body.append(f"  data[{i}] = leaves[{leaf}];  local[{i}] = [];")
            leaf += 1
            continue
        parents = node.parents
        pattern = (None,) * len(parents)  # every leaf may be set by the page: nothing is a constant
        own: dict[str, str] = {}

        def temporary(wanted: str, i: int = i, own: dict[str, str] = own) -> str:
            if wanted not in own:
                own[wanted] = names(f"{wanted}{i}")
                temporaries.append(own[wanted])
            return own[wanted]

        slots = [f"data[{index[p]}]" for p in parents]
        pieces = [piece(node._op, len(parents), pattern, which) for which in range(-1, len(parents))]
        if any(p is None or p.javascript is None for p in pieces):
            raise _no_javascript(node._op)
        forward, *derivatives = [fill(p.javascript, slots, f"data[{i}]", temporary) for p in pieces]  # type: ignore[union-attr,arg-type]
        body.append(f"  data[{i}] = {forward};  // {node.op}")
        body.append(f"  local[{i}] = [{', '.join(derivatives)}];")
    body.append(f"  grad[{index[program.root]}] += 1;")
    for node in reversed(program.nodes):
        if node._op is None:
            continue
        i = index[node]
        for j, parent in enumerate(node.parents):
            body.append(f"  grad[{index[parent]}] += grad[{i}] * local[{i}][{j}];")
    head = [f"  let {', '.join(temporaries)};"] if temporaries else []
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


def _check_numbers(name: str, arguments: tuple[object, ...]) -> None:
    """A TypeError naming the first argument that is not a real number (int, float, …), if there is one."""
    for position, argument in enumerate(arguments):
        if not isinstance(argument, numbers.Real):
            raise TypeError(
                f"{name}() needs real numbers, got {type(argument).__name__} {argument!r} as argument {position + 1}"
            ) from None


def compile(
    root: Value, inputs: Sequence[Value], *, name: str | None = None
) -> Callable[..., tuple[float, tuple[float, ...]]]:  # noqa: A001
    """``root`` and its gradient as one straight-line function of ``inputs``: f(*numbers) -> (value, gradients).

    The function carries ``source`` (its Python), ``javascript`` (the same in JavaScript),
    ``javascript_trace(name)`` (every node's data, grad and local derivatives, for pages), ``nodes``
    (topological_order(root)) and ``inputs``. Leaves not in ``inputs`` are baked in at their current data.
    """
    program = _Program(root, inputs, name)
    source = _python_source(program)
    namespace: dict[str, Any] = {
        **PYTHON_NAMES,
        "_check_numbers": _check_numbers,
        "_path_changed": _path_changed,
        "_engine_error": functools.partial(_engine_error, program.nodes, program.inputs),
    }
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
