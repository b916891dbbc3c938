#!/usr/bin/python3
"""A small llama2.c checkpoint and tokenizer the project describes itself
(nothing downloaded, not a trained model), and llama2.c's forward pass in
NumPy as its reference.

  model.bin      llama2.c v0: dim 32, hidden 64, 2 layers, 4 heads, 2 KV
                 heads, vocab 300, seq_len 64, shared classifier; seeded
                 weights, the byte and control rows of the embedding damped
                 so that greedy text is made of the letter pieces
  tokenizer.bin  llama2.c's format: <unk>, <s>, </s>, the 256 <0xXX> byte
                 pieces, then 41 letters and word pieces with BPE scores

Usage: /usr/bin/python3 scripts/models/llama2c_checkpoint.py --out DIR
"""
import argparse
import os
import struct

import numpy as np

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
    emb = r(c["vocab"], c["dim"], scale=1.0)
    emb[:259] *= 0.05  # control and byte pieces: rarely the most likely
    return dict(
        emb=emb, rms_att=1 + r(L, c["dim"], scale=0.1),
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="directory for model.bin and tokenizer.bin")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    write_checkpoint(os.path.join(args.out, "model.bin"), make_weights())
    write_tokenizer(os.path.join(args.out, "tokenizer.bin"))


if __name__ == "__main__":
    main()
