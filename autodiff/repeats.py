"""Rows of a sum that repeat one structure: found so autodiff.compile can write one function for them.

A full-batch loss is ``total(loss(model(row)) for row in data)``: every term of the sum is the same
computation on another row's numbers. Written out node by node, a 1,000-row batch of a small MLP is
100,000 lines, and CPython and V8 take longer per line the longer the function. Found here, the
compiler writes the row once, as a function of the row's numbers, and calls it per row.

A *row* is one operand of a wide Sum together with every node computed only for it: nodes whose
every use lies inside the row. It must be contiguous in topological order (nothing else computed
between its first node and its term), so that running the row's backward as one piece adds to the
shared gradients in exactly backward()'s order. A *run* is consecutive operands of the same Sum whose
rows have the same structure: the same ops on the same shared nodes, with numbers that may differ
where an op only does arithmetic with them (those become the row function's parameters).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from autodiff import guards, ops
from autodiff.value import Value

__all__ = ["Run", "find_runs"]

MIN_ROWS = 2  # a run of one row is just the row: written out as it is
MIN_NODES = 1_000  # below this many computed nodes a graph is written out node by node (fastest, and short)


@dataclass
class Run:
    """Consecutive operands of one Sum whose rows share one structure.

    Attributes:
        total: the Sum node.
        first: the index of the run's first operand among the Sum's operands.
        rows: per row, its computed nodes in topological order (the last is the Sum's operand).
        constants: per row, its constant operands in order of first use (same count and roles in every row).
        parameters: the row function's parameters: each the indices into a row's ``constants`` that
            hold its number (constants equal in every row are no parameter: written in as numbers).
    """

    total: Value
    first: int
    rows: list[list[Value]]
    constants: list[list[Value]]
    parameters: list[list[int]] = field(default_factory=list)

    @property
    def terms(self) -> list[Value]:
        """The Sum's operands the run covers, in order."""
        return [row[-1] for row in self.rows]


def find_runs(nodes: list[Value], varies: Collection[Value], written_in: Collection[type]) -> list[Run]:
    """The runs of repeated rows in a graph, in linear time.

    Args:
        nodes: the graph in topological order (root last).
        varies: the nodes that depend on the compiled function's inputs (the rest are constants).
        written_in: ops whose constant operands are written into the code as numbers (so may differ
            between rows); any other op's constant operands must be equal for rows to match.

    Returns:
        The runs, each of at least MIN_ROWS rows; none for a graph of fewer than MIN_NODES computed nodes.
    """
    if not any(node._op is ops.Sum and len(node.parents) >= MIN_ROWS for node in nodes):
        return []  # no sum to have rows (a chain, a single neuron): nothing more to look at
    computed = [node._op is not None and node in varies for node in nodes]
    if sum(computed) < MIN_NODES:
        return []
    position = {node: i for i, node in enumerate(nodes)}
    before = [0]  # before[i]: computed nodes among nodes[:i]
    for flag in computed:
        before.append(before[-1] + flag)
    children: dict[Value, list[Value]] = {}  # each use of a node as an operand (a repeated use, again)
    for node in nodes:
        for parent in node.parents:
            children.setdefault(parent, []).append(node)

    # Owners, from the root down: a Sum not inside a row starts one row per operand used only by it;
    # a node whose every use is inside one row belongs to that row.
    owner: dict[Value, int] = {}
    rows_started = 0  # the next row's id
    starts: list[tuple[Value, list[int | None]]] = []  # (Sum, row id per operand)
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        if not computed[i]:
            continue
        if node not in owner:
            uses = children.get(node, ())
            if uses and all(use in owner for use in uses):
                first = owner[uses[0]]
                if all(owner[use] == first for use in uses):
                    owner[node] = first
        if node not in owner and node._op is ops.Sum and len(node.parents) >= MIN_ROWS:
            ids: list[int | None] = []
            for term in node.parents:
                if computed[position[term]] and len(children[term]) == 1 and term not in owner:
                    owner[term] = rows_started
                    ids.append(rows_started)
                    rows_started += 1
                else:
                    ids.append(None)
            starts.append((node, ids))
    members: dict[int, list[Value]] = {}
    for node in nodes:
        if node in owner:
            members.setdefault(owner[node], []).append(node)

    runs: list[Run] = []
    for total, ids in reversed(starts):  # topological order of the Sums: the source reads top down
        keys = [
            None if row_id is None else _key(members[row_id], varies, written_in, position, before) for row_id in ids
        ]
        k = 0
        while k < len(ids):
            key = keys[k]
            end = k + 1
            while key is not None and end < len(ids) and keys[end] is not None and keys[end][0] == key[0]:
                end += 1
            if key is not None and end - k >= MIN_ROWS:
                rows = [members[ids[j]] for j in range(k, end)]  # type: ignore[index]
                if _contiguous(rows, position, before):
                    constants = [keys[j][1] for j in range(k, end)]  # type: ignore[index]
                    runs.append(Run(total, k, rows, constants, _parameters(constants)))
            k = end
    return runs


def _parameters(constants: list[list[Value]]) -> list[list[int]]:
    """The constants that differ between rows, grouped where they hold the same number in every row.

    A row's inputs reach each neuron of a first layer as a constant of its own; in every row the
    16 copies of x₁ agree, so they are one parameter.
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    for c in range(len(constants[0])):
        column = tuple(repr(row[c].data) for row in constants)
        if len(set(column)) > 1:
            groups.setdefault(column, []).append(c)
    return list(groups.values())


def _key(
    row: list[Value],
    varies: Collection[Value],
    written_in: Collection[type],
    position: dict[Value, int],
    before: list[int],
) -> tuple[tuple, list[Value]] | None:
    """(structure, constant operands) of one row, or None when the row cannot be written as a function.

    None when the row is not contiguous in topological order, or when the user's code compared one of
    its Values (compile checks comparisons where they were made, in the graph's own code).
    """
    first, last = position[row[0]], position[row[-1]]
    if before[last + 1] - before[first] != len(row):
        return None
    local: dict[Value, int] = {}
    constants: dict[Value, int] = {}
    structure = []
    for node in row:
        comparisons, forgotten = guards.notes_for(node)
        if comparisons or forgotten:
            return None
        local[node] = len(local)
        written = node._op in written_in
        operands: list[object] = []
        for parent in node.parents:
            if parent in local:
                operands.append(local[parent])
            elif parent in varies:
                operands.append(("shared", id(parent)))
            elif written:
                operands.append(("number", constants.setdefault(parent, len(constants))))
            else:
                operands.append(("fixed", repr(parent.data)))
        structure.append((node._op, tuple(operands)))
    return tuple(structure), list(constants)


def _contiguous(rows: list[list[Value]], position: dict[Value, int], before: list[int]) -> bool:
    """Whether the rows follow one another in topological order with nothing else computed between them."""
    starts = [position[row[0]] for row in rows]
    ends = [position[row[-1]] for row in rows]
    if any(ends[j] > starts[j + 1] for j in range(len(rows) - 1)):
        return False
    return before[ends[-1] + 1] - before[starts[0]] == sum(len(row) for row in rows)
