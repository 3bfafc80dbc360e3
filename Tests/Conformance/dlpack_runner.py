"""Runs a .dlpk model on numpy inputs through the dlpack CLI (`dlpack run`), for the
conformance and real-model scripts: inputs go in as .npy files, outputs come back
as .npy files in a temporary directory."""
import os
import subprocess
import tempfile

import numpy as np


def run_dlpk(dlpack, model, inputs):
    """inputs: {name: array} in graph input order. Returns the outputs in graph order."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [dlpack, "run", model, "--output-dir", tmp]
        for i, (name, array) in enumerate(inputs.items()):
            path = os.path.join(tmp, f"input_{i}.npy")
            np.save(path, np.asarray(array, order="C"))
            cmd += ["--input", f"{name}={path}"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError((done.stderr or done.stdout).strip().splitlines()[-1] if (done.stderr or done.stdout).strip() else f"exit {done.returncode}")
        outputs = sorted(f for f in os.listdir(tmp) if f.startswith("output_"))
        return [np.load(os.path.join(tmp, f)) for f in sorted(outputs, key=lambda f: int(f[7:-4]))]
