"""numpy (OpenBLAS) peer for `dlpack-bench gemm`: fp32 GEMM GFLOP/s, best of N.

Run by dlpack-bench with OPENBLAS_NUM_THREADS set and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
removed from the environment. Prints one `blas ...` line (what threadpoolctl reports) and
one `fp32 m n k gflops` line per shape given as MxNxK arguments.
"""
import sys
import time

import numpy as np


def blas_description():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(
        f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} threads={i.get('num_threads')}"
        for i in infos) or "none found"


def best_seconds(fn, min_time=0.25, min_reps=5):
    fn()  # warm up
    best, total, reps = float("inf"), 0.0, 0
    while total < min_time or reps < min_reps:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best, total, reps = min(best, dt), total + dt, reps + 1
    return best


def main(argv):
    print("blas", blas_description(), flush=True)
    rng = np.random.default_rng(0)
    for spec in argv:
        m, n, k = (int(x) for x in spec.split("x"))
        a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
        c = np.empty((m, n), np.float32)
        seconds = best_seconds(lambda: np.matmul(a, b, out=c))
        print(f"fp32 {m} {n} {k} {2.0 * m * n * k / seconds * 1e-9:.2f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
