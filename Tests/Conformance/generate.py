#!/usr/bin/env python3
"""Writes ONNX's own node test cases for the ops dlpack imports into a directory.

The onnx package no longer ships its backend test data, but it ships the code that
generates it (onnx.backend.test.case.node: each op's export functions call expect()).
collect_testcases() runs them; this script keeps the cases whose every node is an op
dlpack imports and writes, per case:

    OUT/<case>/<k>/model.onnx, input_<i>.npy, output_<i>.npy    (one folder per data set k)

Inputs that dlpack needs at conversion time (a Reshape's shape, Q/DQ scales...) are
frozen into initializers with the data set's values (scope.PARAMETER_INPUTS).

and OUT/cases.json: [{"name", "op", "dir", "inputs": [...], "outputs": [...], "rtol", "atol"}],
plus OUT/skipped.json: the cases of supported ops left out, each with its reason.

Usage: python3 Tests/Conformance/generate.py OUT_DIR [--op Conv]
"""
import argparse
import json
import os
import re
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scope import SUPPORTED_OPS, FOLDED_OPS, PARAMETER_INPUTS, out_of_scope_reason  # noqa: E402


def trim_statistics_outputs(model):
    """LayerNormalization's Mean and InvStdDev outputs are statistics for training, which
    the .dlpk op has no outputs for: the case checks Y alone. Returns the model and the
    indices of the graph outputs kept."""
    import onnx
    dropped = set()
    for node in model.graph.node:
        if node.op_type == "LayerNormalization":
            dropped.update(o for o in node.output[1:] if o)
    if not dropped:
        return model, set(range(len(model.graph.output)))
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for node in m.graph.node:
        if node.op_type == "LayerNormalization":
            del node.output[1:]
    kept = {k for k, o in enumerate(model.graph.output) if o.name not in dropped}
    outputs = [o for o in model.graph.output if o.name not in dropped]
    del m.graph.output[:]
    m.graph.output.extend(outputs)
    return m, kept


def frozen_inputs(model):
    """Graph inputs that dlpack needs at conversion time (shapes, axes, quantization
    parameters, clip bounds): exported models carry them as initializers, while ONNX's
    node tests feed them as inputs. They become initializers with the test's values."""
    names = set()
    for node in model.graph.node:
        for i in PARAMETER_INPUTS.get(node.op_type, ()):
            if i < len(node.input) and node.input[i]:
                names.add(node.input[i])
    graph_inputs = {i.name for i in model.graph.input}
    return names & graph_inputs


def freeze(model, frozen, values):
    import onnx
    from onnx import numpy_helper
    if not frozen:
        return model
    m = onnx.ModelProto()
    m.CopyFrom(model)
    keep = []
    for vi, value in zip(model.graph.input, values):
        if vi.name in frozen:
            m.graph.initializer.append(numpy_helper.from_array(np.asarray(value), vi.name))
        else:
            keep.append(vi)
    del m.graph.input[:]
    m.graph.input.extend(keep)
    return m


def as_declared(array, value_info):
    """The test's array in the graph input's declared shape, when only the shape's
    spelling differs ([1] given for a declared scalar): a runtime checks declarations."""
    dims = value_info.type.tensor_type.shape.dim
    if all(d.HasField("dim_value") for d in dims):
        shape = tuple(d.dim_value for d in dims)
        a = np.asarray(array)
        if a.shape != shape and a.size == int(np.prod(shape)):
            return a.reshape(shape)
    return array


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--op", help="only the cases of this op")
    args = parser.parse_args()

    warnings.simplefilter("ignore")
    import onnx
    from onnx.backend.test.case.node import collect_testcases

    os.makedirs(args.out, exist_ok=True)
    cases, skipped = [], []
    all_cases = [c for c in collect_testcases() if c.model is not None and c.data_sets]
    # The op a case tests: its one op type (Constant aside); an "_expanded" case (the
    # op's function body) belongs to the op of the case it expands.
    op_of = {}
    for case in all_cases:
        kinds = {n.op_type for n in case.model.graph.node} - {"Constant"}
        if "_expanded" not in case.name and len(kinds) == 1:
            op_of[case.name] = kinds.pop()
    for case in all_cases:
        ops = [n.op_type for n in case.model.graph.node]
        base = re.sub(r"_expanded(_ver\d+)?$", "", case.name)
        op = op_of.get(base)
        if op not in SUPPORTED_OPS or (args.op and op != args.op):
            continue
        reason = out_of_scope_reason(case.name, case.model)
        if reason is None:
            unknown = sorted({o for o in ops if o not in SUPPORTED_OPS and o not in FOLDED_OPS})
            if unknown:
                reason = f"function expansion of {op} into ops outside dlpack's subset: " + ", ".join(unknown)
        if reason is not None:
            skipped.append({"name": case.name, "op": op, "reason": reason})
            continue
        case_dir = os.path.join(args.out, case.name)
        model, kept = trim_statistics_outputs(case.model)
        frozen = frozen_inputs(model)
        for k, (ins, outs) in enumerate(case.data_sets):
            d = os.path.join(case_dir, str(k))
            os.makedirs(d, exist_ok=True)
            onnx.save(freeze(model, frozen, ins), os.path.join(d, "model.onnx"))
            runtime_inputs = [as_declared(a, case.model.graph.input[i]) for i, a in enumerate(ins)
                              if case.model.graph.input[i].name not in frozen]
            for i, a in enumerate(runtime_inputs):
                np.save(os.path.join(d, f"input_{i}.npy"), np.asarray(a, order="C"))
            for i, a in enumerate(o for k, o in enumerate(outs) if k in kept):
                np.save(os.path.join(d, f"output_{i}.npy"), np.asarray(a, order="C"))
        cases.append({"name": case.name, "op": op, "dir": case.name, "datasets": len(case.data_sets),
                      "inputs": [i.name for i in case.model.graph.input if i.name not in frozen],
                      "frozen": sorted(frozen), "outputs": [o.name for o in model.graph.output],
                      "rtol": case.rtol, "atol": case.atol})
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    with open(os.path.join(args.out, "skipped.json"), "w") as f:
        json.dump(skipped, f, indent=1)
    print(f"{len(cases)} cases written to {args.out}, {len(skipped)} documented as out of scope")
    return 0


if __name__ == "__main__":
    sys.exit(main())
