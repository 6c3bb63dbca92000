"""A 1,000,000-operation chain: built, backpropagated and freed with no recursion anywhere.

No time is asserted (benchmarks/ measures that); the chain must give the right gradient, and
printing and freeing it must not raise RecursionError or crash the interpreter.
"""

from __future__ import annotations

import gc
import sys

from autodiff import Value, topological_order
from autodiff.backward import gc_paused

N = 1_000_000


def test_million_operation_chain_backprops_and_frees() -> None:
    assert sys.getrecursionlimit() < N  # so any recursion would fail loudly
    with gc_paused():
        x = Value(0.5, label="x")
        y = x
        for _ in range(N):
            y = y + x  # y = (N + 1)·x
        y.backward()
        assert x.grad == N + 1.0
        assert y.data == 0.5 * (N + 1)
        assert len(repr(y)) < 200
        y.backward()  # leaves accumulate, computed nodes are reset
        assert x.grad == 2.0 * (N + 1)
        del y  # frees a million nested nodes: CPython's trashcan keeps this iterative
    gc.collect()


def test_long_chain_of_mixed_ops_matches_the_chain_rule() -> None:
    n = 1000  # 0.5**1000 is still a normal float, so the expected gradient is exact
    a = Value(1.0, label="a")
    y = a
    for _ in range(n):
        y = (y * 0.5 + 0.5).relu()  # stays 1.0; d/dy of each step is 0.5
    assert len(topological_order(y)) == 5 * n + 1  # a, then per step: 0.5, *, 0.5, +, relu
    y.backward()
    assert y.data == 1.0
    assert a.grad == 0.5**n
    del y
