"""A session per thread; the GIL is released while a model runs."""
from __future__ import annotations

import threading
import time

import numpy as np

import dlpk


def test_eight_threads_one_model(mlp_path: str, mlp_input: np.ndarray) -> None:
    with dlpk.Model(mlp_path) as m:
        expected = m.session().run(mlp_input)["y"]
        results, errors = [None] * 8, []

        def work(i: int) -> None:
            try:
                with m.session() as s:
                    ys = [s.run(mlp_input)["y"] for _ in range(200)]
                results[i] = ys
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        for ys in results:
            for y in ys:
                np.testing.assert_array_equal(y, expected)


def test_gil_is_released_during_a_run(mlp_path: str) -> None:
    x = np.random.default_rng(1).standard_normal((100000, 64)).astype(np.float32)
    with dlpk.Model(mlp_path) as m, m.session() as s:
        s.run(x)  # plan once
        call = s._run
        window = []

        def timed_call(*args):  # brackets the C call itself
            window.append(time.perf_counter())
            code = call(*args)
            window.append(time.perf_counter())
            return code
        s._run = timed_call
        runner = threading.Thread(target=s.run, args=(x,))
        ticks = []
        runner.start()
        while runner.is_alive():  # this thread keeps running Python while the run goes on
            ticks.append(time.perf_counter())
        runner.join()
    begin, end = window
    assert end - begin > 0.02
    # A call holding the GIL would stop this thread for the whole call: a gap as long as
    # the call between its ticks (it may still tick before the call really starts).
    points = [begin] + [t for t in ticks if begin < t < end] + [end]
    longest = max(b - a for a, b in zip(points, points[1:]))
    assert longest < (end - begin) / 2


def test_one_session_on_two_threads_is_refused(mlp_path: str) -> None:
    x = np.random.default_rng(2).standard_normal((100000, 64)).astype(np.float32)
    with dlpk.Model(mlp_path) as m, m.session() as s:
        errors = []
        runner = threading.Thread(target=lambda: [s.run(x) for _ in range(3)])
        runner.start()
        while runner.is_alive() and not errors:  # while it runs, this thread may not use the session
            if s._busy.locked():
                try:
                    s.run(x[:1])
                except dlpk.InvalidArgumentError as e:
                    errors.append(e)
        runner.join()
        assert errors and "one session per thread" in str(errors[0])
        assert s.run(x[:1])["y"].shape == (1, 10)  # usable again afterwards
