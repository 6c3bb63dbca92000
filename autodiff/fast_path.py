"""backward()'s fast path, generated at import from the op table's code templates (autodiff.ops).

The chain rule by the table (``chain_rule_step`` in autodiff.backward) calls each op's
``derivatives``, building an argument list and a result tuple per node: most of a pass's cost. This
module writes the same loop with the common ops' ``derivatives_code`` templates spelled out inline,
so no derivative is written here: the templates are the op table's second spelling of its calculus,
held to the methods bit for bit by tests/test_compile_templates.py. Each parent gets
``upstream * derivative`` in operand order, as the table does (``upstream * 1.0`` is written
``upstream`` and ``upstream * -1.0`` ``-upstream``, the same floats), so gradients are identical.

``print(autodiff.fast_path.SOURCE)`` shows the generated function; tracebacks show its lines too.
Ops with any number of operands (``code_for``) get one straight-line function per operand count,
made the first time that count is seen.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import re
from collections.abc import Callable
from typing import Any

from autodiff.ops import TEMPLATE_NAMES, Add, Linear, Mul, Op, PowConst, Relu, Sigmoid, Sub
from autodiff.value import Value

__all__ = ["FAST_OPS", "SOURCE", "backward_fast"]

FAST_OPS: tuple[type[Op], ...] = (Linear, Mul, Add, Sub, PowConst, Sigmoid, Relu)
"""The ops written out, most frequent in this project's graphs first (each branch costs the ops
after it one ``is`` test). Each is here because a ``make bench`` workload runs measurably faster
with it; tanh, neg and sum were not, so they take the table like any other op."""

_RESERVED = {"node", "op", "upstream", "order", "parents"}  # the loop's own names


def _used_names(template: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(template, mode="eval")) if isinstance(n, ast.Name)}


def _contribution(template: str) -> str:
    """``upstream × derivative`` as code, with the table's floats: × 1.0 and × −1.0 written out."""
    if template == "1.0":
        return "upstream"
    if template == "-1.0":
        return "-upstream"
    simple = template.isidentifier() or template.endswith(".data") and template[:-5].replace(".", "").isidentifier()
    return f"upstream * {template}" if simple else f"upstream * ({template})"


def _chain_rule(params: tuple[str, ...], derivatives: tuple[str, ...], parents: list[str], indent: str) -> list[str]:
    """Lines binding the numbers the templates read, then adding each parent's contribution in operand order.

    ``parents`` are expressions for the parent nodes (``node._a`` or a variable). A template that
    is just a parameter's name (∂(a·b)/∂a = ``b``) reads that parent's ``.data`` in place; a
    parameter other templates read is bound to a variable once.
    """
    used = set().union(*(_used_names(d) for d in derivatives if not d.isidentifier()))
    clash = (used | set(derivatives)) & (_RESERVED | {p for p in parents if p.isidentifier()})
    if clash:
        raise ValueError(f"a derivatives_code template uses the fast path's own names {sorted(clash)}")
    lines = [f"{indent}{name} = {parent}.data" for name, parent in zip(params, parents) if name in used]
    if "out" in used:
        lines.append(f"{indent}out = node.data")
    data_of = {name: f"{parent}.data" for name, parent in zip(params, parents) if name not in used}
    data_of["out"] = "out" if "out" in used else "node.data"
    for parent, template in zip(parents, derivatives):
        if template in data_of:
            template = data_of[template]
        lines.append(f"{indent}{parent}.grad += {_contribution(template)}")
    return lines


def _fixed_arity_branch(op: type[Op]) -> list[str]:
    """The body of ``op``'s branch: its one or two parents straight from the node's slots.

    A parent named once (its grad only, as in ``+``) is written as its slot; one named more often
    gets a variable, so each slot is read once.
    """
    params = tuple(inspect.signature(op.derivatives).parameters)[:-1]  # the inputs; the last is ``out``
    if op.derivatives_code is None or len(params) != len(op.derivatives_code) or len(params) > 2:
        raise ValueError(f"{op.__name__} needs one derivatives_code template per input to be on the fast path")
    variables = [f"{name}_node" for name in params]
    body = _chain_rule(params, op.derivatives_code, variables, "            ")
    lines = []
    for variable, slot in zip(variables, ["node._a", "node._b"]):
        name = re.compile(rf"\b{variable}\b")
        if sum(len(name.findall(line)) for line in body) > 1:
            lines.append(f"            {variable} = {slot}")
        else:
            body = [name.sub(slot, line) for line in body]
    return lines + body


def _n_ary_source(op: type[Op], n: int) -> str:
    """A function ``(parents, upstream)`` doing ``op``'s chain rule for a node of ``n`` operands."""
    params, _, derivatives = op.code_for(n)  # type: ignore[attr-defined]
    if any("out" in _used_names(d) for d in derivatives):
        raise ValueError(f"{op.__name__}'s templates use out, which the fast path gives ops of one or two inputs only")
    parent_names = [f"{name}_node" for name in params]
    lines = [
        f"def {op.__name__.lower()}_{n}(parents, upstream):",
        f"    {', '.join(parent_names)}, = parents",
        *_chain_rule(params, derivatives, parent_names, "    "),
    ]
    return "\n".join(lines) + "\n"


class _ByOperandCount(dict):  # type: ignore[type-arg]
    """n → the generated chain-rule function of an n-ary op for n operands, made on first use."""

    def __init__(self, op: type[Op]) -> None:
        super().__init__()
        self.op = op

    def __missing__(self, n: int) -> Callable[[Value, float], None]:
        function = _define(_n_ary_source(self.op, n), f"{self.op.__name__.lower()}_{n}")
        self[n] = function
        return function


def _source(fast_ops: tuple[type[Op], ...]) -> str:
    lines = [
        "def backward_fast(order):",
        '    """backward by the table, FAST_OPS written out from their templates (order: computed nodes)."""',
        "    for node in reversed(order):",
        "        op = node._op",
        "        upstream = node.grad",
    ]
    for i, op in enumerate(fast_ops):
        name = op.__name__
        lines.append(f"        {'if' if i == 0 else 'elif'} op is {name}:  # {op.name}")
        if hasattr(op, "code_for"):
            lines.append("            parents = node._b if node._a is None else node.parents")
            lines.append(f"            {name.lower()}_by_operand_count[len(parents)](parents, upstream)")
        else:
            lines += _fixed_arity_branch(op)
    lines += [
        "        elif node._a is not None and node._b is not None:  # any other op of two inputs: the table",
        "            a_node = node._a",
        "            b_node = node._b",
        "            d_a, d_b = op.derivatives(a_node.data, b_node.data, node.data)",
        "            a_node.grad += upstream * d_a",
        "            b_node.grad += upstream * d_b",
        "        else:  # any other op: the table",
        "            parents = node.parents",
        "            local = op.derivatives(*[parent.data for parent in parents], node.data)",
        "            for parent, derivative in zip(parents, local):",
        "                parent.grad += upstream * derivative",
    ]
    return "\n".join(lines) + "\n"


_NAMESPACE: dict[str, Any] = {
    **TEMPLATE_NAMES,
    **{op.__name__: op for op in FAST_OPS},
    **{f"{op.__name__.lower()}_by_operand_count": _ByOperandCount(op) for op in FAST_OPS if hasattr(op, "code_for")},
}


def _define(source: str, name: str) -> Callable[..., None]:
    """Compile ``source`` under a file name of its own, kept in linecache so tracebacks show its lines."""
    filename = f"<autodiff.fast_path: {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), _NAMESPACE)  # noqa: S102 - our own source, from the op table
    return _NAMESPACE[name]


SOURCE = _source(FAST_OPS)
"""The generated ``backward_fast``, as Python source."""

backward_fast: Callable[[list[Value]], None] = _define(SOURCE, "backward_fast")
