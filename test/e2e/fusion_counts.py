#!/usr/bin/python3
"""Compiles models with tessera-compile --fusion-report and checks what was
fused against what the graphs contain, printing every count.

--part models:
  - ../shared GPT-2 and BERT exports: 12 attention, 25 layer_norm and 12
    gelu each; stories260K: 5 attention (causal, 8 query / 4 KV heads),
    11 rms_norm, 5 SwiGLU and 5 rotary pairs (10 rotations: Q and K);
    residual Adds taken into norms (GPT-2 24, BERT 25, stories260K 10),
    bias/GELU matmul epilogues (GPT-2 48, BERT 73) and packed Q/K/V
    projections (BERT 12, stories260K 5);
  - the repo's own exports (scripts/models/export_models.py): every
    attention and every norm.
  The ../shared models are skipped, with a message, without it.

--part node-tests: ONNX's _expanded node tests of LayerNormalization,
  RMSNormalization, Gelu, RotaryEmbedding and Attention (their function
  bodies): each must fuse into its op except the ones --expected-unfused
  lists, with the reason the fusion report must give. A listed test that
  fuses is a failure too, so that the list stays exact. Exit 77 (ctest:
  skipped) without ../shared.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile


def fusion_report(compiler, model):
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        run = subprocess.run(
            [compiler, model, "--emit=ir", "-o", os.devnull,
             f"--fusion-report={report.name}"],
            capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            # "tessera-compile: error: PATH: message" -> the message, with
            # the first unsupported operator when that is the reason.
            lines = run.stderr.strip().splitlines()
            message = lines[0].split(": ", 2)[-1].replace(model + ": ", "")
            if "unsupported" in message and len(lines) > 1:
                message += " " + lines[1].strip().split(" at node")[0]
            return None, message
        with open(report.name) as f:
            return json.load(f), ""


def counts(report, kind):
    entry = report["summary"].get(kind, {"fused": 0, "candidates": 0})
    return entry["fused"], entry["candidates"]


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def expect(self, label, ok, detail):
        print(f"{'ok    ' if ok else 'FAILED'} {label}: {detail}")
        if ok:
            self.passed += 1
        else:
            self.failed += 1


NODE_TESTS = (("test_layer_normalization", "layer_norm"),
              ("test_rms_normalization", "rms_norm"),
              ("test_gelu", "gelu"),
              ("test_rotary_embedding", "rotary_embedding"),
              ("test_attention", "attention"))


def load_expected_unfused(path):
    """test name -> the reason its fusion report gives."""
    expected = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                expected[name] = reason.strip()
    return expected


def node_tests(args, check):
    node = os.path.join(args.shared, "onnx-node-tests", "node")
    if not os.path.isdir(node):
        print(f"skipped: the ONNX node tests ({node}) are not there "
              "(set TESSERA_SHARED_DIR to the shared data directory)")
        return 77
    expected = load_expected_unfused(args.expected_unfused)
    seen = set()
    for prefix, kind in NODE_TESTS:
        fused_tests, reasons = 0, {}
        tests = sorted(glob.glob(os.path.join(node, prefix + "*_expanded")))
        for test in tests:
            name = os.path.basename(test)
            seen.add(name)
            report, error = fusion_report(
                args.compiler, os.path.join(test, "model.onnx"))
            entries = [] if report is None else [
                c for c in report["candidates"] if c["kind"] == kind]
            fused = bool(entries) and all(c["fused"] for c in entries)
            why = "" if fused else error or next(
                (c.get("reason", "") for c in entries if not c["fused"]),
                "no candidate")
            if fused:
                fused_tests += 1
            else:
                reasons.setdefault(why, []).append(name)
            if name in expected:
                check.expect(f"{name} (listed as not fusing)", not fused and
                             why == expected[name],
                             f"fused as {kind}: remove it from the list"
                             if fused else why)
            elif not fused:
                check.expect(name, False, f"not fused as {kind}: {why}")
        print(f"       {prefix}*_expanded: {fused_tests}/{len(tests)} fuse "
              f"into {kind}")
        for why, names in reasons.items():
            print(f"         not fused ({len(names)}): {why}")
            for name in names:
                print(f"           {name}")
    for name in sorted(set(expected) - seen):
        check.expect(name, False, "listed but not in the corpus")
    print(f"{check.passed} passed, {check.failed} failed")
    return 1 if check.failed else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--compiler", required=True)
    parser.add_argument("--shared", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--part", choices=("models", "node-tests"),
                        default="models")
    parser.add_argument("--expected-unfused",
                        help="node tests that do not fuse, with the reason")
    args = parser.parse_args()
    check = Checker()
    if args.part == "node-tests":
        return node_tests(args, check)

    models = os.path.join(args.shared, "models")
    expected = {
        "exporter-graphs/gpt2-pytorch1.4/GPT2Model.onnx":
            {"attention": 12, "layer_norm": 25, "gelu": 12,
             "residual_add": 24, "matmul_epilogue": 48},
        "exporter-graphs/bert-squad-pytorch1.4/BertForQuestionAnswering_0.onnx":
            {"attention": 12, "layer_norm": 25, "gelu": 12,
             "residual_add": 25, "matmul_epilogue": 73, "packed_matmul": 12},
        "stories260K/stories260K_opset14.onnx":
            {"attention": 5, "rms_norm": 11, "swiglu": 5,
             "rotary_embedding": 10, "residual_add": 10, "packed_matmul": 5},
    }
    if os.path.isdir(models):
        for rel, kinds in expected.items():
            report, error = fusion_report(args.compiler, os.path.join(models, rel))
            if report is None:
                check.expect(rel, False, error)
                continue
            for kind, want in kinds.items():
                fused, total = counts(report, kind)
                check.expect(f"{rel} {kind}", fused == want and total == want,
                             f"{fused}/{total} fused, expected {want}")
        # stories260K's attentions are causal with 8 query heads over 4 KV
        # heads (grouped-query): no mask left, K and V not repeated.
        stories = os.path.join(models, "stories260K/stories260K_opset14.onnx")
        run = subprocess.run([args.compiler, stories, "--emit=ir",
                              "--elide-weights"],
                             capture_output=True, text=True, timeout=600)
        attentions = [line for line in run.stdout.splitlines()
                      if "tessera.attention" in line]
        gqa = [line for line in attentions if " causal :" in line and
               "tensor<?x8x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>)"
               in line and " mask " not in line]
        check.expect("stories260K attention", len(gqa) == 5,
                     f"{len(gqa)}/{len(attentions)} causal with 8 query / 4 KV "
                     "heads, expected 5")
    else:
        print(f"SKIPPED the ../shared models: {models} not found "
              "(set TESSERA_SHARED_DIR)")

    out = os.path.join(args.work, "exported-models")
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    subprocess.run(["/usr/bin/python3",
                    os.path.join(root, "scripts/models/export_models.py"),
                    "--out", out], check=True, capture_output=True)
    for model in sorted(glob.glob(os.path.join(out, "*.onnx"))):
        name = os.path.basename(model)
        report, error = fusion_report(args.compiler, model)
        if report is None:
            check.expect(name, False, error)
            continue
        parts = []
        ok = True
        for kind in ("attention", "layer_norm", "rms_norm", "swiglu"):
            fused, total = counts(report, kind)
            if total:
                parts.append(f"{kind} {fused}/{total}")
                ok &= fused == total
        check.expect(f"{name} attention and norms", ok, ", ".join(parts))

    print(f"{check.passed} passed, {check.failed} failed")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
