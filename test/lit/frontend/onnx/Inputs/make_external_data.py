"""Writes DIR/model.onnx: Y = X + W, where W (4 floats, 1 2 3 4) is stored
as external data at LOCATION (written as given, relative to DIR), with the
data file written to DATA_PATH when that is given. Used to test that
external data stays confined to the model's directory."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

directory, location = sys.argv[1], sys.argv[2]
data_path = sys.argv[3] if len(sys.argv) > 3 else None
length = int(sys.argv[4]) if len(sys.argv) > 4 else 16

weights = np.array([1, 2, 3, 4], dtype=np.float32)
if data_path:
    with open(data_path, "wb") as f:
        f.write(weights.tobytes())
w = TensorProto()
w.name = "W"
w.data_type = TensorProto.FLOAT
w.dims.extend([4])
w.data_location = TensorProto.EXTERNAL
for key, value in (("location", location), ("offset", "0"),
                   ("length", str(length))):
    entry = w.external_data.add()
    entry.key, entry.value = key, value
graph = helper.make_graph(
    [helper.make_node("Add", ["X", "W"], ["Y"])], "external",
    [helper.make_tensor_value_info("X", TensorProto.FLOAT, [4])],
    [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [4])], [w])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
with open(f"{directory}/model.onnx", "wb") as f:
    f.write(model.SerializeToString())
