#!/usr/bin/env python3
"""Measures what the .dlpk encodings buy on really trained weights, and load times.

Trains a 784-1024-256-10 MLP (1.07M parameters) on mnist_5k with numpy, writes it
as .dlpk twice -- fp32, and int8 (per-channel symmetric weights, int32 biases) --
with the small independent writer below (written from format/SPEC.md alone), then
runs `dlpack inspect --stats --json` on each file, and times the peer, numpy's
np.load of the same weights (.npz, and .npz deflate-compressed), in the same run.

    swift build -c release --product dlpack
    python3 format/bench/measure.py --data Tests/Data/mnist_5k.csv.gz

Prints markdown tables (pasted into format/SPEC.md, "Measured").
"""
import argparse
import gzip
import io
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ---------------------------------------------------------------- XXH64 (SPEC.md "Checksums")
P1, P2, P3, P4, P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                      0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5)
M = (1 << 64) - 1


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def _round(acc, lane):
    return (_rotl((acc + lane * P2) & M, 31) * P1) & M


def xxh64(data, seed=0):
    n = len(data)
    i = 0
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        lanes = np.frombuffer(data[: n - n % 32], dtype="<u8").tolist()
        for k in range(0, len(lanes), 4):
            v[0] = _round(v[0], lanes[k]); v[1] = _round(v[1], lanes[k + 1])
            v[2] = _round(v[2], lanes[k + 2]); v[3] = _round(v[3], lanes[k + 3])
        i = n - n % 32
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & M
        for x in v:
            h = (((h ^ _round(0, x)) * P1) + P4) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 8 <= n:
        h ^= _round(0, struct.unpack_from("<Q", data, i)[0])
        h = (_rotl(h, 27) * P1 + P4) & M
        i += 8
    if i + 4 <= n:
        h ^= (struct.unpack_from("<I", data, i)[0] * P1) & M
        h = (_rotl(h, 23) * P2 + P3) & M
        i += 4
    while i < n:
        h ^= (data[i] * P5) & M
        h = (_rotl(h, 11) * P1) & M
        i += 1
    h ^= h >> 33; h = (h * P2) & M
    h ^= h >> 29; h = (h * P3) & M
    h ^= h >> 32
    return h


assert xxh64(b"abc") == 0x44BC2CF5AD770999

# ---------------------------------------------------------------- protobuf (format/dlpk.proto)


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def zigzag(v):
    return (v << 1) ^ (v >> 63)


def f_uint(field, v):
    return varint(field << 3) + varint(v) if v else b""


def f_sint(field, v):
    return f_uint(field, zigzag(v))


def f_bytes(field, b):
    return varint(field << 3 | 2) + varint(len(b)) + b


def f_str(field, s):
    return f_bytes(field, s.encode()) if s else b""


def f_fixed64(field, v):
    return varint(field << 3 | 1) + struct.pack("<Q", v)


def f_float(field, v):
    return varint(field << 3 | 5) + struct.pack("<f", v)


def packed(field, values, enc):
    return f_bytes(field, b"".join(enc(v) for v in values)) if len(values) else b""


DTYPES = {"f32": 1, "i8": 4, "i32": 6}
OPS = {"Dense": 1, "Softmax": 17, "Quantize": 31, "Dequantize": 32}


def write_dlpk(path, tensors, nodes, inputs, outputs, labels, scale):
    """tensors: dicts name, dtype, shape, data (np array or None), quant (scales, zps, axis)."""
    blobs = bytearray()
    msgs = []
    for t in tensors:
        body = f_str(1, t["name"]) + f_uint(2, DTYPES[t["dtype"]])
        body += packed(3, t["shape"], lambda d: varint(zigzag(d)))
        if t.get("quant"):
            scales, zps, axis = t["quant"]
            q = packed(1, scales, lambda s: struct.pack("<f", s)) + packed(2, zps, lambda z: varint(zigzag(int(z))))
            if axis is not None:
                q += f_uint(3, 1) + f_uint(4, axis)
            body += f_bytes(5, q)
        if t.get("data") is not None:
            raw = np.ascontiguousarray(t["data"]).astype(t["data"].dtype.newbyteorder("<")).tobytes()
            offset = (len(blobs) + 63) // 64 * 64
            blobs += b"\0" * (offset - len(blobs)) + raw
            blob = f_uint(1, offset) + f_uint(2, len(raw)) + f_uint(3, len(raw)) + f_fixed64(6, xxh64(raw))
            body += f_uint(4, 1) + f_bytes(6, blob)
        msgs.append(f_bytes(1, body))
    for n in nodes:
        body = f_str(1, n["name"]) + f_uint(2, OPS[n["op"]])
        body += packed(3, n["inputs"], lambda d: varint(zigzag(d))) + packed(4, n["outputs"], varint)
        for k, v in n.get("attrs", {}).items():
            body += f_bytes(5, f_str(1, k) + f_uint(2, 1) + f_sint(3, v))
        msgs.append(f_bytes(2, body))
    graph = b"".join(msgs) + packed(3, inputs, varint) + packed(4, outputs, varint)
    meta = f_str(1, "format/bench/measure.py") + f_str(2, "1") + f_uint(3, int(time.time()))
    meta += b"".join(f_bytes(4, l.encode()) for l in labels)
    meta += f_bytes(5, f_uint(1, 0) + f_float(2, scale) + f_sint(5, 1))
    manifest = f_bytes(1, graph) + f_bytes(2, meta)
    blobs_offset = (64 + len(manifest) + 63) // 64 * 64
    size = blobs_offset + len(blobs)
    head = b"DLPK" + struct.pack("<HHIIQQQQQ", 1, 0, 0, 64, size, 64, len(manifest), blobs_offset, xxh64(manifest))
    head += struct.pack("<Q", xxh64(head))
    with open(path, "wb") as f:
        f.write(head + manifest + b"\0" * (blobs_offset - 64 - len(manifest)) + bytes(blobs))


# ---------------------------------------------------------------- training


def load_mnist(path):
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",", dtype=np.float32)
    x, y = data[:, :784] / 255.0, data[:, 784].astype(np.int64)
    rows = np.arange(5000)
    train = (rows % 500) < 400
    return x[train], y[train], x[~train], y[~train]


def train_mlp(x, y, sizes, epochs, seed=0):
    rng = np.random.default_rng(seed)
    ws = [(rng.standard_normal((o, i)) * np.sqrt(2.0 / i)).astype(np.float32) for i, o in zip(sizes, sizes[1:])]
    bs = [np.zeros(o, np.float32) for o in sizes[1:]]
    params = ws + bs
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, b1, b2, step = 1e-3, 0.9, 0.999, 0
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for k in range(0, len(x), 64):
            idx = order[k:k + 64]
            acts = [x[idx]]
            for j, (w, b) in enumerate(zip(ws, bs)):
                z = acts[-1] @ w.T + b
                acts.append(np.maximum(z, 0) if j < len(ws) - 1 else z)
            logits = acts[-1]
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            g = p
            g[np.arange(len(idx)), y[idx]] -= 1
            g /= len(idx)
            gw, gb = [None] * len(ws), [None] * len(ws)
            for j in reversed(range(len(ws))):
                gw[j] = g.T @ acts[j]
                gb[j] = g.sum(0)
                if j:
                    g = (g @ ws[j]) * (acts[j] > 0)
            step += 1
            for t, (p_, gr) in enumerate(zip(params, gw + gb)):
                m[t] = b1 * m[t] + (1 - b1) * gr
                v[t] = b2 * v[t] + (1 - b2) * gr * gr
                p_ -= lr * (m[t] / (1 - b1 ** step)) / (np.sqrt(v[t] / (1 - b2 ** step)) + 1e-8)
    return ws, bs


def forward(x, ws, bs):
    h = x
    for j, (w, b) in enumerate(zip(ws, bs)):
        h = h @ w.T + b
        if j < len(ws) - 1:
            h = np.maximum(h, 0)
    return h


# ---------------------------------------------------------------- models


def fp32_model(ws, bs):
    tensors = [{"name": "x", "dtype": "f32", "shape": [-1, 784]}]
    nodes = []
    prev = 0
    for j, (w, b) in enumerate(zip(ws, bs)):
        tensors += [{"name": f"dense{j}.weight", "dtype": "f32", "shape": list(w.shape), "data": w},
                    {"name": f"dense{j}.bias", "dtype": "f32", "shape": list(b.shape), "data": b},
                    {"name": f"h{j}", "dtype": "f32", "shape": [-1, w.shape[0]]}]
        out = len(tensors) - 1
        nodes.append({"name": f"dense{j}", "op": "Dense", "inputs": [prev, out - 2, out - 1], "outputs": [out],
                      "attrs": {"activation": 1 if j < len(ws) - 1 else 0}})
        prev = out
    tensors.append({"name": "probs", "dtype": "f32", "shape": [-1, 10]})
    nodes.append({"name": "softmax", "op": "Softmax", "inputs": [prev], "outputs": [len(tensors) - 1]})
    return tensors, nodes, [0], [len(tensors) - 1]


def int8_model(ws, bs, calibration):
    """Weights int8 symmetric per output channel; biases int32 at input x weight scale;
    activations int8 asymmetric per tensor from calibration (DESIGN.md's rules)."""
    tensors = [{"name": "x", "dtype": "f32", "shape": [-1, 784]},
               {"name": "x.q", "dtype": "i8", "shape": [-1, 784], "quant": ([1 / 255], [-128], None)}]
    nodes = [{"name": "quantize", "op": "Quantize", "inputs": [0], "outputs": [1]}]
    prev, in_scale = 1, 1 / 255
    h = calibration
    for j, (w, b) in enumerate(zip(ws, bs)):
        amax = np.abs(w).max(1)
        wscale = np.where(amax > 0, amax / 127, 1.0).astype(np.float32)
        wq = np.clip(np.round(w / wscale[:, None]), -127, 127).astype(np.int8)
        bscale = (in_scale * wscale).astype(np.float32)
        bq = np.round(b / bscale).astype(np.int32)
        h = h @ w.T + b
        last = j == len(ws) - 1
        if not last:
            h = np.maximum(h, 0)
        lo, hi = min(float(h.min()), 0.0), max(float(h.max()), 0.0)
        out_scale = (hi - lo) / 255
        zp = int(round(-128 - lo / out_scale))
        tensors += [{"name": f"dense{j}.weight", "dtype": "i8", "shape": list(w.shape), "data": wq,
                     "quant": (wscale.tolist(), [0] * len(wscale), 0)},
                    {"name": f"dense{j}.bias", "dtype": "i32", "shape": list(b.shape), "data": bq,
                     "quant": (bscale.tolist(), [0] * len(bscale), 0)},
                    {"name": f"h{j}.q", "dtype": "i8", "shape": [-1, w.shape[0]], "quant": ([out_scale], [zp], None)}]
        out = len(tensors) - 1
        nodes.append({"name": f"dense{j}", "op": "Dense", "inputs": [prev, out - 2, out - 1], "outputs": [out],
                      "attrs": {"activation": 0 if last else 1}})
        prev, in_scale = out, out_scale
    tensors += [{"name": "logits", "dtype": "f32", "shape": [-1, 10]}, {"name": "probs", "dtype": "f32", "shape": [-1, 10]}]
    nodes += [{"name": "dequantize", "op": "Dequantize", "inputs": [prev], "outputs": [len(tensors) - 2]},
              {"name": "softmax", "op": "Softmax", "inputs": [len(tensors) - 2], "outputs": [len(tensors) - 1]}]
    return tensors, nodes, [0], [len(tensors) - 1], [t for t in tensors if t.get("data") is not None]


# ---------------------------------------------------------------- measuring


def time_npz_load(path, repetitions):
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        with np.load(path) as z:
            arrays = [z[k] for k in z.files]
        times.append((time.perf_counter() - start) * 1000)
        del arrays
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "Tests/Data/mnist_5k.csv.gz"))
    ap.add_argument("--dlpack", default=os.path.join(ROOT, ".build/release/dlpack"))
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--repetitions", type=int, default=30)
    ap.add_argument("--out", default=None, help="keep the .dlpk files in this directory")
    args = ap.parse_args()
    if not os.path.exists(args.data):
        sys.exit(f"measure.py: {args.data} not found (mnist_5k.csv.gz; pass --data)")
    if not os.access(args.dlpack, os.X_OK):
        sys.exit(f"measure.py: {args.dlpack} not found (swift build -c release --product dlpack; or pass --dlpack)")

    xtr, ytr, xte, yte = load_mnist(args.data)
    start = time.perf_counter()
    ws, bs = train_mlp(xtr, ytr, [784, 1024, 256, 10], args.epochs)
    accuracy = float((forward(xte, ws, bs).argmax(1) == yte).mean())
    nparams = sum(w.size for w in ws) + sum(b.size for b in bs)
    print(f"trained 784-1024-256-10 MLP ({nparams} parameters) in {time.perf_counter() - start:.1f} s, "
          f"test accuracy {accuracy:.4f} on 1000 mnist_5k digits")

    out = args.out or tempfile.mkdtemp(prefix="dlpk-measure-")
    os.makedirs(out, exist_ok=True)
    labels = [str(c) for c in range(10)]
    fp32_path = os.path.join(out, "mlp_fp32.dlpk")
    t, n, i, o = fp32_model(ws, bs)
    write_dlpk(fp32_path, t, n, i, o, labels, 1 / 255)
    int8_path = os.path.join(out, "mlp_int8.dlpk")
    t8, n8, i8, o8, consts8 = int8_model(ws, bs, xtr[:500])
    write_dlpk(int8_path, t8, n8, i8, o8, labels, 1 / 255)

    peers = {}
    for name, arrays in (("fp32", {f"a{k}": a for k, a in enumerate(ws + bs)}),
                         ("int8", {f"a{k}": c["data"] for k, c in enumerate(consts8)})):
        for kind, save in (("npz", np.savez), ("npz-deflate", np.savez_compressed)):
            p = os.path.join(out, f"{name}.{kind}.npz")
            save(p, **arrays)
            med, best = time_npz_load(p, args.repetitions)
            peers[(name, kind)] = (os.path.getsize(p), med, best)

    for name, path in (("fp32", fp32_path), ("int8", int8_path)):
        result = subprocess.run([args.dlpack, "inspect", "--stats", "--json", "--repetitions", str(args.repetitions), path],
                                capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"measure.py: dlpack inspect failed on {path}: {result.stderr.strip()}")
        report = json.loads(result.stdout)
        stats = report["stats"]
        print(f"\n### {name} model ({report['totals']['parameters']} parameters, written by measure.py, read by dlpack)\n")
        print("| dtype | values | raw | " + " | ".join(e["name"] for e in stats["encodings"]) + " |")
        print("|---|---|---|" + "---|" * len(stats["encodings"]))
        for dtype in sorted(stats["rawBytes"]):
            raw = stats["rawBytes"][dtype]
            cells = [f"{e['storedBytes'].get(dtype, 0)} B ({raw / max(e['storedBytes'].get(dtype, 1), 1):.2f}x)"
                     for e in stats["encodings"]]
            print(f"| {dtype} | {stats['parameters'][dtype]} | {raw} B | " + " | ".join(cells) + " |")
        print("\n| writer | write time (whole model) |\n|---|---|")
        for e in stats["encodings"]:
            print(f"| {e['name']} | {e['writeSeconds'] * 1000:.0f} ms |")
        print(f"\n| load ({args.repetitions} runs, warm cache) | file | median | best |\n|---|---|---|---|")
        for l in stats["loadTimes"]:
            label = "dlpack " + l["encoding"] + ("" if l["verifyChecksums"] else ", checksums off")
            print(f"| {label} | {l['fileBytes']} B | {l['medianMilliseconds']:.3f} ms | {l['minMilliseconds']:.3f} ms |")
        for kind in ("npz", "npz-deflate"):
            size, med, best = peers[(name, kind)]
            print(f"| numpy np.load {kind} (peer) | {size} B | {med:.3f} ms | {best:.3f} ms |")
        raw_load = next(l for l in stats["loadTimes"] if l["encoding"] == "raw" and l["verifyChecksums"])
        zstd_load = next(l for l in stats["loadTimes"] if l["encoding"] == "shuffle+zstd-19")
        print(f"\nratio dlpack raw / numpy npz: {raw_load['medianMilliseconds'] / peers[(name, 'npz')][1]:.2f}; "
              f"dlpack shuffle+zstd-19 / numpy npz-deflate: "
              f"{zstd_load['medianMilliseconds'] / peers[(name, 'npz-deflate')][1]:.2f} (load time; < 1 is faster)")
    print(f"\nfiles in {out}")


if __name__ == "__main__":
    main()
