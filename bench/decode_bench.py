#!/usr/bin/python3
"""Decode tokens/s of a GPT-2-small-shaped model: Tessera, ONNX Runtime and
the memory-bandwidth bound, side by side in one run.

The model (12 layers, hidden 768, 12 heads, vocab 50257, tied LM head;
seeded weights) is written as a Hugging Face directory with the repo's own
GPT-2 module (scripts/models/export_checkpoints.py, Debian's python3-torch)
and compiled by tessera-compile's native frontend, whose `decode` function
takes one token and the past K/V caches. The same weights are exported by
torch.onnx as a decoder-with-past (input_ids [1, 1] and
past_key_values.{i}.key/value -> logits and present.{i}.*) for ONNX Runtime
1.30 (../shared/oracle/ort-run.mjs). Both time one decode step (median of
--runs) with a past of context - 1 tokens, batch 1, at the same thread
count.

The bound: every weight is read once per token (the LM head is the tied
embedding; the position table contributes one row), so a step cannot beat
weight bytes / read bandwidth, measured here by NumPy summing a 512 MiB
array (one thread, best of 5). "+ KV" adds the cache bytes a step reads.

Usage: bench/decode_bench.py [--build build] [--threads 1] [--runs 20] [--contexts 128,512]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import timing  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "models"))

SHAPE = dict(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12)
MAX_SEQ = 512


def seeded_model():
    """The GPT-2-small-shaped GPT2LMHeadModel (seeded weights, eval mode)."""
    import export_checkpoints as ec
    import torch

    torch.manual_seed(0)
    model = ec.GPT2LMHeadModel(dict(ec.GPT2, **SHAPE))
    ec.init_weights(model)
    return model.eval()


def decoder_with_past(lm):
    """One step of `lm` with its caches (modeling_gpt2.py's layer_past path),
    on the module's own weights: (input_ids, *past) -> (logits, *presents)."""
    import torch
    from torch.nn import functional as F

    class DecoderWithPast(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.t = lm.transformer

        def forward(self, input_ids, *past):
            t, heads = self.t, SHAPE["n_head"]
            position = torch.full_like(input_ids, 0) + past[0].shape[2]
            x = t.wte(input_ids) + t.wpe(position)
            presents = []
            for i, block in enumerate(t.h):
                q, k, v = block.attn.c_attn(block.ln_1(x)).split(SHAPE["n_embd"], dim=2)
                split = lambda a: a.view(1, 1, heads, -1).permute(0, 2, 1, 3)  # noqa: E731
                k = torch.cat([past[2 * i], split(k)], dim=2)
                v = torch.cat([past[2 * i + 1], split(v)], dim=2)
                presents += [k, v]
                w = torch.matmul(split(q), k.transpose(-1, -2)) / (v.size(-1) ** 0.5)
                a = torch.matmul(F.softmax(w, dim=-1), v).permute(0, 2, 1, 3).reshape(1, 1, -1)
                x = x + block.attn.c_proj(a)
                x = x + block.mlp(block.ln_2(x))
            return (t.ln_f(x) @ t.wte.weight.T, *presents)

    return DecoderWithPast()


def past_names():
    return [f"past_key_values.{i}.{p}" for i in range(SHAPE["n_layer"]) for p in ("key", "value")]


def step_inputs(work, context, rng):
    """input_ids and random past caches of context - 1 tokens as .npy files."""
    files = {"input_ids": os.path.join(work, "input_ids.npy")}
    np.save(files["input_ids"], np.array([[42]], dtype=np.int64))
    for name in past_names():
        files[name] = os.path.join(work, f"{name}.{context}.npy")
        np.save(files[name], rng.standard_normal(
            (1, SHAPE["n_head"], context - 1, 64)).astype(np.float32))
    return files


def write_model(out_dir):
    """The HF directory and the decoder-with-past .onnx; returns their paths,
    the past input names and the weight bytes a step reads."""
    import export_checkpoints as ec
    import torch

    model = seeded_model()
    hf_dir = os.path.join(out_dir, "gpt2-small")
    os.makedirs(hf_dir, exist_ok=True)
    if not os.path.exists(os.path.join(hf_dir, "model.safetensors")):
        with open(os.path.join(hf_dir, "config.json"), "w") as f:
            json.dump(dict(ec.GPT2, **SHAPE), f, indent=2)
        state = {k: v for k, v in model.state_dict().items() if k not in model.tied}
        ec.write_safetensors(os.path.join(hf_dir, "model.safetensors"), state, "F32")

    onnx_path = os.path.join(out_dir, "gpt2-small-decoder-with-past.onnx")
    names = past_names()
    present_names = [n.replace("past_key_values", "present") for n in names]
    if not os.path.exists(onnx_path):
        warnings.filterwarnings("ignore")
        past = [torch.zeros(1, SHAPE["n_head"], 3, 64) for _ in names]
        axes = {n: {2: "past_sequence"} for n in names}
        axes.update({n: {2: "present_sequence"} for n in present_names})
        with torch.no_grad():
            torch.onnx.export(decoder_with_past(model), (torch.zeros(1, 1, dtype=torch.long), *past),
                              onnx_path, input_names=["input_ids"] + names,
                              output_names=["logits"] + present_names, dynamic_axes=axes,
                              opset_version=14)
    weight_bytes = 4 * sum(p.numel() for n, p in model.named_parameters() if "wpe" not in n)
    return hf_dir, onnx_path, names, weight_bytes


def read_bandwidth():
    """GB/s of a one-thread NumPy sum over 512 MiB (best of 5)."""
    a = np.ones(128 << 20, dtype=np.float32)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        a.sum()
        best = min(best, time.perf_counter() - start)
    return a.nbytes / best / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--shared", default=os.environ.get(
        "TESSERA_SHARED_DIR", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--threads", default="1")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--contexts", default="128,512")
    args = parser.parse_args()
    work = os.path.join(args.build, "bench", "decode")
    os.makedirs(work, exist_ok=True)
    oracle = os.path.join(args.shared, "oracle", "ort-run.mjs")

    hf_dir, onnx_path, _, weight_bytes = write_model(work)
    tsr = os.path.join(work, "gpt2-small.tsr")
    # Compiled on every run (the exported model is kept: its weights are
    # seeded): a module left by an earlier build would time that build.
    start = time.time()
    subprocess.run([os.path.join(args.build, "bin", "tessera-compile"), hf_dir, "-o", tsr,
                    f"--max-seq-len={MAX_SEQ}", "--max-batch=1"], check=True)
    compile_s = time.time() - start
    bandwidth = read_bandwidth()

    rows = []
    rng = np.random.default_rng(0)
    for context in [int(c) for c in args.contexts.split(",")]:
        files = step_inputs(work, context, rng)
        kv_bytes = 2 * SHAPE["n_layer"] * context * SHAPE["n_embd"] * 4
        for t in [int(t) for t in args.threads.split(",")]:
            ours = timing.tessera_ms(args.build, tsr, files, t, args.runs, function="decode")
            ort_ms = timing.ort_ms(oracle, onnx_path, files, t, args.runs)
            rows.append((context, t, ours, ort_ms, kv_bytes))

    print(f"\nGPT-2-small shape, batch 1, one decode step after context - 1 cached tokens; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{time.strftime('%Y-%m-%d')}; compile {compile_s:.0f} s")
    print(f"weights {weight_bytes / 1e6:.0f} MB per token; read bandwidth {bandwidth:.1f} GB/s "
          f"(NumPy sum, one thread)\n")
    print("| context | threads | Tessera tok/s | ORT 1.30 tok/s | Tessera/ORT speed | "
          "bound tok/s (weights) | bound tok/s (+ KV) | Tessera % of bound |")
    print("|---|---|---|---|---|---|---|---|")
    for context, t, ours, ort_ms, kv_bytes in rows:
        bound = bandwidth * 1e9 / weight_bytes
        bound_kv = bandwidth * 1e9 / (weight_bytes + kv_bytes)
        ort_text = f"{1000 / ort_ms:.1f}" if ort_ms else "n/a (no ../shared oracle)"
        ratio = f"{ort_ms / ours:.2f}" if ort_ms else "n/a"
        print(f"| {context} | {t} | {1000 / ours:.1f} | {ort_text} | {ratio} | {bound:.1f} | "
              f"{bound_kv:.1f} | {100 * 1000 / ours / bound:.0f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
