#!/usr/bin/env python3
"""The Python half of `dlpack demo`: loads a .dlpk classifier through the dlpk package
(libdlpk via ctypes), applies the preprocessing stored in the model to raw samples, runs
them one at a time (batch 1) and prints the accuracy and per-sample latency on one line,
as bindings/c/demo_eval.c does:

    demo_eval.py MODEL.dlpk SAMPLES.f32 LABELS.i32 COUNT
    -> accuracy=0.9822 mean_us=20.1 p50_us=19.5 p99_us=31.0 samples=450

The library is found as the package finds it ($DLPK_LIBRARY, ...). When the package is
not installed, the copy next to this script (bindings/python/src) is used.
"""
import os
import sys
import time

import numpy as np

try:
    import dlpk
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))
    import dlpk


def main(argv):
    if len(argv) != 5:
        print(f"usage: {argv[0]} MODEL.dlpk SAMPLES.f32 LABELS.i32 COUNT", file=sys.stderr)
        return 2
    path, samples_path, labels_path, count = argv[1], argv[2], argv[3], int(argv[4])
    with dlpk.Model(path) as model, model.session(threads=1) as session:
        spec = model.inputs[0]
        sample_shape = tuple(1 if d is None else d for d in spec.shape[1:])
        x = np.fromfile(samples_path, dtype="<f4").reshape((count,) + sample_shape)
        labels = np.fromfile(labels_path, dtype="<i4")
        if labels.shape[0] != count:
            print(f"demo_eval.py: {labels_path} holds {labels.shape[0]} labels, expected {count}", file=sys.stderr)
            return 1
        pre = model.preprocessing(0)
        if pre is not None:
            x = pre.apply(x)
        output = model.outputs[0].name
        # One warm-up run plans the session; then every sample is timed on its own.
        session.run(x[0:1])
        micros = np.empty(count)
        correct = 0
        for n in range(count):
            sample = x[n:n + 1]
            t0 = time.perf_counter_ns()
            scores = session.run(sample)[output]
            micros[n] = (time.perf_counter_ns() - t0) / 1000
            correct += int(np.argmax(scores[0]) == labels[n])
    ordered = np.sort(micros)
    print(f"accuracy={correct / count:.4f} mean_us={micros.mean():.2f} p50_us={ordered[count // 2]:.2f} "
          f"p99_us={ordered[(count * 99) // 100]:.2f} samples={count}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError, dlpk.DlpkError) as error:  # one line, as the C program prints
        print(f"demo_eval.py: {error}", file=sys.stderr)
        sys.exit(1)
