#!/usr/bin/python3
"""Tessera vs ONNX Runtime on the CPU, side by side in one run.

Exports a BERT-base-shaped encoder (12 layers, hidden 768, 12 heads, FFN 3072,
vocab 30522) and a GPT-2-small-shaped decoder (12 layers, 768, 12 heads, vocab
50257) with the repo's own model code (scripts/models/export_models.py, seeded
random weights, Debian's python3-torch), compiles each with tessera-compile
and times it with tessera-run --benchmark, then times the same .onnx file with
ONNX Runtime 1.30 (../shared/oracle/ort-run.mjs) at the same thread count.
Batch 1, sequence 128. Prints a Markdown table: median latencies, the ratio
(Tessera / ORT; below 1 means Tessera is faster), achieved GFLOP/s (matmul and
attention FLOPs of the model, divided by Tessera's median) and compile time.

Usage: bench/cpu_bench.py [--build build] [--threads 1,2] [--runs 20]
Setup for ORT, once: npm install --prefix ~/.cache/ort --ignore-scripts onnxruntime-node@1.30.0
"""

import argparse
import os
import platform
import subprocess
import sys
import time
import warnings

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import timing  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "models"))

SHAPES = {
    "bert-base": dict(model="bert", HIDDEN=768, LAYERS=12, HEADS=12, FFN=3072,
                      VOCAB=30522, MAX_POS=512),
    "gpt2-small": dict(model="gpt2", HIDDEN=768, LAYERS=12, HEADS=12, FFN=3072,
                       VOCAB=50257, MAX_POS=1024),
}
BATCH, SEQ = 1, 128


def export(name, out_dir):
    """Exports one shape at opset 14; returns the .onnx path and input files."""
    import export_models as em
    import torch

    shape = dict(SHAPES[name])
    model_name = shape.pop("model")
    for key, value in shape.items():
        setattr(em, key, value)
    em.HEAD_DIM = em.HIDDEN // em.HEADS
    torch.set_num_threads(2)
    warnings.filterwarnings("ignore")
    stem = os.path.join(out_dir, f"{model_name}_opset14")
    if not os.path.exists(stem + ".onnx"):
        model, inputs, outputs, axes = em.build(model_name)
        em.export(model_name, 14, model, inputs, outputs, axes, out_dir)
    # The export traces with the script's own sample batch; the benchmark
    # feeds batch 1, sequence 128 (the graph has dynamic axes).
    import numpy as np
    _, input_names, _, _ = em.MODELS[model_name]
    rng = np.random.default_rng(0)
    values = {"input_ids": rng.integers(0, em.VOCAB, (BATCH, SEQ)),
              "attention_mask": np.ones((BATCH, SEQ)),
              "token_type_ids": np.zeros((BATCH, SEQ))}
    files = {}
    for n in input_names:
        files[n] = os.path.join(out_dir, f"bench_{n}.npy")
        np.save(files[n], values[n].astype(np.int64))
    return stem + ".onnx", files


def flops(name):
    """Multiply-adds x 2 of the projections, FFN, attention and LM head."""
    s = SHAPES[name]
    h, layers, ffn = s["HIDDEN"], s["LAYERS"], s["FFN"]
    per_layer = 2 * SEQ * (4 * h * h + 2 * h * ffn) + 2 * 2 * SEQ * SEQ * h
    return BATCH * layers * per_layer


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--shared", default=os.environ.get(
        "TESSERA_SHARED_DIR", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--models", default=",".join(SHAPES))
    args = parser.parse_args()
    oracle = os.path.join(args.shared, "oracle", "ort-run.mjs")
    work = os.path.join(args.build, "bench")
    os.makedirs(work, exist_ok=True)
    threads = [int(t) for t in args.threads.split(",")]

    rows = []
    for name in args.models.split(","):
        out_dir = os.path.join(work, name)
        os.makedirs(out_dir, exist_ok=True)
        onnx_path, inputs = export(name, out_dir)
        tsr = os.path.join(out_dir, "model.tsr")
        start = time.time()
        subprocess.run([os.path.join(args.build, "bin", "tessera-compile"), onnx_path,
                        "-o", tsr, f"--max-seq-len={SEQ}", f"--max-batch={BATCH}"],
                       check=True, capture_output=True)
        compile_s = time.time() - start
        for t in threads:
            ours = timing.tessera_ms(args.build, tsr, inputs, t, args.runs)
            ort_ms = timing.ort_ms(oracle, onnx_path, inputs, t, args.runs)
            rows.append((name, t, ours, ort_ms, flops(name) / ours / 1e6, compile_s))

    print(f"\nBatch {BATCH}, sequence {SEQ}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}\n")
    print("| model | threads | Tessera ms | ORT 1.30 ms | Tessera/ORT | Tessera GFLOP/s | compile s |")
    print("|---|---|---|---|---|---|---|")
    for name, t, ours, ort_ms, gflops, compile_s in rows:
        ratio = f"{ours / ort_ms:.2f}" if ort_ms else "n/a"
        ort_text = f"{ort_ms:.1f}" if ort_ms else "n/a (no ../shared oracle)"
        print(f"| {name} | {t} | {ours:.1f} | {ort_text} | {ratio} | {gflops:.1f} | {compile_s:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
