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
import inspect
import keyword
import math
import numbers
import operator
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from autodiff import ops
from autodiff.backward import topological_order
from autodiff.losses import CLAMPED_LOG_CODE, _clamped_log
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
    parse = lambda text: ast.parse(text, mode="eval").body  # noqa: E731
    return tuple(params), parse(forward), tuple(parse(d) for d in derivatives)


@cache
def _clamped_log_template() -> ast.expr:
    return ast.parse(CLAMPED_LOG_CODE, mode="eval").body


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


def _describe(value: Value) -> str:
    return repr(value)


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
                f"input {position}, {_describe(value)}, is not a leaf of the graph: the root does not depend on it"
            )
        if value._op is not None:
            raise CompileError(
                f"input {position}, {_describe(value)}, is computed by {value.op!r}, not a leaf of the graph: "
                "only leaves (parameters, data) can be inputs"
            )
        if value in seen:
            raise CompileError(f"input {position}, {_describe(value)}, is given twice: each input can appear once")
        seen.add(value)
    return tuple(inputs)


class _Program:
    """One graph turned into statements: shared by the Python and JavaScript writers."""

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
        self._statements: tuple[list[tuple[str, ast.expr, str]], list[tuple[str, bool, ast.expr, str]]] | None = None

    def operand(self, node: Value) -> ast.expr:
        return ast.Name(self.var[node], ast.Load()) if node in self.varies else literal(node.data)

    def op_name(self, op: type) -> str:
        if op not in self.table_ops:
            self.table_ops[op] = self.names(op.__name__)
        return self.table_ops[op]

    def statements(self) -> tuple[list[tuple[str, ast.expr, str]], list[tuple[str, bool, ast.expr, str]]]:
        """Forward (name, expression, comment) per node; backward (grad name, first?, contribution, comment)."""
        if self._statements is None:
            self._statements = self._write_statements()
        return self._statements

    def _write_statements(self) -> tuple[list[tuple[str, ast.expr, str]], list[tuple[str, bool, ast.expr, str]]]:
        forward: list[tuple[str, ast.expr, str]] = []
        locals_of: dict[Value, list[ast.expr] | str] = {}
        for node in self.nodes:
            if node._op is None or node not in self.varies:
                continue
            parents = node.parents
            found = templates(node._op, len(parents))
            temporaries: dict[str, str] = {}
            if found is None:  # an op from outside the table: call its own methods
                op = self.op_name(node._op)
                args = [self.operand(p) for p in parents]
                call = ast.Call(ast.Attribute(ast.Name(op, ast.Load()), "forward", ast.Load()), args, [])
                forward.append((self.var[node], call, node.op))
                locals_of[node] = op
                continue
            params, forward_template, derivative_templates = found
            bindings = {param: self.operand(p) for param, p in zip(params, parents)}
            expression = instantiate(forward_template, bindings, self.temporary(node), temporaries)
            forward.append((self.var[node], expression, node.op))
            bindings["out"] = ast.Name(self.var[node], ast.Load())
            locals_of[node] = [
                instantiate(t, bindings, self.temporary(node), temporaries) if p in self.varies else literal(0.0)
                for t, p in zip(derivative_templates, parents)
            ]
        backward: list[tuple[str, bool, ast.expr, str]] = []
        started: set[Value] = set()
        for node in reversed(self.nodes):
            if node._op is None or node not in self.varies:
                continue
            upstream = ast.Name(self.grad[node], ast.Load()) if node is not self.root else literal(1.0)
            local = locals_of[node]
            for j, parent in enumerate(node.parents):
                if parent not in self.varies:
                    continue
                if isinstance(local, str):  # ∂node/∂parent from the op's own derivatives(...)[j]
                    args = [self.operand(p) for p in node.parents] + [ast.Name(self.var[node], ast.Load())]
                    call = ast.Call(ast.Attribute(ast.Name(local, ast.Load()), "derivatives", ast.Load()), args, [])
                    derivative: ast.expr = ast.Subscript(call, ast.Constant(j), ast.Load())
                else:
                    derivative = local[j]
                contribution = times(upstream, derivative)
                where = f"{node.op}: ∂{self.var[node]}/∂{self.var[parent]}"
                backward.append((self.grad[parent], parent not in started, contribution, where))
                started.add(parent)
        return forward, backward

    def temporary(self, node: Value) -> Callable[[str], str]:
        return lambda wanted: self.names(f"{self.var[node]}_{wanted}")


def times(upstream: ast.expr, derivative: ast.expr) -> ast.expr:
    """``upstream * derivative``, written shorter where that is the same float (1.0·x = x, x·−1.0 = −x)."""
    up, local = literal_value(upstream), literal_value(derivative)
    if up is not _NOT_LITERAL and local is not _NOT_LITERAL:
        return literal(up * local)
    if local == 1.0 and local is not _NOT_LITERAL:
        return upstream
    if local == -1.0 and local is not _NOT_LITERAL:
        return ast.UnaryOp(ast.USub(), upstream)
    if up == 1.0 and up is not _NOT_LITERAL:
        return derivative
    return ast.BinOp(upstream, ast.Mult(), derivative)


def _python_source(program: _Program) -> str:
    forward, backward = program.statements()
    params = [program.var[v] for v in program.inputs]
    lines = [f"def {program.function_name}({', '.join(params)}):"]
    if params:
        check = " is ".join(f"type({p})" for p in params)
        lines.append(f"    if not {check} is float:  # plain floats only past here")
        lines.append(
            f"        return {program.function_name}(*_as_floats({program.function_name!r}, ({', '.join(params)},)))"
        )
    lines.append("    # forward: one line per node")
    for name, expression, op in forward:
        lines.append(f"    {name} = {ast.unparse(expression)}  # {op}")
    lines.append(f"    # backward: d_v = d {program.var.get(program.root, 'root')} / d v, one line per chain-rule step")
    for grad, first, contribution, where in backward:
        lines.append(f"    {grad} {'=' if first else '+='} {ast.unparse(contribution)}  # {where}")
    value = ast.unparse(program.operand(program.root))
    grads = [f"{program.grad[v]} + 0.0" if v is not program.root else "1.0" for v in program.inputs]
    lines.append(f"    return {value}, ({', '.join(grads)}{',' if len(grads) == 1 else ''})  # + 0.0: a zero is +0.0")
    return "\n".join(lines) + "\n"


def _javascript_source(program: _Program, name: str) -> str:
    forward, backward = program.statements()
    if program.table_ops:
        op = next(iter(program.table_ops))
        raise CompileError(
            f"the op {op.__name__} ({getattr(op, 'name', '?')!r}) has no JavaScript form: it has no code templates"
        )
    body: list[str] = []
    for var, expression, op in forward:
        body.append(f"  const {var} = {javascript(expression)};  // {op}")
    declared: set[str] = set()
    for grad, first, contribution, where in backward:
        if first:
            body.append(f"  let {grad} = {javascript(contribution)};  // {where}")
            declared.add(grad)
        else:
            body.append(f"  {grad} += {javascript(contribution)};  // {where}")
    temporaries = sorted(set(re.findall(r"\((\w+) = ", "\n".join(body))))
    head = [f"  let {', '.join(temporaries)};"] if temporaries else []
    value = javascript(program.operand(program.root))
    grads = [program.grad[v] if v is not program.root else "1" for v in program.inputs]
    params = ", ".join(program.var[v] for v in program.inputs)
    text = "\n".join([*_js_helpers("\n".join(body)), *head, *body])
    return f"function {name}({params}) {{\n{text}\n  return [{value}, [{', '.join(grads)}]];\n}}\n"


def _javascript_trace(program: _Program, name: str) -> str:
    """JS ``function name(leaves)`` returning {data, grad, local} for every node (see contract in the docstring)."""
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
        found = templates(node._op, len(parents))
        if found is None:
            raise CompileError(
                f"the op {node._op.__name__} ({node.op!r}) has no JavaScript form: it has no code templates"
            )
        params, forward_template, derivative_templates = found
        refs = {param: ast.Name(f"data[{index[p]}]", ast.Load()) for param, p in zip(params, parents)}
        own: dict[str, str] = {}

        def temporary(wanted: str, i: int = i) -> str:
            made = names(f"{wanted}{i}")
            temporaries.append(made)
            return made

        body.append(f"  data[{i}] = {javascript(instantiate(forward_template, refs, temporary, own))};  // {node.op}")
        refs["out"] = ast.Name(f"data[{i}]", ast.Load())
        derivatives = [javascript(instantiate(t, refs, temporary, own)) for t in derivative_templates]
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


def _as_floats(name: str, arguments: tuple[object, ...]) -> tuple[float, ...]:
    """The arguments as floats, or a TypeError naming the one that is not a real number."""
    for position, argument in enumerate(arguments):
        if not isinstance(argument, numbers.Real):
            raise TypeError(
                f"{name}() needs real numbers, got {type(argument).__name__} {argument!r} as argument {position + 1}"
            )
    return tuple(float(argument) for argument in arguments)  # type: ignore[arg-type]


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
    namespace: dict[str, Any] = {**PYTHON_NAMES, "_as_floats": _as_floats}
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
