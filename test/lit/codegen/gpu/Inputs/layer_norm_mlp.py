"""Writes a small ONNX model: LayerNormalization over the last axis, then
MatMul + bias + Relu: a norm kernel (row statistics in a temporary) and a
matmul kernel."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)
weight = numpy_helper.from_array(rng.standard_normal((64, 96)).astype(np.float32), "w")
bias = numpy_helper.from_array(rng.standard_normal(96).astype(np.float32), "b")
scale = numpy_helper.from_array(np.ones(64, np.float32), "scale")
shift = numpy_helper.from_array(np.zeros(64, np.float32), "shift")
nodes = [
    helper.make_node("LayerNormalization", ["x", "scale", "shift"], ["n"], axis=-1, name="norm"),
    helper.make_node("MatMul", ["n", "w"], ["m"], name="matmul"),
    helper.make_node("Add", ["m", "b"], ["a"], name="bias"),
    helper.make_node("Relu", ["a"], ["y"], name="relu"),
]
graph = helper.make_graph(
    nodes, "layer_norm_mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [16, 64])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [16, 96])],
    [weight, bias, scale, shift])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save(model, sys.argv[1])
