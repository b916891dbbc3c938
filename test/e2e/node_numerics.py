#!/usr/bin/python3
"""Runs every ONNX backend node test of a corpus through Tessera and checks
the numbers: compile <test>/model.onnx with tessera-compile, feed
test_data_set_0/input_N.pb (the N-th graph input that is not an
initializer) to tessera-run, and compare each output with output_N.pb.

Tolerances (numerics.py): float32/float64 rtol 1e-4, atol 1e-5; float16
rtol 1e-3, atol 1e-3; bfloat16 (its bits in int16 .npy files, compared as
float32) rtol 1e-2, atol 1e-5; integers and booleans exact; shapes and
dtypes must match. Each test ends up as one of
  passed    every output matches
  refused   tessera-compile said why it cannot compile the model (exit 1):
            counted, not a failure (the frontend states its coverage); the
            ones refused in code generation are listed by op

A test refused because an input decides a shape, axes or pads (the compiled
code takes no such input at run time: a Reshape target, ReduceSum axes fed
as graph inputs, a float Range's bounds, Dropout's training_mode) is
compiled again with its integer and its scalar inputs fixed to the test's
values (tessera-compile --constant-input); it passes or fails like any
other, and the summary counts how many ran that way.
  failed    tessera-compile crashed or timed out, or tessera-run failed
  wrong     tessera-run's outputs do not match (max abs/rel error printed)

--expected FILE lists the tests allowed to fail or be wrong, one name per
line with a '# reason'. The exit code is 1 when another test fails or is
wrong (a regression); listed tests that now pass are printed so that the
list can be trimmed. Exit 77 (ctest: skipped) when the corpus is absent.
Each test's module, inputs and outputs stay in --work/<test>/; the summary
prints the commands that rerun the first test of each group.
"""
import argparse
import glob
import multiprocessing
import os
import re
import shlex
import shutil
import sys
import time

import numpy as np
import onnx
import onnx.defs

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import narrow_types  # noqa: E402
import numerics  # noqa: E402

COMPILE_TIMEOUT = 120
# What tessera-compile says when an input's values decide shapes, axes or
# pads (its refusals name the input as needed "at compile time").
SHAPE_INPUT_REFUSAL = re.compile(r"compile[- ]time|known at compile time|at run time; only shapes")
RUN_TIMEOUT = 60
OP_NAMES = {schema.name for schema in onnx.defs.get_all_schemas_with_history()}


def op_of(name, model):
    """The op a test is about: the longest op name (ONNX's, or one in the
    model) that the test name starts with, ignoring case and underscores;
    else the op of the graph's last node."""
    key = name.removeprefix("test_").replace("_", "").lower()
    ops = OP_NAMES | {node.op_type for node in model.graph.node}
    matches = [op for op in ops if key.startswith(op.lower())]
    if matches:
        return max(matches, key=len)
    return model.graph.node[-1].op_type if model.graph.node else "(no node)"


def run_test(job):
    """(name, op, status, reason, commands) for one test directory; an
    exception in this script counts as a failure of the test."""
    test_dir = job[0]
    name = os.path.basename(test_dir)
    try:
        return check_test(name, *job)
    except Exception as exc:  # a corrupt or unreadable test file
        return name, "(harness)", "failed", f"{type(exc).__name__}: {exc}", ""


def check_test(name, test_dir, compiler, runner, work):
    model_path = os.path.join(test_dir, "model.onnx")
    model = onnx.load(model_path)
    op = op_of(name, model)
    out = os.path.join(work, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)

    data = os.path.join(test_dir, "test_data_set_0")
    initializers = {init.name for init in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in initializers]

    def save_inputs():
        """Graph input name -> .npy path, or the reason it cannot be fed."""
        paths = {}
        for index, graph_input in enumerate(graph_inputs):
            if not graph_input.type.HasField("tensor_type"):
                return f"input '{graph_input.name}' is not a tensor; tessera-run cannot feed it"
            paths[graph_input.name] = os.path.join(out, f"input_{index}.npy")
            array = numerics.load_pb(os.path.join(data, f"input_{index}.pb"))
            if graph_input.type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16:
                array = numerics.to_bf16_bits(array)
            np.save(paths[graph_input.name], array)
        return paths

    module = os.path.join(out, "model.tsr")
    compile_cmd = numerics.compile_command(compiler, model_path, module)
    ok, message = numerics.run_tool(compile_cmd, COMPILE_TIMEOUT)
    inputs, bound = None, []
    integer = (onnx.TensorProto.INT64, onnx.TensorProto.INT32)

    def decides_compilation(graph_input):
        # Shapes, axes and pads are integers; a Range's float bounds, a
        # Dropout's ratio and training_mode and a Pad's value are scalars.
        tensor_type = graph_input.type.tensor_type
        return tensor_type.elem_type in integer or (
            tensor_type.HasField("shape") and len(tensor_type.shape.dim) == 0)

    if ok is None and SHAPE_INPUT_REFUSAL.search(message) and any(
            decides_compilation(i) for i in graph_inputs):
        inputs = save_inputs()
        if isinstance(inputs, str):
            return name, op, "failed", inputs, shlex.join(compile_cmd)
        bound = [i.name for i in graph_inputs if decides_compilation(i)]
        compile_cmd += [a for n in bound for a in ("--constant-input", f"{n}={inputs[n]}")]
        ok, message = numerics.run_tool(compile_cmd, COMPILE_TIMEOUT)
    commands = shlex.join(compile_cmd)
    if ok is None:
        return name, op, "refused", message, commands
    if not ok:
        return name, op, "failed", f"tessera-compile: {message}", commands
    if inputs is None:
        inputs = save_inputs()
        if isinstance(inputs, str):
            return name, op, "failed", inputs, commands
    inputs = {n: path for n, path in inputs.items() if n not in bound}
    run_cmd = numerics.run_command(runner, module, inputs, os.path.join(out, "out"))
    commands += " && " + shlex.join(run_cmd)
    ok, message = numerics.run_tool(run_cmd, RUN_TIMEOUT)
    if not ok:
        return name, op, "failed", f"tessera-run: {message}", commands

    names = [output.name for output in model.graph.output]
    expected = [numerics.load_pb(os.path.join(data, f"output_{i}.pb"))
                for i in range(len(names))]
    bf16 = {output.name for output in model.graph.output
            if output.type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16}
    narrow_floats = {output.name: output.type.tensor_type.elem_type
                     for output in model.graph.output
                     if output.type.tensor_type.elem_type in narrow_types.FLOATS}
    ok, detail, _, _ = numerics.compare_outputs(os.path.join(out, "out"), names, expected,
                                                bf16=bf16, narrow_floats=narrow_floats)
    if bound:
        detail = "shape inputs " + ", ".join(bound) + " given at compile time; " + detail
    return name, op, "passed" if ok else "wrong", detail, commands


def print_by_op(results, expected, refused):
    """Prints results grouped by op, with the first one's reason and the
    commands to rerun it; returns how many failures are not expected."""
    groups = {}
    for result in results:
        groups.setdefault(result[1], []).append(result)
    unexpected = 0
    for op, members in sorted(groups.items()):
        name, _, _, reason, commands = members[0]
        print(f"  {op} ({len(members)}): {name}: {reason}")
        print(f"    rerun: {commands}")
        others = [m[0] for m in members[1:]]
        if refused:
            if others:
                print(f"    also: {' '.join(others)}")
            continue
        new = [m[0] for m in members if m[0] not in expected]
        listed = [m[0] for m in members if m[0] in expected]
        if listed:
            print(f"    expected: {' '.join(listed)}")
        if new:
            print(f"    NOT EXPECTED: {' '.join(new)}")
        unexpected += len(new)
    return unexpected


def load_expected(path):
    """Test name -> reason, from lines 'name  # reason'."""
    expected = {}
    with open(path) as f:
        for line in f:
            name, _, reason = line.partition("#")
            if name.strip():
                expected[name.strip()] = reason.strip()
    return expected


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compiler", required=True, help="tessera-compile")
    parser.add_argument("--runner", required=True, help="tessera-run")
    parser.add_argument("--corpus", required=True,
                        help="directory of node tests (<test>/model.onnx)")
    parser.add_argument("--work", required=True,
                        help="directory for the modules, inputs and outputs")
    parser.add_argument("--expected", help="tests allowed to fail or be wrong")
    parser.add_argument("--filter", default="",
                        help="only the tests whose name matches this regex")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()

    if not os.path.isdir(args.corpus):
        print(f"skipped: {args.corpus} not found (set TESSERA_SHARED_DIR to "
              "the shared data directory)")
        return 77
    expected = load_expected(args.expected) if args.expected else {}
    tests = sorted(os.path.dirname(path) for path in
                   glob.glob(os.path.join(args.corpus, "*", "model.onnx"))
                   if re.search(args.filter, path.split(os.sep)[-2]))
    start = time.time()
    jobs = [(test, args.compiler, args.runner, args.work) for test in tests]
    with multiprocessing.Pool(args.jobs) as pool:
        results = sorted(pool.imap_unordered(run_test, jobs))

    by_status = {status: [] for status in ("passed", "refused", "failed", "wrong")}
    for result in results:
        by_status[result[2]].append(result)
    print(f"{args.corpus}: {len(results)} tests in {time.time() - start:.0f} s: "
          + ", ".join(f"{len(v)} {k}" for k, v in by_status.items()))
    print(f"node tests: {len(by_status['passed'])}/{len(results)} pass "
          f"({len(results) - len(by_status['refused'])} compiled); "
          f"tolerance: {numerics.TOLERANCE_TEXT}")
    bound = [r for r in by_status["passed"] if r[3].startswith("shape inputs")]
    if bound:
        print(f"{len(bound)} of the passes took their shape, axes, pads or other scalar "
              "inputs at compile time (tessera-compile --constant-input), which the "
              "compiled code cannot take at run time")

    regressions = 0
    codegen = [r for r in by_status["refused"] if "code generation" in r[3]]
    for title, group in (
            ("refused in code generation (not failures)", codegen),
            ("failed", by_status["failed"]), ("wrong", by_status["wrong"])):
        if group:
            print(f"\n{title} ({len(group)}), by op:")
        regressions += print_by_op(group, expected, title.startswith("refused"))

    now_pass = [r[0] for r in by_status["passed"] if r[0] in expected]
    if now_pass:
        print(f"\nlisted in {args.expected} but now pass (remove them): "
              + " ".join(now_pass))
    print(f"\n{regressions} unexpected failure(s)")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
