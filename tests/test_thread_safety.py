"""Thread safety, as stated: backward on one graph is not thread-safe; separate graphs in separate threads are.

What: the docstrings of ``autodiff.backward`` and ``Value.backward`` say so; four threads, each
building and differentiating its own 20,000-node graph at the same time, get the gradients the
arithmetic written out here gives.
Why: a learner who parallelises must know what is promised, and the promise must hold.
"""

from __future__ import annotations

import threading

import autodiff
from autodiff import Value, total


def test_backward_says_it_is_not_thread_safe_for_one_graph() -> None:
    for function in (autodiff.backward.backward, Value.backward):
        doc = " ".join((function.__doc__ or "").split())
        assert "Not thread-safe" in doc and "Separate graphs in separate threads are fine" in doc


def test_separate_graphs_in_separate_threads_get_their_own_gradients() -> None:
    rows = [float(x) for x in range(1, 5001)]
    results: dict[int, tuple[float, float]] = {}
    barrier = threading.Barrier(4)

    def work(k: int) -> None:
        w = Value(0.5 * k, label="w")
        b = Value(-1.0 * k, label="b")
        barrier.wait()  # build and differentiate at the same time
        loss = total([(w * x + b) * (w * x + b) for x in rows])  # Σ (w·x + b)²
        loss.backward()
        results[k] = (w.grad, b.grad)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k in range(1, 5):
        w, b = 0.5 * k, -1.0 * k
        # d/dw Σ (w·x + b)² = Σ 2x(w·x + b); d/db = Σ 2(w·x + b)
        expected_w = sum(2 * x * (w * x + b) for x in rows)
        expected_b = sum(2 * (w * x + b) for x in rows)
        got_w, got_b = results[k]
        assert abs(got_w - expected_w) <= 1e-9 * abs(expected_w) and abs(got_b - expected_b) <= 1e-9 * abs(expected_b)
