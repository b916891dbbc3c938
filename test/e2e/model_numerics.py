#!/usr/bin/python3
"""Compiles whole models with tessera-compile, runs them with tessera-run
and compares every output with a reference:

  - the repo's own exports (scripts/models/export_models.py: BERT, GPT-2,
    Llama- and T5-style at opsets 11, 14 and 17), against the PyTorch
    outputs the script saves next to each model (<stem>.input_<name>.npy,
    <stem>.output_<name>.npy);
  - with --shared (../shared): stories260K_opset14.onnx on its
    .input_tokens.npy against .ref_logits.npy (PyTorch), and the exporter
    graphs GPT2Model.onnx and BertForQuestionAnswering_0.onnx against their
    test_data_set_0/output_N.pb. Skipped, with a line saying so, when the
    directory is absent.

Tolerances (numerics.py): float32 rtol 1e-4, atol 1e-5 x max(1, max
|expected|) of each output; integers exact; shapes and dtypes must match. One line per model with its max abs/rel error
and PASS or FAIL; exit 1 on any FAIL.

Fusion must not change the numbers: each model is also compiled with
--no-fusion, and the fused module's outputs must equal the unfused module's
within rtol 1e-5 (atol 1e-6 x max(1, max |unfused|)).
"""
import argparse
import glob
import multiprocessing
import os
import subprocess
import sys

import numpy as np
import onnx

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import numerics  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPILE_TIMEOUT = 600
RUN_TIMEOUT = 300


def graph_io(path):
    """The names of the graph inputs that are not initializers, and of the
    outputs."""
    graph = onnx.load(path, load_external_data=False).graph
    initializers = {init.name for init in graph.initializer}
    return ([i.name for i in graph.input if i.name not in initializers],
            [o.name for o in graph.output])


def own_exports(work):
    """(label, model, {input: .npy}, [output names], [expected arrays])."""
    out = os.path.join(work, "exported-models")
    subprocess.run(
        ["/usr/bin/python3", os.path.join(ROOT, "scripts/models/export_models.py"),
         "--out", out], check=True, capture_output=True)
    cases = []
    for model in sorted(glob.glob(os.path.join(out, "*.onnx"))):
        stem = model[:-len(".onnx")]
        inputs, outputs = graph_io(model)
        cases.append((os.path.basename(model), model,
                      {name: f"{stem}.input_{name}.npy" for name in inputs},
                      outputs,
                      [np.load(f"{stem}.output_{name}.npy") for name in outputs]))
    return cases


def test_data_case(label, model, work):
    """A model with ONNX test data: test_data_set_0/{input,output}_N.pb
    next to it, converted to .npy under work."""
    data = os.path.join(os.path.dirname(model), "test_data_set_0")
    inputs, outputs = graph_io(model)
    files = {}
    for index, name in enumerate(inputs):
        files[name] = os.path.join(work, f"{label}.input_{index}.npy")
        np.save(files[name], numerics.load_pb(os.path.join(data, f"input_{index}.pb")))
    expected = [numerics.load_pb(os.path.join(data, f"output_{index}.pb"))
                for index in range(len(outputs))]
    return label, model, files, outputs, expected


def shared_models(shared, work):
    models = os.path.join(shared, "models")
    stories = os.path.join(models, "stories260K", "stories260K_opset14.onnx")
    graphs = os.path.join(models, "exporter-graphs")
    return [
        ("stories260K_opset14.onnx", stories,
         {"tokens": stories + ".input_tokens.npy"}, ["logits"],
         [np.load(stories + ".ref_logits.npy")]),
        test_data_case("GPT2Model.onnx", os.path.join(
            graphs, "gpt2-pytorch1.4", "GPT2Model.onnx"), work),
        test_data_case("BertForQuestionAnswering_0.onnx", os.path.join(
            graphs, "bert-squad-pytorch1.4", "BertForQuestionAnswering_0.onnx"), work),
    ]


def check(job):
    """(ok, line) for one model."""
    (label, model, inputs, outputs, expected), compiler, runner, work = job
    module = os.path.join(work, label + ".tsr")
    out_dir = os.path.join(work, label + ".out")
    ok, message = numerics.run_tool(
        numerics.compile_command(compiler, model, module), COMPILE_TIMEOUT)
    if not ok:
        return False, f"FAIL {label}: tessera-compile: {message}"
    ok, message = numerics.run_tool(
        numerics.run_command(runner, module, inputs, out_dir), RUN_TIMEOUT)
    if not ok:
        return False, f"FAIL {label}: tessera-run: {message}"
    ok, detail, _, _ = numerics.compare_outputs(out_dir, outputs, expected,
                                                scaled_atol=True)
    if not ok:
        return False, f"FAIL {label}: {detail}"
    fused_ok, fused_detail = compare_unfused(label, model, inputs, outputs, out_dir,
                                             compiler, runner, work)
    ok = ok and fused_ok
    return ok, f"{'PASS' if ok else 'FAIL'} {label}: {detail}; {fused_detail}"


FUSION_RTOL = 1e-5
FUSION_ATOL = 1e-6


def compare_unfused(label, model, inputs, outputs, fused_dir, compiler, runner, work):
    """(ok, text): the fused outputs in fused_dir against a --no-fusion build."""
    module = os.path.join(work, label + ".unfused.tsr")
    out_dir = os.path.join(work, label + ".unfused.out")
    ok, message = numerics.run_tool(
        numerics.compile_command(compiler, model, module) + ["--no-fusion"], COMPILE_TIMEOUT)
    if not ok:
        return False, f"unfused tessera-compile: {message}"
    ok, message = numerics.run_tool(
        numerics.run_command(runner, module, inputs, out_dir), RUN_TIMEOUT)
    if not ok:
        return False, f"unfused tessera-run: {message}"
    worst = 0.0
    for name in numerics.output_file_name(outputs):
        fused = np.load(os.path.join(fused_dir, name)).astype(np.float64)
        unfused = np.load(os.path.join(out_dir, name)).astype(np.float64)
        if fused.shape != unfused.shape:
            return False, f"fused vs unfused: {name} shapes {fused.shape} vs {unfused.shape}"
        atol = FUSION_ATOL * max(1.0, float(np.abs(unfused).max(initial=0.0)))
        excess = np.abs(fused - unfused) - (atol + FUSION_RTOL * np.abs(unfused))
        if excess.size and excess.max() > 0:
            index = np.unravel_index(np.argmax(excess), excess.shape)
            return False, (f"fused vs unfused: {name}{list(index)} {fused[index]:.9g} "
                           f"vs {unfused[index]:.9g} (rtol {FUSION_RTOL:g})")
        if unfused.size:
            worst = max(worst, float((np.abs(fused - unfused) /
                                      np.maximum(np.abs(unfused), atol)).max()))
    return True, f"fused = unfused within rtol {FUSION_RTOL:g} (max rel {worst:.2g})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compiler", required=True, help="tessera-compile")
    parser.add_argument("--runner", required=True, help="tessera-run")
    parser.add_argument("--work", required=True, help="directory for the files")
    parser.add_argument("--shared", default=os.environ.get(
        "TESSERA_SHARED_DIR", os.path.join(ROOT, "..", "shared")))
    args = parser.parse_args()

    os.makedirs(args.work, exist_ok=True)
    cases = own_exports(args.work)
    if os.path.isdir(args.shared):
        cases += shared_models(args.shared, args.work)
    else:
        print(f"skipped the ../shared models (stories260K, GPT2Model, "
              f"BertForQuestionAnswering_0): {args.shared} not found "
              "(set TESSERA_SHARED_DIR)")
    with multiprocessing.Pool(os.cpu_count()) as pool:
        results = pool.map(check, [(case, args.compiler, args.runner, args.work)
                                   for case in cases])
    for _, line in results:
        print(line)
    failed = sum(not ok for ok, _ in results)
    print(f"{len(results) - failed} passed, {failed} failed "
          f"(tolerance: {numerics.TOLERANCE_TEXT}; atol times max(1, max "
          "|expected|) of each output)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
