#!/usr/bin/python3
"""Writes ONNX node tests (model.onnx and test_data_set_0/, the layout of
ONNX's backend tests) for Cast to and from the 8-bit and 4-bit floats and
the 4-bit and 2-bit integers, for node_numerics.py. Debian's
libonnx-testdata (ONNX 1.12) has none of these types.

The expected outputs come from the formats' definitions (narrow_types.py
decodes; the encodings below round to nearest even by the definition of
each format, with ONNX's rules for saturation, NaN and infinity), not from
Tessera. The same cases of ../shared's node tests, made by ONNX's
reference implementation, agree with them.
"""
import argparse
import math
import os
import struct
import sys

import numpy as np
from onnx import TensorProto, helper

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import narrow_types  # noqa: E402

FLOAT8 = {"FLOAT8E4M3FN": 17, "FLOAT8E4M3FNUZ": 18, "FLOAT8E5M2": 19, "FLOAT8E5M2FNUZ": 20}


def encode(value, data_type, saturate):
    """The code of the float `value` (a Python float, exact in float32) in a
    narrow float type: the representable value nearest to it, ties to the
    even code, by search over all codes (no bit tricks to share a bug with)."""
    if data_type == 24:  # FLOAT8E8M0 rounds up; NaN, inf and overflow: 0xFF
        if math.isnan(value) or math.isinf(value) and not saturate:
            return 0xFF
        magnitude = min(abs(value), 2.0 ** 127) if saturate else abs(value)
        for code in range(255):
            if 2.0 ** (code - 127) >= magnitude:
                return code
        return 0xFF
    codes = 16 if data_type == 23 else 256
    values = narrow_types.float_values(np.arange(codes), data_type)
    finite = [c for c in range(codes) if np.isfinite(values[c])]
    nan_code = {17: 0x7F, 18: 0x80, 19: 0x7E, 20: 0x80, 23: 0x8}[data_type]
    sign_bit = 0x8 if data_type == 23 else 0x80
    negative = math.copysign(1.0, value) < 0
    if math.isnan(value):
        return nan_code | (sign_bit if negative and data_type in (17, 19) else 0)
    largest = max(values[c] for c in finite)
    if saturate or data_type == 23:
        value = max(-largest, min(largest, value))
    if math.isinf(value) or abs(value) > largest:
        # Past the largest finite value: rounds to it below the midpoint
        # with the next (unrepresentable) step, overflows above; at the
        # midpoint, to the even code of the two.
        exponent = math.floor(math.log2(largest))
        mantissa_bits = {17: 3, 18: 3, 19: 2, 20: 2}[data_type]
        step = 2.0 ** (exponent - mantissa_bits)
        largest_code = max(finite, key=lambda c: values[c])
        midpoint = largest + step / 2
        if (math.isinf(value) or abs(value) > midpoint
                or abs(value) == midpoint and largest_code & 1):
            if data_type == 19:
                return 0x7C | (0x80 if negative else 0)
            return nan_code | (0x80 if negative and data_type == 17 else 0)
    # Ties go to the even code; zero keeps the value's sign where it has one.
    best = min(finite, key=lambda c: (abs(values[c] - value), c & 1,
                                      ((c & sign_bit) != 0) != negative))
    return best


def tensor(name, data_type, dims, values=None, codes=None):
    t = TensorProto()
    t.name, t.data_type = name, data_type
    t.dims.extend(dims)
    if data_type == TensorProto.FLOAT:
        t.raw_data = np.asarray(values, np.float32).tobytes()
    elif data_type == TensorProto.FLOAT16:
        t.raw_data = np.asarray(values, np.float16).tobytes()
    elif data_type in (TensorProto.INT8, TensorProto.UINT8):
        t.raw_data = np.asarray(values, np.int64).astype(
            np.int8 if data_type == TensorProto.INT8 else np.uint8).tobytes()
    else:
        bits = narrow_types.bits_of(data_type)
        codes = [c & ((1 << bits) - 1) for c in codes]
        per_byte = 8 // bits
        packed = bytearray((len(codes) + per_byte - 1) // per_byte)
        for i, c in enumerate(codes):
            packed[i // per_byte] |= c << (bits * (i % per_byte))
        t.raw_data = bytes(packed)
    return t


def write_test(root, name, node, inputs, output):
    """inputs: [(TensorProto, is_initializer)]; output: TensorProto."""
    directory = os.path.join(root, name)
    os.makedirs(os.path.join(directory, "test_data_set_0"), exist_ok=True)
    graph_inputs = [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                    for t, init in inputs if not init]
    graph = helper.make_graph(
        [node], name, graph_inputs,
        [helper.make_tensor_value_info(output.name, output.data_type, list(output.dims))],
        initializer=[t for t, init in inputs if init])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)])
    model.ir_version = 11
    with open(os.path.join(directory, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    fed = [t for t, init in inputs if not init]
    for i, t in enumerate(fed):
        with open(os.path.join(directory, "test_data_set_0", f"input_{i}.pb"), "wb") as f:
            f.write(t.SerializeToString())
    with open(os.path.join(directory, "test_data_set_0", "output_0.pb"), "wb") as f:
        f.write(output.SerializeToString())


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


# Zeros, ordinary values, ties (17 lies halfway between two E4M3 values),
# each type's largest value and past it, subnormals, infinities and NaN.
VALUES = [0.0, -0.0, 1.0, -1.5, f32(0.3), 17.0, 19.0, 240.0, 448.0, 464.0, 470.0, 1000.0,
          57344.0, 61440.0, 1e6, f32(1e-3), 2.0 ** -9, 2.0 ** -10, 3 * 2.0 ** -11,
          2.0 ** -16, 2.0 ** -17, f32(-3e-5), math.inf, -math.inf, math.nan]


def cases(root):
    count = 0
    for type_name, data_type in FLOAT8.items():
        for saturate in (1, 0):
            codes = [encode(v, data_type, saturate) for v in VALUES]
            suffix = "" if saturate else "_no_saturate"
            write_test(root, f"test_narrow_cast_FLOAT_to_{type_name}{suffix}",
                       helper.make_node("Cast", ["x"], ["y"], to=data_type, saturate=saturate),
                       [(tensor("x", TensorProto.FLOAT, [len(VALUES)], VALUES), False)],
                       tensor("y", data_type, [len(VALUES)], codes=codes))
            count += 1
        # Every code back to float32 and float16 (exact in both, except
        # subnormals of E5M2FNUZ under float16's, which round).
        every = list(range(256))
        values = narrow_types.float_values(np.array(every), data_type)
        for to, dtype, tag in ((TensorProto.FLOAT, np.float32, "FLOAT"),
                               (TensorProto.FLOAT16, np.float16, "FLOAT16")):
            write_test(root, f"test_narrow_cast_{type_name}_to_{tag}",
                       helper.make_node("Cast", ["x"], ["y"], to=to),
                       [(tensor("x", data_type, [16, 16], codes=every), False)],
                       tensor("y", to, [16, 16], values.astype(dtype)))
            count += 1
    # FLOAT4E2M1 (always saturating) and FLOAT8E8M0 (rounding up), both ways,
    # from float16 too.
    small = [0.0, -0.0, 0.25, 0.3, 0.75, 1.25, -2.5, 3.0, 5.0, 7.0, -100.0, math.inf, math.nan]
    for data_type, tag, values in ((23, "FLOAT4E2M1", small),
                                   (24, "FLOAT8E8M0", [0.0, 2.0 ** -130, 0.124, 0.25, 1.1, 3.0,
                                                       2.0 ** 100 * 1.5, 3e38, math.inf,
                                                       math.nan])):
        codes = [encode(v, data_type, 1) for v in values]
        attributes = {"to": data_type}
        if data_type == 24:
            attributes["round_mode"] = "up"
        write_test(root, f"test_narrow_cast_FLOAT_to_{tag}",
                   helper.make_node("Cast", ["x"], ["y"], **attributes),
                   [(tensor("x", TensorProto.FLOAT, [len(values)], values), False)],
                   tensor("y", data_type, [len(values)], codes=codes))
        every = list(range(16 if data_type == 23 else 256))
        decoded = narrow_types.float_values(np.array(every), data_type).astype(np.float32)
        write_test(root, f"test_narrow_cast_{tag}_to_FLOAT",
                   helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT),
                   [(tensor("x", data_type, [len(every)], codes=every), False)],
                   tensor("y", TensorProto.FLOAT, [len(every)], decoded))
        count += 2
    # From float16: the expected codes are those of the float16 values.
    write_test(root, "test_narrow_cast_FLOAT16_to_FLOAT4E2M1",
               helper.make_node("Cast", ["x"], ["y"], to=23),
               [(tensor("x", TensorProto.FLOAT16, [len(small)], small), False)],
               tensor("y", 23, [len(small)],
                      codes=[encode(float(np.float16(v)), 23, 1) for v in small]))
    count += 1
    # The integers wrap: -9 is 7 in four bits; 15 is -1.
    ints = list(range(-9, 16))
    for data_type, bits, signed in ((22, 4, True), (21, 4, False), (26, 2, True), (25, 2, False)):
        tag = narrow_types.NAMES[data_type]
        wrapped = [((v % (1 << bits)) ^ (1 << (bits - 1))) - (1 << (bits - 1)) if signed
                   else v % (1 << bits) for v in ints]
        write_test(root, f"test_narrow_cast_FLOAT_to_{tag}",
                   helper.make_node("Cast", ["x"], ["y"], to=data_type),
                   [(tensor("x", TensorProto.FLOAT, [5, 5], [float(v) for v in ints]), False)],
                   tensor("y", data_type, [5, 5], codes=wrapped))
        # An initializer (packed, an odd count) to float and to 8-bit.
        eight = TensorProto.INT8 if signed else TensorProto.UINT8
        write_test(root, f"test_narrow_cast_{tag}_initializer_to_INT8",
                   helper.make_node("Cast", ["w"], ["y"], to=eight),
                   [(tensor("w", data_type, [len(wrapped)], codes=wrapped), True)],
                   tensor("y", eight, [len(wrapped)], wrapped))
        write_test(root, f"test_narrow_cast_{tag}_to_FLOAT",
                   helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT),
                   [(tensor("x", data_type, [5, 5], codes=wrapped), False)],
                   tensor("y", TensorProto.FLOAT, [5, 5], [float(v) for v in wrapped]))
        count += 3
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    print(f"{cases(args.out)} narrow-type node tests written to {args.out}")


if __name__ == "__main__":
    main()
