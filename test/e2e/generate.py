#!/usr/bin/python3
"""Text generation end to end: tessera-compile (which stores the tokenizer
found beside the checkpoint), then tessera-run --prompt.

  --case own       a llama2.c checkpoint and tokenizer.bin written here with
                   seeded weights (dim 32, 2 layers, 4 heads, 2 KV heads,
                   vocab 300): greedy tokens through prefill + decode (the
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
import struct
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


# ---- a llama2.c checkpoint, its tokenizer, and a NumPy reference ---------

CFG = dict(dim=32, hidden=64, layers=2, heads=4, kv_heads=2, vocab=300, seq=64)


def write_tokenizer(path):
    """llama2.c tokenizer.bin: <unk>, <s>, </s>, the 256 byte pieces, then
    letters, space-prefixed letters and a few longer pieces with scores that
    make the BPE merges deterministic."""
    pieces = [("<unk>", 0.0), ("\n<s>\n", 0.0), ("\n</s>\n", 0.0)]
    pieces += [(f"<0x{b:02X}>", 0.0) for b in range(256)]
    words = [" ", "e", "t", "a", "o", "n", " t", " a", "he", " the", "in", " s", "er",
             " w", "or", "ld", " h", "ll", "lo", " he", " hel", " hello", " wor",
             " world", "an", " an", "d", " and", ".", ",", "l", "h", "w", "r", "s",
             "i", "g", "u", "c", "y", "m"]
    pieces += [(w, -float(i)) for i, w in enumerate(words)]
    assert len(pieces) == CFG["vocab"], len(pieces)
    with open(path, "wb") as f:
        f.write(struct.pack("<i", max(len(p.encode()) for p, _ in pieces)))
        for text, score in pieces:
            raw = text.encode()
            f.write(struct.pack("<fi", score, len(raw)) + raw)


def make_weights():
    c = CFG
    rng = np.random.default_rng(6)
    r = lambda *s, scale=0.2: (rng.standard_normal(s) * scale).astype(np.float32)
    hd = c["dim"] // c["heads"]
    kv = hd * c["kv_heads"]
    L = c["layers"]
    return dict(
        emb=r(c["vocab"], c["dim"], scale=1.0), rms_att=1 + r(L, c["dim"], scale=0.1),
        wq=r(L, c["dim"], c["dim"]), wk=r(L, kv, c["dim"]), wv=r(L, kv, c["dim"]),
        wo=r(L, c["dim"], c["dim"]), rms_ffn=1 + r(L, c["dim"], scale=0.1),
        w1=r(L, c["hidden"], c["dim"]), w2=r(L, c["dim"], c["hidden"]),
        w3=r(L, c["hidden"], c["dim"]), rms_final=1 + r(c["dim"], scale=0.1))


def write_checkpoint(path, w):
    c = CFG
    hd = c["dim"] // c["heads"]
    freqs = 1.0 / 10000.0 ** (np.arange(0, hd, 2) / hd)
    angles = np.outer(np.arange(c["seq"]), freqs)
    with open(path, "wb") as f:
        f.write(struct.pack("<7i", c["dim"], c["hidden"], c["layers"], c["heads"],
                            c["kv_heads"], c["vocab"], c["seq"]))
        for name in ["emb", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2",
                     "w3", "rms_final"]:
            f.write(w[name].astype("<f4").tobytes())
        f.write(np.cos(angles).astype("<f4").tobytes())
        f.write(np.sin(angles).astype("<f4").tobytes())


def rmsnorm(x, g):
    return x / np.sqrt(np.mean(x * x) + 1e-5) * g


def reference_logits(w, tokens):
    """llama2.c's forward, in float64, for every position of `tokens`."""
    c = CFG
    hd = c["dim"] // c["heads"]
    group = c["heads"] // c["kv_heads"]
    keys = [[] for _ in range(c["layers"])]
    values = [[] for _ in range(c["layers"])]
    out = []
    for pos, tok in enumerate(tokens):
        x = w["emb"][tok].astype(np.float64)
        for l in range(c["layers"]):
            xb = rmsnorm(x, w["rms_att"][l])
            q, k, v = w["wq"][l] @ xb, w["wk"][l] @ xb, w["wv"][l] @ xb
            for vec in (q, k):
                for i in range(0, len(vec), 2):
                    angle = pos * 10000.0 ** (-(i % hd) / hd)
                    a, b = vec[i], vec[i + 1]
                    vec[i] = a * np.cos(angle) - b * np.sin(angle)
                    vec[i + 1] = a * np.sin(angle) + b * np.cos(angle)
            keys[l].append(k)
            values[l].append(v)
            K, V = np.array(keys[l]), np.array(values[l])
            att = np.zeros(c["dim"])
            for h in range(c["heads"]):
                g = h // group
                s = K[:, g * hd:(g + 1) * hd] @ q[h * hd:(h + 1) * hd] / np.sqrt(hd)
                p = np.exp(s - s.max())
                att[h * hd:(h + 1) * hd] = (p / p.sum()) @ V[:, g * hd:(g + 1) * hd]
            x = x + w["wo"][l] @ att
            xb = rmsnorm(x, w["rms_ffn"][l])
            a = w["w1"][l] @ xb
            x = x + w["w2"][l] @ (a / (1 + np.exp(-a)) * (w["w3"][l] @ xb))
        out.append(w["emb"] @ rmsnorm(x, w["rms_final"]))
    return out


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
