"""ONNX's narrow types as tessera-run's .npy files hold them. The python3-onnx
of Debian 12 (1.12) predates them, so its numpy_helper cannot read them.

  FLOAT8E4M3FN (17), FLOAT8E4M3FNUZ (18), FLOAT8E5M2 (19), FLOAT8E5M2FNUZ (20),
  FLOAT4E2M1 (23), FLOAT8E8M0 (24): uint8 arrays of their bits;
  INT4 (22), INT2 (26): int8 arrays of their values; UINT4 (21), UINT2 (25):
  uint8 arrays of their values.

ONNX packs the 4-bit and 2-bit types (two or four to a byte, the first
element in the low bits); these arrays hold one element a byte.
"""
import numpy as np

# data type -> (bits, signed integer?)
INTEGERS = {21: (4, False), 22: (4, True), 25: (2, False), 26: (2, True)}
# data type -> (exponent bits, mantissa bits, bias, where NaN/inf are)
FLOATS = {17: (4, 3, 7, "fn"), 18: (4, 3, 8, "uz"), 19: (5, 2, 15, "ieee"),
          20: (5, 2, 16, "uz"), 23: (2, 1, 1, "none"), 24: (8, 0, 127, "e8m0")}
NAMES = {17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2",
         20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1",
         24: "FLOAT8E8M0", 25: "UINT2", 26: "INT2"}


def is_narrow(data_type):
    return data_type in NAMES


def bits_of(data_type):
    if data_type in INTEGERS:
        return INTEGERS[data_type][0]
    return 4 if data_type == 23 else 8


def to_array(tensor):
    """A narrow-typed TensorProto as tessera-run's .npy representation."""
    data_type = tensor.data_type
    count = int(np.prod(tensor.dims, dtype=np.int64))
    if tensor.raw_data:
        packed = np.frombuffer(tensor.raw_data, np.uint8)
    else:  # one (packed) byte per int32_data element
        packed = np.array(tensor.int32_data, np.int64).astype(np.uint8)
    bits = bits_of(data_type)
    per_byte = 8 // bits
    if per_byte > 1:
        shifts = np.arange(per_byte, dtype=np.uint8) * bits
        packed = ((packed[:, None] >> shifts) & ((1 << bits) - 1)).reshape(-1)
    codes = packed[:count].astype(np.uint8)
    if data_type in INTEGERS and INTEGERS[data_type][1]:
        shift = 8 - bits
        codes = ((codes << shift).view(np.int8) >> shift).astype(np.int8)
    return codes.reshape(tuple(tensor.dims))


def float_values(codes, data_type):
    """The values (float64) of a narrow float's bit codes."""
    exponent_bits, mantissa_bits, bias, specials = FLOATS[data_type]
    c = codes.astype(np.int64)
    if specials == "e8m0":
        return np.where(c == 0xFF, np.nan, np.ldexp(1.0, c - 127))
    sign = (c >> (exponent_bits + mantissa_bits)) & 1
    magnitude = c & ((1 << (exponent_bits + mantissa_bits)) - 1)
    e, m = magnitude >> mantissa_bits, magnitude & ((1 << mantissa_bits) - 1)
    value = np.where(e == 0, np.ldexp(m.astype(np.float64), 1 - bias - mantissa_bits),
                     np.ldexp(1.0 + m / 2.0 ** mantissa_bits, e - bias))
    value = np.where(sign == 1, -value, value)
    if specials == "fn":
        value = np.where(magnitude == (1 << (exponent_bits + mantissa_bits)) - 1, np.nan, value)
    elif specials == "ieee":
        top = e == (1 << exponent_bits) - 1
        value = np.where(top, np.where(m == 0, np.copysign(np.inf, value), np.nan), value)
    elif specials == "uz":
        value = np.where(c == 0x80, np.nan, value)
    return value
