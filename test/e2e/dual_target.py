#!/usr/bin/python3
"""One module for the CPU and CUDA (tessera-compile --target=cpu,cuda:sm_90)
against the single-target modules of the same model, for the repo's GPT-2
and BERT exports (scripts/models/export_models.py, opset 17):

  - layout: the module holds the CPU's code as its primary target and the
    CUDA code as another one, and exactly the weight segments (count and
    bytes) the CUDA-only module holds: the weights are stored once;
  - numbers: its CPU session's outputs equal the CPU-only module's within
    rtol 1e-4 (atol 1e-5 x max(1, max |cpu-only|); its CPU kernels read the
    weights unpacked) and PyTorch's within numerics.py's tolerances;
  - its PTX (taken out of the module) passes ptxas -arch=sm_90 (skipped,
    saying so, without ptxas);
  - a CUDA session: without a GPU it fails naming the CUDA step, with no
    hint to pass another --device; with one, its outputs equal the CPU's
    within 1e-3.

One line per model with the figures; exit 1 on any FAIL."""
import argparse
import glob
import os
import shutil
import subprocess
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import model_numerics  # noqa: E402
import module_layout  # noqa: E402
import numerics  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARCH = "sm_90"
MODELS = ["gpt2", "bert"]
TIMEOUT = 600


def find_ptxas():
    return shutil.which("ptxas") or next(
        (p for p in ["/usr/local/cuda/bin/ptxas"] if os.access(p, os.X_OK)), None)


def compile_module(compiler, model, module, target):
    return numerics.run_tool([compiler, model, "--target=" + target, "-o", module], TIMEOUT)


def closeness(actual_dir, expected_dir, names, rtol, atol_scale):
    """(ok, max abs difference) of every output in actual_dir against
    expected_dir."""
    ok, worst = True, 0.0
    for file in numerics.output_file_name(names):
        actual = np.load(os.path.join(actual_dir, file))
        expected = np.load(os.path.join(expected_dir, file))
        if actual.shape != expected.shape or actual.dtype != expected.dtype:
            return False, np.inf
        a, e = actual.astype(np.float64), expected.astype(np.float64)
        atol = atol_scale * max(1.0, float(np.abs(e).max(initial=0.0)))
        ok &= bool(np.allclose(a, e, rtol=rtol, atol=atol))
        worst = max(worst, float(np.abs(a - e).max(initial=0.0)))
    return ok, worst


def check(case, args, ptxas):
    label, model, inputs, outputs, expected = case
    stem = os.path.join(args.work, label)
    modules = {"cpu": stem + ".cpu.tsr", "cuda": stem + ".cuda.tsr", "dual": stem + ".dual.tsr"}
    for kind, target in [("cpu", "cpu"), ("cuda", "cuda:" + ARCH), ("dual", "cpu,cuda:" + ARCH)]:
        ok, message = compile_module(args.compiler, model, modules[kind], target)
        if not ok:
            return False, f"FAIL {label}: tessera-compile --target={target}: {message}"

    dual, cuda = module_layout.read(modules["dual"]), module_layout.read(modules["cuda"])
    kinds = [t["target"].split(":")[0] for t in dual["targets"]]
    if kinds != ["x86_64-cpu", "cuda"]:
        return False, f"FAIL {label}: the module's targets are {kinds}"
    weights, cuda_weights = module_layout.weight_segments(dual), module_layout.weight_segments(cuda)
    weight_bytes = sum(size for _, size in weights)
    if (len(weights), weight_bytes) != (len(cuda_weights), sum(s for _, s in cuda_weights)):
        return False, (f"FAIL {label}: {len(weights)} weights ({weight_bytes} bytes), the "
                       f"CUDA module {len(cuda_weights)} ({sum(s for _, s in cuda_weights)})")
    sizes = {kind: os.path.getsize(path) for kind, path in modules.items()}
    figures = (f"{len(weights)} weights ({weight_bytes} bytes) stored once; sizes cpu "
               f"{sizes['cpu']}, cuda {sizes['cuda']}, both {sizes['dual']} bytes")

    runs = {}
    for kind in ["cpu", "dual"]:
        runs[kind] = stem + "." + kind + ".out"
        ok, message = numerics.run_tool(
            numerics.run_command(args.runner, modules[kind], inputs, runs[kind]), TIMEOUT)
        if not ok:
            return False, f"FAIL {label}: tessera-run {kind}: {message}"
    same, worst = closeness(runs["dual"], runs["cpu"], outputs, 1e-4, 1e-5)
    if not same:
        return False, f"FAIL {label}: CPU outputs differ from the CPU-only module's by {worst:.3g}"
    ok, detail, _, _ = numerics.compare_outputs(runs["dual"], outputs, expected, scaled_atol=True)
    if not ok:
        return False, f"FAIL {label}: against PyTorch: {detail}"
    figures += f"; CPU vs CPU-only max abs diff {worst:.3g}, vs PyTorch {detail}"

    text = module_layout.ptx(dual)
    if ptxas:
        ptx = stem + ".dual.ptx"
        with open(ptx, "w") as f:
            f.write(text)
        assembled = subprocess.run([ptxas, "-arch=" + ARCH, ptx, "-o", os.devnull],
                                   capture_output=True, text=True)
        if assembled.returncode != 0:
            return False, f"FAIL {label}: ptxas rejected the module's PTX\n{assembled.stderr[-2000:]}"
        kernels = sum(line.lstrip().startswith(".visible .entry") for line in text.splitlines())
        figures += f"; ptxas {ARCH}: {kernels} kernels ok"

    command = numerics.run_command(args.runner, modules["dual"], inputs, stem + ".gpu.out")
    done = subprocess.run(command + ["--device=cuda"], capture_output=True, text=True,
                          timeout=TIMEOUT)
    if done.returncode == 0:
        same, worst = closeness(stem + ".gpu.out", runs["dual"], outputs, 1e-3, 1e-3)
        if not same:
            return False, f"FAIL {label}: CUDA outputs differ from the CPU's by {worst:.3g}"
        figures += f"; CUDA vs CPU max abs diff {worst:.3g}"
    elif "error: CUDA: " not in done.stderr or "pass --device" in done.stderr:
        return False, f"FAIL {label}: --device=cuda: {done.stderr.strip()[-500:]}"
    else:
        figures += "; CUDA session: no GPU here (" + numerics.first_error(done.stderr)[:60] + ")"
    return True, f"PASS {label}: {figures}"


def exported_cases(directory):
    """(label, model, {input: .npy}, [output names], [PyTorch's outputs]) for
    every model export_models.py wrote to `directory`."""
    cases = []
    for model in sorted(glob.glob(os.path.join(directory, "*.onnx"))):
        stem = model[:-len(".onnx")]
        inputs, outputs = model_numerics.graph_io(model)
        cases.append((os.path.basename(stem), model,
                      {name: f"{stem}.input_{name}.npy" for name in inputs}, outputs,
                      [np.load(f"{stem}.output_{name}.npy") for name in outputs]))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compiler", required=True, help="tessera-compile")
    parser.add_argument("--runner", required=True, help="tessera-run")
    parser.add_argument("--work", required=True, help="scratch directory")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    exported = os.path.join(args.work, "models")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts/models/export_models.py"),
                    "--out", exported, "--models", ",".join(MODELS), "--opsets", "17"],
                   check=True, capture_output=True)
    ptxas = find_ptxas()
    if not ptxas:
        print("ptxas not found (no CUDA toolkit on PATH or in /usr/local/cuda): the PTX is "
              "not assembled")
    cases = exported_cases(exported)
    if not cases:
        print(f"FAIL: no models in {exported}")
        return 1
    failures = 0
    for case in cases:
        ok, line = check(case, args, ptxas)
        failures += not ok
        print(line, flush=True)
    print(f"{len(cases) - failures} of {len(cases)} models pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
