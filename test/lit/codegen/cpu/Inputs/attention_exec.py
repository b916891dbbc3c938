"""Inputs for attention-exec.mlir, and the check of tessera-run's outputs
against NumPy (float64): python3 attention_exec.py make DIR | check DIR CASE.

The shapes take the kernel's edge paths: sequence lengths that are not
multiples of the 16-key vectors or of the 64-key blocks, head dimensions
that are not multiples of 16 (masked reads and writes), a value width other
than the query's, grouped KV heads, causal masking with more keys than
queries, a float mask along the keys, and a boolean mask with a fully masked
row (whose output is 0)."""
import os
import sys

import numpy as np

CASES = {
    # name: (q shape, k shape, v shape, mask shape or None, mask dtype)
    "gqa_causal": ((2, 4, 37, 40), (2, 2, 45, 40), (2, 2, 45, 24), None, None),
    "float_mask": ((1, 3, 70, 20), (1, 3, 70, 20), (1, 3, 70, 20), (1, 1, 1, 70), np.float32),
    "bool_mask": ((1, 2, 19, 16), (1, 2, 83, 16), (1, 2, 83, 16), (19, 83), np.bool_),
}


def inputs(name):
    q, k, v, m, dtype = CASES[name]
    rng = np.random.default_rng(len(name))
    arrays = [rng.standard_normal(s).astype(np.float32) for s in (q, k, v)]
    if m is not None:
        if dtype == np.bool_:
            mask = rng.random(m) < 0.7
            mask[5, :] = False
        else:
            mask = np.where(rng.random(m) < 0.2, -1e4, rng.standard_normal(m)).astype(np.float32)
        arrays.append(mask)
    return arrays


def reference(name, q, k, v, mask=None):
    q, k, v = (a.astype(np.float64) for a in (q, k, v))
    group = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(q.shape[-1])
    if name == "gqa_causal":
        sq, skv = s.shape[-2:]
        s = np.where(np.tril(np.ones((sq, skv), bool), skv - sq), s, -np.inf)
    elif mask is not None and mask.dtype == np.bool_:
        s = np.where(mask, s, -np.inf)
    elif mask is not None:
        s = s + mask
    m = s.max(-1, keepdims=True)
    p = np.exp(s - np.where(np.isfinite(m), m, 0))
    total = p.sum(-1, keepdims=True)
    return (p @ v) / np.where(total > 0, total, np.inf)


def make(out):
    for name in CASES:
        os.makedirs(os.path.join(out, name), exist_ok=True)
        for i, a in enumerate(inputs(name)):
            np.save(os.path.join(out, name, f"input{i}.npy"), a)


def check(out, name):
    expected = reference(name, *inputs(name))
    outputs = os.listdir(os.path.join(out, name, "out"))
    got = np.load(os.path.join(out, name, "out", outputs[0]))
    # fp32: 1e-4 relative to the largest output.
    tolerance = 1e-4 * np.abs(expected).max()
    error = np.abs(got - expected).max()
    verdict = "ok" if got.shape == expected.shape and error <= tolerance else "WRONG"
    print(f"{name} {verdict}: shape {list(got.shape)}, max abs error {error:.2e} "
          f"(tolerance {tolerance:.2e})")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
