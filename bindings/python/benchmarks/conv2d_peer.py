"""PyTorch peer of dlpack-bench's conv2d lines: the same layers, timed the same way.

Usage: python3 conv2d_peer.py THREADS SPEC...   where SPEC is
  n,c,h,w,m,kh,kw,stride,pad,groups   (square stride and symmetric padding)
or  max:n,c,h,w,k,stride,pad  for max pooling (figure in GB/s of input read).
Prints one line per SPEC: "<spec> <GFLOP/s or GB/s>". Needs torch (pip install torch==2.13.0+cpu).
"""
import sys
import time

import torch
import torch.nn.functional as F


def best_time(fn) -> float:
    for _ in range(3):
        fn()
    best = float("inf")
    deadline = time.perf_counter() + 0.5
    while True:
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        if time.perf_counter() > deadline:
            return best


def pool_gbs(spec: str) -> float:
    n, c, h, w, k, s, p = (int(v) for v in spec.split(","))
    x = torch.randn(n, c, h, w)
    with torch.inference_mode():
        t = best_time(lambda: F.max_pool2d(x, k, stride=s, padding=p))
    return x.numel() * 4 / t / 1e9


def gflops(spec: str) -> float:
    if spec.startswith("max:"):
        return pool_gbs(spec[4:])
    n, c, h, w, m, kh, kw, s, p, g = (int(v) for v in spec.split(","))
    x = torch.randn(n, c, h, w)
    wt = torch.randn(m, c // g, kh, kw)
    b = torch.randn(m)
    oh = (h + 2 * p - kh) // s + 1
    ow = (w + 2 * p - kw) // s + 1
    flops = 2.0 * n * m * oh * ow * (c // g) * kh * kw
    with torch.inference_mode():
        for _ in range(3):
            F.conv2d(x, wt, b, stride=s, padding=p, groups=g)
        best = float("inf")
        deadline = time.perf_counter() + 0.5
        while True:
            t0 = time.perf_counter()
            F.conv2d(x, wt, b, stride=s, padding=p, groups=g)
            best = min(best, time.perf_counter() - t0)
            if time.perf_counter() > deadline:
                break
    return flops / best / 1e9


def main() -> None:
    torch.set_num_threads(int(sys.argv[1]))
    for spec in sys.argv[2:]:
        print(f"{spec} {gflops(spec):.3f}", flush=True)


if __name__ == "__main__":
    main()
