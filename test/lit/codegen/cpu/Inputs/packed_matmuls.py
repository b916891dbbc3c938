"""Writes packed-matmuls.onnx and its input, and checks tessera-run's output
against NumPy (float64): python3 packed_matmuls.py make DIR | check DIR.

The weights take the packing paths of codegen/cpu/WeightPacking: a [K, N]
weight whose N is not a multiple of the 64-wide panels (padded), a Gemm
with transB (the weight stored [N, K], packed transposed), and a multiple
of 64, with bias, ReLU and residual add after them."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

K, N_PADDED, N = 64, 600, 128
ROWS = 13  # not a multiple of the 6-row register blocks


def weights():
    rng = np.random.default_rng(7)
    return {
        "w1": rng.standard_normal((K, N_PADDED)).astype(np.float32) * 0.1,
        "b1": rng.standard_normal(N_PADDED).astype(np.float32),
        "w2t": rng.standard_normal((N, N_PADDED)).astype(np.float32) * 0.1,
        "b2": rng.standard_normal(N).astype(np.float32),
        "w3": rng.standard_normal((N, N)).astype(np.float32) * 0.1,
    }


def make(out):
    w = weights()
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["m1"], name="padded"),
        helper.make_node("Add", ["m1", "b1"], ["a1"], name="padded_bias"),
        helper.make_node("Relu", ["a1"], ["h1"], name="padded_relu"),
        helper.make_node("Gemm", ["h1", "w2t", "b2"], ["h2"], transB=1, name="transposed"),
        helper.make_node("MatMul", ["h2", "w3"], ["m3"], name="panels"),
        helper.make_node("Add", ["m3", "h2"], ["y"], name="residual"),
    ]
    graph = helper.make_graph(
        nodes, "packed_matmuls",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["rows", K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["rows", N])],
        [numpy_helper.from_array(v, k) for k, v in w.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, "packed-matmuls.onnx"))
    x = np.random.default_rng(3).standard_normal((ROWS, K)).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)


def check(out):
    w = {k: v.astype(np.float64) for k, v in weights().items()}
    x = np.load(os.path.join(out, "x.npy")).astype(np.float64)
    h1 = np.maximum(x @ w["w1"] + w["b1"], 0)
    h2 = h1 @ w["w2t"].T + w["b2"]
    expected = h2 @ w["w3"] + h2
    got = np.load(os.path.join(out, "out", "y.npy"))
    # fp32: 1e-4 relative to the largest output.
    tolerance = 1e-4 * np.abs(expected).max()
    error = np.abs(got - expected).max()
    verdict = "ok" if got.shape == expected.shape and error <= tolerance else "WRONG"
    print(f"{verdict}: shape {list(got.shape)}, max abs error {error:.2e} (tolerance {tolerance:.2e})")


if __name__ == "__main__":
    {"make": make, "check": check}[sys.argv[1]](sys.argv[2])
