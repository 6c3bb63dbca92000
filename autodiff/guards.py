"""The user's comparisons of Values, remembered so autodiff.compile can check they still come out the same.

A graph records one path through the user's Python: ``if probability >= 0.5`` went one way. A compiled
graph must never give the other path's numbers, so every ``<``, ``<=``, ``>``, ``>=`` on a Value is
noted here, keyed to the Value itself (a weak reference: a note keeps no graph alive, and a note goes
when its Value is freed, so a new Value that reuses the memory starts with none).

A note is skipped when the engine itself compares (an op's derivatives applied to Values, as
``grad(..., create_graph=True)`` and ``hessian`` do): those comparisons choose a derivative formula,
not a path of the user's code, and the resulting graph stands for itself.

The compiler decides which notes belong to a graph (see ``notes_for``): a note needs one of its
Values in the graph, and a leaf's note must be about the number the graph was built with (an SGD
step later, the leaf's older comparisons describe graphs built before the step).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autodiff.value import Value

__all__ = ["Comparison", "engine_derivatives", "note", "notes_for"]

# A Value compared over and over (a parameter checked every epoch) keeps this many notes; the oldest
# half goes beyond that and the Value is marked, so compiling a graph that needs a forgotten note
# refuses rather than guesses (see autodiff.compile).
NOTES_PER_VALUE = 1024


@dataclass(frozen=True, eq=False)
class Comparison:
    """One comparison the user's code made: ``left op right`` gave ``result``.

    ``left`` and ``right`` are weak references (``right`` None when it was a plain number);
    ``left_data`` and ``right_data`` are the numbers compared.
    """

    left: weakref.ref[Value]
    op: str
    right: weakref.ref[Value] | None
    left_data: float
    right_data: float
    result: bool

    def text(self, left: str, right: str) -> str:
        """The comparison as code, with ``left`` and ``right`` as its operands' spellings."""
        return f"{left} {self.op} {right}"


class _Notes:
    """The notes about one live Value: an ordered dict (a note and its repeats count once)."""

    __slots__ = ("ref", "by_key", "forgotten")

    def __init__(self, ref: weakref.ref[Value]) -> None:
        self.ref = ref
        self.by_key: dict[tuple[Any, ...], Comparison] = {}
        self.forgotten = False


NOTES: dict[int, _Notes] = {}  # id(Value) -> its notes, removed by the weak reference's callback
_engine_depth = 0  # > 0 while the engine applies ops' derivatives to Values


def _forget(key: int) -> Any:
    """The weak-reference callback: the Value at ``key`` was freed, and its notes with it."""

    def forget(_: object) -> None:
        NOTES.pop(key, None)

    return forget


def _notes(value: Value) -> _Notes:
    key = id(value)
    notes = NOTES.get(key)
    if notes is None:
        notes = NOTES[key] = _Notes(weakref.ref(value, _forget(key)))
    return notes


def _add(notes: _Notes, key: tuple[Any, ...], comparison: Comparison) -> None:
    if key in notes.by_key:
        return
    notes.by_key[key] = comparison
    if len(notes.by_key) > NOTES_PER_VALUE:
        for old in list(notes.by_key)[: NOTES_PER_VALUE // 2]:
            del notes.by_key[old]
        notes.forgotten = True


def note(value: Value, op: str, other: Value | None, right: float, result: bool) -> bool:
    """Remember that ``value op other`` gave ``result``; return ``result``.

    Args:
        value: the Value on the left.
        op: "<", "<=", ">" or ">=".
        other: the Value on the right, or None when it was a plain number.
        right: the number on the right (``other.data`` for a Value).
        result: what the comparison gave.

    Returns:
        ``result``, so a comparison method can return ``note(...)``.
    """
    if _engine_depth:
        return result
    left = value.data
    mine = _notes(value)
    if other is not None:
        theirs = _notes(other)
        comparison = Comparison(mine.ref, op, theirs.ref, left, right, result)
        _add(mine, (op, id(other), left, right, result), comparison)
        _add(theirs, (op, id(value), left, right, result, "right"), comparison)
    else:
        _add(mine, (op, None, left, right, result), Comparison(mine.ref, op, None, left, right, result))
    return result


def notes_for(value: Value) -> tuple[list[Comparison], bool]:
    """(the notes about ``value``, whether older ones were forgotten) — ``value`` itself, never another at its id."""
    notes = NOTES.get(id(value))
    if notes is None or notes.ref() is not value:
        return [], False
    return list(notes.by_key.values()), notes.forgotten


@contextmanager
def engine_derivatives() -> Iterator[None]:
    """While inside, comparisons of Values are the engine's own (choosing a derivative), not noted."""
    global _engine_depth
    _engine_depth += 1
    try:
        yield
    finally:
        _engine_depth -= 1
