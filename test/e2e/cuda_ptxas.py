"""Compiles the repo's own test models for CUDA (tessera-compile
--target=cuda:<arch> --emit=ptx) and checks every kernel's PTX with ptxas for
sm_80 and sm_90, counting the kernels on tensor cores (mma.sync): the ONNX
exports of BERT, GPT-2, Llama and T5 (scripts/models/export_models.py,
opset 17) and the native checkpoints (scripts/models/export_checkpoints.py).
Needs no GPU; skipped (77), saying so, where ptxas (the CUDA toolkit) is
absent."""

import argparse
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARCHS = ["sm_80", "sm_90"]
ONNX_MODELS = ["bert", "gpt2", "llama", "t5"]
CHECKPOINTS = ["bert", "gpt2", "gpt2-f16", "llama", "llama-bf16", "t5"]


def find_ptxas(given):
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("ptxas") or next(
        (p for p in ["/usr/local/cuda/bin/ptxas"] if os.access(p, os.X_OK)), None)


def export(work):
    """The models, exported once per work directory."""
    onnx_dir, native_dir = os.path.join(work, "onnx"), os.path.join(work, "native")
    if not os.path.isdir(onnx_dir):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts/models/export_models.py"),
                        "--out", onnx_dir, "--models", ",".join(ONNX_MODELS), "--opsets", "17"],
                       check=True, stdout=subprocess.DEVNULL)
    if not os.path.isdir(native_dir):
        subprocess.run(["/usr/bin/python3",
                        os.path.join(ROOT, "scripts/models/export_checkpoints.py"),
                        "--out", native_dir, "--models", ",".join(CHECKPOINTS)],
                       check=True, stdout=subprocess.DEVNULL)
    models = []
    for dirpath, _, files in sorted(os.walk(onnx_dir)):
        models += [os.path.join(dirpath, f) for f in sorted(files) if f.endswith(".onnx")]
    models += [os.path.join(native_dir, m) for m in CHECKPOINTS]
    return models


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compiler", required=True, help="tessera-compile")
    parser.add_argument("--ptxas", help="ptxas (default: PATH, then /usr/local/cuda/bin)")
    parser.add_argument("--work", required=True, help="scratch directory")
    args = parser.parse_args()
    ptxas = find_ptxas(args.ptxas)
    if not ptxas:
        print("skipped: ptxas not found (no CUDA toolkit on PATH or in /usr/local/cuda): "
              "the PTX of the test models was not checked")
        return 77
    os.makedirs(args.work, exist_ok=True)
    failures, checked = 0, 0
    for model in export(args.work):
        name = os.path.relpath(model, args.work)
        for arch in ARCHS:
            ptx = os.path.join(args.work, name.replace(os.sep, "_") + "." + arch + ".ptx")
            compiled = subprocess.run([args.compiler, model, "--target=cuda:" + arch,
                                       "--emit=ptx", "-o", ptx],
                                      capture_output=True, text=True)
            if compiled.returncode != 0:
                failures += 1
                print("FAIL %s %s: tessera-compile exited %d\n%s" %
                      (name, arch, compiled.returncode, compiled.stderr[-2000:]))
                continue
            with open(ptx) as f:
                text = f.read()
            entries = text.split(".visible .entry")[1:]
            kernels = len(entries)
            mma = sum("mma.sync.aligned" in entry for entry in entries)
            assembled = subprocess.run([ptxas, "-arch=" + arch, ptx, "-o", os.devnull],
                                       capture_output=True, text=True)
            if assembled.returncode != 0:
                failures += 1
                print("FAIL %s %s: ptxas rejected the PTX (%d kernels)\n%s" %
                      (name, arch, kernels, assembled.stderr[-2000:]))
                continue
            checked += kernels
            print("PASS %s %s: %d kernels accepted by ptxas (%d on tensor cores)" %
                  (name, arch, kernels, mma))
    print("%d kernels checked with %s, %d failures" % (checked, ptxas, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
