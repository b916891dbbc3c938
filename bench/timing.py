"""What both benchmarks time and how: tessera-run's and ONNX Runtime's
median latency for one set of .npy inputs."""

import json
import os
import re
import subprocess
import sys


def median_ms(text):
    match = re.search(r"median[^0-9]*([0-9.]+)\s*ms", text)
    if not match:
        raise RuntimeError("no median in: " + text[-500:])
    return float(match.group(1))


def tessera_ms(build, tsr, inputs, threads, runs, function=None, device=None):
    """Median ms of `tessera-run --benchmark` on `inputs` (name -> .npy)."""
    command = [os.path.join(build, "bin", "tessera-run"), tsr, "--threads", str(threads),
               "--benchmark", str(runs)]
    if function:
        command += ["--function", function]
    if device:
        command += ["--device", device]
    command += [a for n, f in inputs.items() for a in ("--input", f"{n}={f}")]
    run = subprocess.run(command, check=True, capture_output=True, text=True)
    return median_ms(run.stdout + run.stderr)


def ort_ms(oracle, model, inputs, threads, runs):
    """Median ms of ONNX Runtime through ../shared/oracle/ort-run.mjs, or None
    when the oracle is absent or fails (its error goes to stderr)."""
    if not os.path.exists(oracle):
        return None
    ort = subprocess.run(
        ["node", oracle, model, "--threads", str(threads), "--bench", str(runs)]
        + [a for n, f in inputs.items() for a in ("--in", f"{n}={f}")],
        capture_output=True, text=True)
    if ort.returncode != 0:
        print(ort.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(ort.stdout.strip().splitlines()[-1])["medianMs"]
