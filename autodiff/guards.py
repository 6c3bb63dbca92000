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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autodiff.value import Value

__all__ = ["Comparison", "engine_derivatives", "note", "notes_for"]

# A Value compared over and over (a parameter checked every epoch) keeps this many notes; the oldest
# half goes beyond that and the Value is marked, so compiling a graph that needs a forgotten note
# refuses rather than guesses (see autodiff.compile).
NOTES_PER_VALUE = 1024


class Comparison:
    """One comparison the user's code made: ``left op right`` gave ``result``.

    ``left`` and ``right`` are weak references (``right`` None when it was a plain number);
    ``left_data`` and ``right_data`` are the numbers compared.

    Args:
        left: a weak reference to the Value on the left.
        op: the comparison: "<", "<=", ">" or ">=".
        right: a weak reference to the Value on the right, or None for a plain number.
        left_data: the left number compared.
        right_data: the right number compared.
        result: what the comparison gave.
    """

    __slots__ = ("left", "op", "right", "left_data", "right_data", "result")

    def __init__(
        self,
        left: weakref.ref[Value],
        op: str,
        right: weakref.ref[Value] | None,
        left_data: float,
        right_data: float,
        result: bool,
    ) -> None:
        self.left, self.op, self.right = left, op, right
        self.left_data, self.right_data, self.result = left_data, right_data, result


class _Notes(weakref.ref):
    """A weak reference to one live Value that carries the notes about it (one object per compared Value).

    ``by_key`` is ordered (a note and its repeats count once); the reference's callback drops the
    whole entry when the Value is freed.
    """

    __slots__ = ("key", "by_key", "forgotten")

    def __init__(self, value: Value, callback: Any) -> None:
        super().__init__(value, callback)
        self.key = id(value)
        self.by_key: dict[tuple[Any, ...], Comparison] = {}
        self.forgotten = False


# A plain weak reference (CPython hands out one shared object per Value): a Comparison must not hold
# the _Notes themselves, or notes and comparisons would form cycles only the cyclic collector frees.
_ref = weakref.ref


def _forget(notes: _Notes) -> None:
    """The weak reference's callback: the Value was freed, and its notes go with it."""
    NOTES.pop(notes.key, None)


NOTES: dict[int, _Notes] = {}  # id(Value) -> its notes, removed by the weak reference's callback
_engine_depth = 0  # > 0 while the engine applies ops' derivatives to Values


def _notes(value: Value) -> _Notes:
    key = id(value)
    notes = NOTES.get(key)
    if notes is None:
        notes = NOTES[key] = _Notes(value, _forget)
    return notes


def _trim(notes: _Notes) -> None:
    """Drop the oldest half of ``notes`` and mark them forgotten (a dict keeps insertion order)."""
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
    mine = NOTES.get(id(value)) or _notes(value)
    if other is None:
        key: tuple[Any, ...] = (op, None, left, right, result)
        if key not in mine.by_key:  # a comparison repeated (a loop's ``if p >= 0.5``) is noted once
            mine.by_key[key] = Comparison(_ref(value), op, None, left, right, result)
            if len(mine.by_key) > NOTES_PER_VALUE:
                _trim(mine)
        return result
    key = (op, id(other), left, right, result)
    known = mine.by_key.get(key)
    if known is None or known.right() is not other:  # (an id names one Value only while it lives)
        theirs = NOTES.get(id(other)) or _notes(other)
        comparison = Comparison(_ref(value), op, _ref(other), left, right, result)
        for notes, k in ((mine, key), (theirs, (*key, "right"))):
            notes.by_key[k] = comparison
            if len(notes.by_key) > NOTES_PER_VALUE:
                _trim(notes)
    return result


def notes_for(value: Value) -> tuple[list[Comparison], bool]:
    """The comparisons noted about ``value`` itself (never about an earlier Value at the same address).

    Args:
        value: a Value.

    Returns:
        (its comparisons, oldest first; whether older ones were forgotten past NOTES_PER_VALUE).
    """
    notes = NOTES.get(id(value))
    if notes is None or notes() is not value:
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
