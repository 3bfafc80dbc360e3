#!/usr/bin/env python3
"""ONNX conformance for `dlpack convert` + the dlpack runtime.

Generates ONNX's own node test cases for every op dlpack imports (generate.py),
converts each model with `dlpack convert`, runs it with dlpack on the test inputs and
compares with the expected outputs: floats with rtol 1e-3, atol 1e-5 (float16
outputs: rtol 1e-2, atol 1e-3), integers exactly. Writes a report (markdown) with
pass/fail per op and every case documented as out of scope, with its reason.

Usage: python3 Tests/Conformance/run.py [--dlpack .build/debug/dlpack] [--work DIR]
                                        [--report FILE] [--op OP] [--known-failures FILE]
Exit status 1 if an in-scope case fails that known_failures.txt does not list (cases
that need a runtime kernel not written yet, each with its reason; run.py says when one
starts passing so that the list only shrinks).
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from dlpack_runner import run_dlpk  # noqa: E402


def compare(expected, actual):
    """None if equal within tolerance, else a short description of the difference."""
    if actual.shape != expected.shape:
        # As ONNX's backend tests (numpy assert_allclose): shapes that differ only in
        # size-1 dimensions, holding the same values, compare equal.
        if actual.size != expected.size or actual.squeeze().shape != expected.squeeze().shape:
            return f"shape {list(actual.shape)}, expected {list(expected.shape)}"
        actual = actual.reshape(expected.shape)
    if expected.dtype.kind == "f":
        rtol, atol = (1e-2, 1e-3) if expected.dtype == np.float16 else (1e-3, 1e-5)
        a, e = actual.astype(np.float64), expected.astype(np.float64)
        if np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True):
            return None
        return f"max |err| {np.nanmax(np.abs(a - e)):.3g} (rtol {rtol}, atol {atol})"
    if np.array_equal(actual.astype(np.int64), expected.astype(np.int64)):
        return None
    d = np.abs(actual.astype(np.int64) - expected.astype(np.int64))
    return f"{int((d != 0).sum())} of {d.size} values differ (max {int(d.max())})"


def run_case(dlpack, case_dir, case):
    """None if every data set passes, else the first failure."""
    for k in range(case["datasets"]):
        d = os.path.join(case_dir, str(k))
        model, out = os.path.join(d, "model.onnx"), os.path.join(d, "model.dlpk")
        done = subprocess.run([dlpack, "convert", model, out], capture_output=True, text=True)
        if done.returncode != 0:
            return "convert: " + ((done.stderr or done.stdout).strip().splitlines() or ["failed"])[-1]
        inputs = {name: np.load(os.path.join(d, f"input_{i}.npy")) for i, name in enumerate(case["inputs"])}
        try:
            actual = run_dlpk(dlpack, out, inputs)
        except RuntimeError as e:
            return f"run: {e}"
        for i, name in enumerate(case["outputs"]):
            expected = np.load(os.path.join(d, f"output_{i}.npy"))
            if i >= len(actual):
                return f"output '{name}' missing"
            problem = compare(expected, actual[i])
            if problem:
                return f"output '{name}': {problem}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dlpack", default=os.path.join(ROOT, ".build/debug/dlpack"))
    parser.add_argument("--work", default="/tmp/dlpack-conformance")
    parser.add_argument("--report", default=None, help="markdown report path (default WORK/REPORT.md)")
    parser.add_argument("--op", default=None)
    parser.add_argument("--known-failures", default=os.path.join(HERE, "known_failures.txt"),
                        help="cases allowed to fail (a runtime gap, with the reason); '' for none")
    args = parser.parse_args()
    cases_dir = os.path.join(args.work, "cases")
    gen = [sys.executable, os.path.join(HERE, "generate.py"), cases_dir] + (["--op", args.op] if args.op else [])
    subprocess.run(gen, check=True)
    cases = json.load(open(os.path.join(cases_dir, "cases.json")))
    skipped = json.load(open(os.path.join(cases_dir, "skipped.json")))

    t0 = time.time()
    per_op = collections.defaultdict(lambda: {"pass": 0, "fail": 0, "failures": []})
    for case in cases:
        problem = run_case(args.dlpack, os.path.join(cases_dir, case["dir"]), case)
        entry = per_op[case["op"]]
        if problem is None:
            entry["pass"] += 1
        else:
            entry["fail"] += 1
            entry["failures"].append((case["name"], problem))
    elapsed = time.time() - t0

    known = {}
    if args.known_failures and os.path.exists(args.known_failures):
        for line in open(args.known_failures):
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, reason = line.partition(" ")
                known[name] = reason.strip()
    passed = sum(e["pass"] for e in per_op.values())
    failed = sum(e["fail"] for e in per_op.values())
    lines = ["# dlpack ONNX conformance", "",
             f"ONNX's node test cases (onnx {__import__('onnx').__version__}) for the ops `dlpack convert` imports, "
             f"converted and run by dlpack; floats compared with rtol 1e-3, atol 1e-5. "
             f"{passed} passed, {failed} failed ({sum(n in known for e in per_op.values() for n, _ in e['failures'])} of them known runtime gaps), "
             f"{len(skipped)} out of scope; {elapsed:.0f} s.", "",
             "Inputs dlpack needs at conversion time (a Reshape's shape, Squeeze/Unsqueeze axes, Clip bounds, "
             "quantization scales and zero points) are frozen into initializers with the test's values, "
             "as exported models carry them.", "",
             "| op | passed | failed |", "|---|---|---|"]
    for op in sorted(per_op):
        lines.append(f"| {op} | {per_op[op]['pass']} | {per_op[op]['fail']} |")
    if failed:
        lines += ["", "## Failures", ""]
        for op in sorted(per_op):
            for name, problem in per_op[op]["failures"]:
                gap = f" (known runtime gap: {known[name]})" if name in known else ""
                lines.append(f"- {op} `{name}`: {problem}{gap}")
    lines += ["", "## Out of scope", "", "| op | case | reason |", "|---|---|---|"]
    for s in skipped:
        lines.append(f"| {s['op']} | `{s['name']}` | {s['reason']} |")
    report = args.report or os.path.join(args.work, "REPORT.md")
    with open(report, "w") as f:
        f.write("\n".join(lines) + "\n")
    unexpected = 0
    for op in sorted(per_op):
        for name, problem in per_op[op]["failures"]:
            tag = "KNOWN" if name in known else "FAIL"
            unexpected += name not in known
            print(f"{tag} {op} {name}: {problem}")
    failing = {n for e in per_op.values() for n, _ in e["failures"]}
    ran = {c["name"] for c in cases}
    for name in sorted(set(known) & ran - failing):
        print(f"NOW PASSING (remove from {os.path.basename(args.known_failures)}): {name}")
    print(f"report: {report}")
    if failed - unexpected:
        print(f"{failed - unexpected} expected failures (known runtime gaps, see {os.path.basename(args.known_failures)})")
    print(f"{passed} passed, {unexpected} failed")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
