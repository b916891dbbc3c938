#!/usr/bin/python3
"""Text generation end to end: tessera-compile (which stores the tokenizer
found beside the checkpoint), then tessera-run --prompt.

  --case own       the llama2.c checkpoint and tokenizer.bin of
                   scripts/models/llama2c_checkpoint.py (seeded weights, dim
                   32, 2 layers, 4 heads, 2 KV heads, vocab 300): greedy tokens through prefill + decode (the
                   session's KV cache) and through main re-run on the whole
                   sequence must both equal a NumPy llama2.c reference (a
                   step whose reference top-2 margin is under 1e-4 counts as
                   a tie); sampling with a seed repeats; the prompt text
                   comes back through the tokenizer; both tokens/s figures
                   are printed.
  --case stories   ../shared/models/stories260K: stories260K.bin with the
                   tok512.bin beside it, and stories260K_opset14.onnx with
                   --tokenizer tok512.bin (only `main`: re-run per token),
                   each greedy from BOS, must give the reference tokens
                   (.greedy_tokens.npy) and the text of DATA.md. Exit 77
                   (skipped) when ../shared is absent.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "models"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from llama2c_checkpoint import (make_weights, reference_logits,  # noqa: E402
                                write_checkpoint, write_tokenizer)
STORY = ("Once upon a time, there was a little girl named Lily. She loved to play "
         "outside in the park. One day, she saw a big, red ball. She wanted to play "
         "with it, but it was too high.")
TIE = 1e-4
failures = []


def check(ok, what, detail=""):
    print(("PASS " if ok else "FAIL ") + what + (f": {detail}" if detail else ""))
    if not ok:
        failures.append(what)


def run(cmd, timeout=900):
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def compare_greedy(w, ids, prompt_len, what):
    """ids: prompt + generated; each generated id must be the reference's
    argmax given the ids before it (or within TIE of it)."""
    logits = reference_logits(w, ids[:-1])
    for step in range(prompt_len, len(ids)):
        row = logits[step - 1]
        best = int(np.argmax(row))
        if ids[step] != best and row[best] - row[ids[step]] > TIE:
            check(False, what, f"token {step - prompt_len}: {ids[step]}, reference {best} "
                  f"(margin {row[best] - row[ids[step]]:.3g})")
            return
    check(True, what, f"{len(ids) - prompt_len} tokens equal the NumPy reference")


def own_case(args):
    work = os.path.join(args.work, "own")
    os.makedirs(work, exist_ok=True)
    w = make_weights()
    ckpt = os.path.join(work, "model.bin")
    write_checkpoint(ckpt, w)
    write_tokenizer(os.path.join(work, "tokenizer.bin"))
    tsr = os.path.join(work, "model.tsr")
    run([args.compiler, ckpt, "-o", tsr, "--max-seq-len", "64", "--max-batch", "1"])

    def generate(*extra, n="40"):
        ids_path = os.path.join(work, "ids.npy")
        proc = run([args.runner, tsr, "--threads", "1", "-n", n, "--token-ids", ids_path,
                    *extra])
        return proc, [int(t) for t in np.load(ids_path)]

    prompt = "hello world and the"
    proc, ids = generate("--prompt", prompt)
    check(proc.stdout.startswith(prompt), "prompt text round trip",
          repr(proc.stdout[:60]))
    check("prefill:" in proc.stderr and "tokens/s" in proc.stderr and "decode:" in proc.stderr,
          "tokens/s of prefill and decode on stderr", proc.stderr.strip())
    prompt_len = len(generate("--prompt", prompt, n="0")[1])
    compare_greedy(w, ids, prompt_len, "greedy prefill + decode (session KV cache)")
    proc_main, ids_main = generate("--prompt", prompt, "--rerun-main")
    compare_greedy(w, ids_main, prompt_len, "greedy main re-run on the whole sequence")
    check("main re-run" in proc_main.stderr, "main re-run reported", proc_main.stderr.strip())
    # To the compiled maximum: 64 positions seen, the token sampled at the
    # last one, then a clear stop.
    proc_long, ids_long = generate("--prompt", prompt, n="200")
    check(len(ids_long) == 65 and "compiled maximum of 64 positions" in proc_long.stderr,
          "stops at the compiled maximum", f"{len(ids_long)} ids; {proc_long.stderr.strip()}")
    compare_greedy(w, ids_long, prompt_len, "greedy to the compiled maximum")

    sample = ["--prompt", prompt, "--temperature", "0.9", "--top-k", "50", "--top-p", "0.95"]
    _, a = generate(*sample, "--seed", "3")
    _, b = generate(*sample, "--seed", "3")
    _, c = generate(*sample, "--seed", "4")
    check(a == b and a != c, "sampling repeats with a seed and changes with another")
    _, d = generate("--prompt", prompt, "--tokenizer", os.path.join(work, "tokenizer.bin"))
    check(d == ids, "--tokenizer FILE gives the stored tokenizer's result")
    return 0


def stories_case(args):
    base = os.path.join(args.shared, "models", "stories260K")
    if not os.path.isdir(base):
        print(f"skipped: {base} not found (set TESSERA_SHARED_DIR to the shared data)")
        return 77
    work = os.path.join(args.work, "stories")
    os.makedirs(work, exist_ok=True)
    reference = [int(t) for t in np.load(os.path.join(base,
                                                      "stories260K_opset14.onnx.greedy_tokens.npy"))]
    for label, model, extra in [
            ("stories260K.bin (tokenizer found beside it)", "stories260K.bin", []),
            ("stories260K_opset14.onnx (--tokenizer tok512.bin)", "stories260K_opset14.onnx",
             ["--tokenizer", os.path.join(base, "tok512.bin")])]:
        tsr = os.path.join(work, model + ".tsr")
        run([args.compiler, os.path.join(base, model), "-o", tsr, *extra])
        ids_path = os.path.join(work, model + ".ids.npy")
        proc = run([args.runner, tsr, "--prompt", "", "-n", str(len(reference)),
                    "--temperature", "0", "--token-ids", ids_path])
        ids = [int(t) for t in np.load(ids_path)]
        same = ids[:len(reference)] == reference
        check(same, f"{label}: greedy tokens",
              f"{len(reference) - 1}/{len(reference) - 1} equal the reference" if same
              else f"got {ids[:len(reference)]}")
        check(proc.stdout.startswith(STORY), f"{label}: text", repr(proc.stdout[:200]))
        print(f"     {proc.stderr.strip()}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=["own", "stories"], required=True)
    parser.add_argument("--compiler", required=True, help="tessera-compile")
    parser.add_argument("--runner", required=True, help="tessera-run")
    parser.add_argument("--work", required=True, help="directory for the files")
    parser.add_argument("--shared", default=os.environ.get(
        "TESSERA_SHARED_DIR", os.path.join(ROOT, "..", "shared")))
    args = parser.parse_args()
    rc = own_case(args) if args.case == "own" else stories_case(args)
    return 1 if failures else rc


if __name__ == "__main__":
    sys.exit(main())
