"""What node_numerics.py and model_numerics.py share: compiling a model with
tessera-compile, running it with tessera-run, and comparing its outputs with
reference arrays.

An output matches its reference when it has the same shape and dtype and
  - floating point: every element satisfies |actual - expected| <= atol +
    rtol * |expected| (NumPy's isclose) with rtol 1e-4, atol 1e-5 for
    float32/float64 and rtol 1e-3, atol 1e-3 for float16 (one half-precision
    ulp near 1 is 9.8e-4); NaN must meet NaN and infinities the same infinity;
  - bfloat16 (which .npy cannot hold: tessera-run reads and writes its raw
    bits as int16): both converted to float32, then rtol 1e-2, atol 1e-5.
    Not exact bits: 1e-2 is under two ulps of bf16's 8-bit significand, and
    the older ONNX test data truncates where ONNX Cast (and Tessera) rounds
    to nearest even, one ulp apart;
  - integers and booleans: every element is equal;
  - 8-bit and 4-bit floats (tessera-run's .npy files hold their bits as
    uint8, see narrow_types.py): every value is equal, any NaN meeting any
    NaN.
For whole models (scaled_atol) atol is multiplied by max(1, max |expected|):
an element near zero among large ones carries their absolute rounding
error (stories260K's logits reach 22; ONNX Runtime and PyTorch differ there
by 1.8e-5).
The errors reported are the largest |actual - expected| and the largest
|actual - expected| / |expected| over the elements whose |expected| > atol.
"""
import os
import re
import signal
import subprocess

import numpy as np
from onnx import TensorProto, numpy_helper

import narrow_types

TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-3)}
DEFAULT_TOLERANCE = (1e-4, 1e-5)  # (rtol, atol) for float32 and float64
BF16_TOLERANCE = (1e-2, 1e-5)  # compared as float32
TOLERANCE_TEXT = ("float32/float64 rtol 1e-4 atol 1e-5, float16 rtol 1e-3 "
                  "atol 1e-3, bfloat16 (as float32) rtol 1e-2 atol 1e-5, "
                  "integers, booleans and 8-bit and 4-bit floats exact")
BF16_BITS = np.dtype(np.int16)  # how tessera-run's .npy files hold bfloat16


def load_pb(path):
    """The array in an ONNX test data file (a serialized TensorProto)."""
    tensor = TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    if narrow_types.is_narrow(tensor.data_type):
        return narrow_types.to_array(tensor)
    return numpy_helper.to_array(tensor)


def to_bf16_bits(array):
    """bfloat16 test data as tessera-run reads it. ONNX test data holds
    bfloat16 as uint16 bit patterns (older files) or as float32 values
    (numpy_helper converts BFLOAT16 tensors); these are rounded to nearest
    even, which is exact for values that came from bfloat16."""
    if array.dtype == np.uint16:
        return array.view(BF16_BITS)
    values = np.ascontiguousarray(array, dtype=np.float32)
    bits = values.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    # NaN stays NaN: its high half, made quiet so that it is not infinity.
    rounded = np.where(np.isnan(values), (bits >> 16) | 0x40, rounded)
    # ascontiguousarray makes a 0-d array 1-d: back to the data's shape.
    return rounded.astype(np.uint16).view(BF16_BITS).reshape(np.shape(array))


def bf16_to_float32(array):
    """bfloat16 as float32 (exact): bit patterns (uint16 or int16) are
    widened, float32 values are returned as they are."""
    if array.dtype == np.float32:
        return array
    return (array.view(np.uint16).astype(np.uint32) << 16).view(np.float32)


def output_file_name(names):
    """tessera-run's file name for each output name, in order: characters
    outside [A-Za-z0-9._-] become '_', a name taken by an earlier output gets
    '_<index>' appended (tools/tessera-run/tessera-run.cpp)."""
    files = []
    for index, name in enumerate(names):
        name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        if name + ".npy" in files:
            name += f"_{index}"
        files.append(name + ".npy")
    return files


def first_error(stderr, model=""):
    """A tool's error message: its first 'tool: error:' line without that
    prefix and the model's path, followed by the first indented line under
    it (the operator, node or lowering step it is about)."""
    lines = stderr.rstrip().splitlines() or [""]
    start = next((i for i, line in enumerate(lines)
                  if re.match(r"tessera-\w+: error: ", line)), 0)
    message = re.sub(r"^tessera-\w+: (error: )?", "", lines[start])
    message = message.replace(model + ": ", "") if model else message
    if start + 1 < len(lines) and lines[start + 1].startswith(" "):
        detail = lines[start + 1].strip()
        if detail.startswith("loc("):  # loc("node"("file":0:0)): message
            detail = detail.split(")): ", 1)[-1]
        message += (" " if message.endswith(":") else ": ") + detail
    return message


def run_tool(command, timeout):
    """(ok, message): message is the first error line, or why it crashed or
    timed out. ok is None for an error the tool reported itself (exit 1)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout} s"
    if done.returncode == 0:
        return True, ""
    if done.returncode < 0:
        return False, f"crashed ({signal.Signals(-done.returncode).name})"
    message = first_error(done.stderr, command[1])
    if done.returncode == 1:
        return None, message
    return False, f"exit {done.returncode}: {message}"


def compile_command(compiler, model, module):
    return [compiler, model, "-o", module]


def run_command(runner, module, inputs, out_dir):
    """inputs: graph input name -> .npy path."""
    command = [runner, module, "--output-dir", out_dir, "--threads", "1"]
    for name, path in inputs.items():
        command += ["--input", f"{name}={path}"]
    return command


def tolerance(dtype):
    """(rtol, atol) for an output of this dtype; (0, 0) means exact."""
    if not np.issubdtype(dtype, np.inexact):
        return 0.0, 0.0
    return TOLERANCES.get(np.dtype(dtype), DEFAULT_TOLERANCE)


def compare(actual, expected, scaled_atol=False, bf16=False, narrow_float=None):
    """(ok, detail, max abs error, max rel error); see the module docstring.
    bf16: the output is bfloat16, `actual` its bits as tessera-run writes
    them, `expected` bits or values (bf16_to_float32). narrow_float: the
    ONNX data type of an 8-bit or 4-bit float output, both arrays its bits."""
    if narrow_float is not None:
        if actual.dtype != expected.dtype or actual.shape != expected.shape:
            return (False, f"got {actual.dtype}{list(actual.shape)}, expected "
                    f"{narrow_types.NAMES[narrow_float]} bits as "
                    f"{expected.dtype}{list(expected.shape)}", np.nan, np.nan)
        actual = narrow_types.float_values(actual, narrow_float)
        expected = narrow_types.float_values(expected, narrow_float)
    if bf16:
        if actual.dtype != BF16_BITS or actual.shape != expected.shape:
            return (False, f"got {actual.dtype}{list(actual.shape)}, expected "
                    f"bfloat16 bits as {BF16_BITS}{list(expected.shape)}",
                    np.nan, np.nan)
        actual, expected = bf16_to_float32(actual), bf16_to_float32(expected)
    if actual.shape != expected.shape or actual.dtype != expected.dtype:
        return (False, f"got {actual.dtype}{list(actual.shape)}, expected "
                f"{expected.dtype}{list(expected.shape)}", np.nan, np.nan)
    rtol, atol = (BF16_TOLERANCE if bf16 else (0.0, 0.0) if narrow_float is not None
                  else tolerance(expected.dtype))
    if scaled_atol:
        atol *= max(1.0, float(np.abs(expected[np.isfinite(expected)]).max(initial=0.0)))
    if rtol:
        close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    elif narrow_float is not None:
        close = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    else:
        close = actual == expected
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    finite = np.isfinite(a) & np.isfinite(e)
    diff = np.zeros(a.shape)
    diff[finite] = np.abs(a[finite] - e[finite])
    big = finite & (np.abs(e) > atol)
    abs_err = float(diff.max(initial=0.0))
    rel_err = float((diff[big] / np.abs(e[big])).max(initial=0.0))
    detail = f"max abs err {abs_err:.3g}, max rel err {rel_err:.3g}"
    wrong = int(np.count_nonzero(~close))
    if wrong:
        detail += f", {wrong} of {close.size} elements out of tolerance"
        special = int(np.count_nonzero(~close & ~finite))
        if special:
            detail += f" ({special} of them NaN/inf)"
    return wrong == 0, detail, abs_err, rel_err


def compare_outputs(out_dir, names, expected, scaled_atol=False, bf16=(), narrow_floats=None):
    """Compares tessera-run's outputs in out_dir (for output names `names`)
    with the `expected` arrays: (ok, detail, max abs err, max rel err) over
    all outputs; the detail names the first output that does not match.
    scaled_atol: see the module docstring; bf16: the names of the bfloat16
    outputs; narrow_floats: output name -> ONNX data type of the 8-bit and
    4-bit float outputs."""
    narrow_floats = narrow_floats or {}
    ok, detail, abs_err, rel_err = True, "", 0.0, 0.0
    for name, file, want in zip(names, output_file_name(names), expected):
        path = os.path.join(out_dir, file)
        if not os.path.exists(path):
            return False, f"output '{name}': tessera-run wrote no {file}", np.nan, np.nan
        one_ok, one_detail, one_abs, one_rel = compare(
            np.load(path), want, scaled_atol, name in bf16, narrow_floats.get(name))
        if ok and not one_ok:
            detail = f"output '{name}': {one_detail}"
        ok &= one_ok
        abs_err, rel_err = max(abs_err, one_abs), max(rel_err, one_rel)
    if ok:
        detail = f"max abs err {abs_err:.3g}, max rel err {rel_err:.3g}"
    return ok, detail, abs_err, rel_err
