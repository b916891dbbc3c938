#!/usr/bin/python3
"""Compiles native checkpoints with tessera-compile, runs them with
tessera-run and compares with PyTorch:

  - the repo's own tiny checkpoints (scripts/models/export_checkpoints.py:
    gpt2, llama, bert with and without its classification heads, t5 tied and
    gated/untied), written as config.json + model.safetensors with PyTorch
    reference outputs: `main` on the sample inputs; for the decoder-only
    models also `prefill`, and `decode` of the last token over prefill's
    caches of the others (its logits against the reference's last position,
    its present caches against prefill's of the whole sequence); and the
    greedy generations;
  - t5 (both) also greedily through `encode` once and `decode` per token
    over its self-attention caches;
  - with ../shared: stories260K.bin (llama2.c) against the PyTorch logits
    stored with its ONNX export, and its greedy continuation from BOS.

While the CPU backend cannot compile attention with a past cache, `decode`
is dropped from the module (tessera-opt --symbol-privatize --symbol-dce)
and its checks are reported as skipped, with the backend's message.

Tolerances (numerics.py): float32 rtol 1e-4, atol 1e-5 x max(1, max
|expected|) of each output; generated tokens exactly. One line per check;
exit 1 on any FAIL, else 77 (skipped) when ../shared is absent, else 0.
"""
import argparse
import json
import multiprocessing
import os
import subprocess
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import numerics  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPILE_TIMEOUT = 600
RUN_TIMEOUT = 120
# What the CPU backend says while attention with a KV cache is missing.
NO_PAST_SUPPORT = "past key/value cache is not supported"


class Case:
    """One checkpoint: where it is, its reference files, what it can do."""

    def __init__(self, label, model, directory, reference, decoder_only):
        self.label = label
        self.model = model
        self.directory = directory
        self.reference = reference
        self.decoder_only = decoder_only


def own_cases(work):
    out = os.path.join(work, "checkpoints")
    subprocess.run(["/usr/bin/python3",
                    os.path.join(ROOT, "scripts/models/export_checkpoints.py"),
                    "--out", out], check=True, capture_output=True)
    cases = []
    for name in sorted(os.listdir(out)):
        directory = os.path.join(out, name)
        with open(os.path.join(directory, "reference.json")) as f:
            reference = json.load(f)
        with open(os.path.join(directory, "config.json")) as f:
            model_type = json.load(f)["model_type"]
        cases.append(Case(name, directory, directory, reference,
                          model_type in ("gpt2", "llama")))
    return cases


def stories_case(shared, work):
    stories = os.path.join(shared, "models", "stories260K")
    onnx = os.path.join(stories, "stories260K_opset14.onnx")
    # The reference of the ONNX export holds for the same weights in llama2.c
    # form; the greedy tokens are the continuation of BOS (token 1).
    directory = os.path.join(work, "stories260K")
    os.makedirs(directory, exist_ok=True)
    np.save(os.path.join(directory, "bos.npy"), np.array([[1]], dtype=np.int64))
    greedy = np.load(onnx + ".greedy_tokens.npy")[None, :]
    np.save(os.path.join(directory, "greedy_tokens.npy"), greedy)
    reference = {
        "inputs": {"input_ids": onnx + ".input_tokens.npy"},
        "outputs": {"logits": onnx + ".ref_logits.npy"},
        "greedy": {"inputs": {}, "prompt": "bos.npy", "tokens": "greedy_tokens.npy",
                   "decoder": False},
    }
    return Case("stories260K.bin", os.path.join(stories, "stories260K.bin"),
                directory, reference, True)


class Runner:
    """Compiles one case and runs its functions, collecting result lines."""

    def __init__(self, case, tools, work):
        self.case = case
        self.tools = tools
        self.work = os.path.join(work, "runs", case.label)
        os.makedirs(self.work, exist_ok=True)
        self.lines = []
        self.failed = 0
        self.module = None
        self.has_decode = False
        self.decode_skipped = ""

    def report(self, ok, what, detail):
        word = {True: "PASS", False: "FAIL", None: "SKIP"}[ok]
        self.lines.append(f"{word} {self.case.label} {what}: {detail}")
        self.failed += ok is False

    def path(self, name):
        return name if os.path.isabs(name) else os.path.join(self.case.directory, name)

    def compile(self):
        """The module; without decode when the backend cannot compile it."""
        module = os.path.join(self.work, "model.tsr")
        ok, message = numerics.run_tool(
            numerics.compile_command(self.tools.compiler, self.case.model, module),
            COMPILE_TIMEOUT)
        if ok:
            self.module, self.has_decode = module, self.case.decoder_only
            return True
        if not (self.case.decoder_only and NO_PAST_SUPPORT in message):
            self.report(False, "compile", message)
            return False
        self.decode_skipped = message
        ir = os.path.join(self.work, "model.mlir")
        stripped = os.path.join(self.work, "model-no-decode.mlir")
        for command in ([self.tools.compiler, self.case.model, "--emit=ir", "-o", ir],
                        [self.tools.opt, ir, "--symbol-privatize=exclude=main,prefill",
                         "--symbol-dce", "-o", stripped],
                        numerics.compile_command(self.tools.compiler, stripped, module)):
            ok, message = numerics.run_tool(command, COMPILE_TIMEOUT)
            if not ok:
                self.report(False, "compile without decode", message)
                return False
        self.module = module
        return True

    def run(self, function, inputs, tag):
        """Runs `function` on {name: .npy path}: the output directory, or
        None after reporting the failure."""
        out_dir = os.path.join(self.work, tag)
        command = numerics.run_command(self.tools.runner, self.module, inputs, out_dir)
        ok, message = numerics.run_tool(command + ["--function", function], RUN_TIMEOUT)
        if not ok:
            self.report(False, f"{function} ({tag})", f"tessera-run: {message}")
            return None
        return out_dir

    def save(self, name, array):
        path = os.path.join(self.work, name)
        np.save(path, array)
        return path

    def check_main(self):
        ref = self.case.reference
        inputs = {k: self.path(v) for k, v in ref["inputs"].items()}
        names = list(ref["outputs"])
        expected = [np.load(self.path(ref["outputs"][n])) for n in names]
        functions = ["main"] + (["prefill"] if self.case.decoder_only else [])
        for function in functions:
            out_dir = self.run(function, inputs, function)
            if out_dir:
                ok, detail, _, _ = numerics.compare_outputs(out_dir, names, expected,
                                                            scaled_atol=True)
                self.report(ok, function, detail)

    def check_decode(self):
        if not self.has_decode:
            self.report(None, "decode", self.decode_skipped or "not compiled")
            return
        ids = np.load(self.path(self.case.reference["inputs"]["input_ids"]))
        logits = np.load(self.path(self.case.reference["outputs"]["logits"]))
        prefix = self.run("prefill", {"input_ids": self.save("prefix.npy", ids[:, :-1])},
                          "prefill-prefix")
        whole = self.run("prefill", {"input_ids": self.path(
            self.case.reference["inputs"]["input_ids"])}, "prefill")
        if not prefix or not whole:
            return
        caches = sorted(f[:-len(".npy")] for f in os.listdir(prefix) if f.startswith("present."))
        inputs = {"input_ids": self.save("last.npy", ids[:, -1:])}
        for cache in caches:
            inputs["past_key_values." + cache[len("present."):]] = os.path.join(prefix, cache + ".npy")
        out_dir = self.run("decode", inputs, "decode")
        if not out_dir:
            return
        expected = [logits[:, -1:]] + [np.load(os.path.join(whole, c + ".npy")) for c in caches]
        ok, detail, _, _ = numerics.compare_outputs(out_dir, ["logits"] + caches, expected,
                                                    scaled_atol=True)
        self.report(ok, f"decode (last token over prefill's {len(caches)} caches)", detail)

    def greedy(self, use_decode):
        """The greedy tokens, continuing the reference's prompt."""
        spec = self.case.reference["greedy"]
        want = np.load(self.path(spec["tokens"]))
        inputs = {k: self.path(v) for k, v in spec["inputs"].items()}
        if spec["decoder"]:
            tokens, grow = want[:, :1], "decoder_input_ids"
        else:
            prompt = np.load(self.path(spec["prompt"])) if "prompt" in spec else None
            tokens = prompt if prompt is not None else np.load(
                self.path(self.case.reference["inputs"]["input_ids"]))[:1]
            grow = "input_ids"
        steps = want.shape[1] - tokens.shape[1]
        caches = {}
        for step in range(steps):
            if use_decode and step > 0:
                function, step_inputs = "decode", dict(caches)
                step_inputs["input_ids"] = self.save(f"g{step}.npy", tokens[:, -1:])
            else:
                function, step_inputs = ("prefill" if use_decode else "main"), dict(inputs)
                step_inputs[grow] = self.save(f"g{step}.npy", tokens)
            out_dir = self.run(function, step_inputs, f"greedy-{function}-{step}")
            if not out_dir:
                return None, want
            logits = np.load(os.path.join(out_dir, "logits.npy"))
            tokens = np.concatenate([tokens, logits[:, -1:].argmax(-1)], axis=1)
            if use_decode:
                caches = {"past_key_values." + f[len("present."):-len(".npy")]:
                          os.path.join(out_dir, f)
                          for f in os.listdir(out_dir) if f.startswith("present.")}
        return tokens, want

    def greedy_encode_decode(self):
        """T5: `encode` once, then `decode` token by token from empty
        self-attention caches, each step's present caches the next one's
        past."""
        spec = self.case.reference["greedy"]
        want = np.load(self.path(spec["tokens"]))
        inputs = {k: self.path(v) for k, v in spec["inputs"].items()}
        encoded = self.run("encode", inputs, "greedy-encode")
        if not encoded:
            return None, want
        with open(os.path.join(self.case.directory, "config.json")) as f:
            config = json.load(f)
        layers = config.get("num_decoder_layers") or config["num_layers"]
        empty = self.save("empty-cache.npy",
                          np.zeros((1, config["num_heads"], 0, config.get("d_kv", 64)),
                                   np.float32))
        caches = {f"past_key_values.{i}.{part}": empty
                  for i in range(layers) for part in ("key", "value")}
        tokens = want[:, :1]
        for step in range(want.shape[1] - 1):
            step_inputs = dict(caches, attention_mask=inputs["attention_mask"],
                               encoder_hidden_states=os.path.join(
                                   encoded, "encoder_hidden_states.npy"),
                               decoder_input_ids=self.save(f"d{step}.npy", tokens[:, -1:]))
            out_dir = self.run("decode", step_inputs, f"greedy-decode-{step}")
            if not out_dir:
                return None, want
            logits = np.load(os.path.join(out_dir, "logits.npy"))
            tokens = np.concatenate([tokens, logits[:, -1:].argmax(-1)], axis=1)
            caches = {"past_key_values." + f[len("present."):-len(".npy")]:
                      os.path.join(out_dir, f)
                      for f in os.listdir(out_dir) if f.startswith("present.")}
        return tokens, want

    def check_greedy(self):
        if "greedy" not in self.case.reference:
            return
        modes = [False] + ([True] if self.has_decode else [])
        if self.case.reference["greedy"]["decoder"]:
            modes.append("encode")
        for use_decode in modes:
            if use_decode == "encode":
                what = "greedy (encode + decode)"
                got, want = self.greedy_encode_decode()
            else:
                what = "greedy (prefill + decode)" if use_decode else "greedy (main)"
                got, want = self.greedy(use_decode)
            if got is None:
                continue
            ok = got.shape == want.shape and bool((got == want).all())
            detail = (f"{want.shape[1]} tokens match" if ok else
                      f"got {got[0].tolist()}, expected {want[0].tolist()}")
            self.report(ok, what, detail)


def check(job):
    case, tools, work = job
    runner = Runner(case, tools, work)
    if runner.compile():
        runner.check_main()
        if case.decoder_only:
            runner.check_decode()
        runner.check_greedy()
    return runner.lines, runner.failed


class Tools:
    def __init__(self, args):
        self.compiler, self.runner, self.opt = args.compiler, args.runner, args.opt


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compiler", required=True, help="tessera-compile")
    parser.add_argument("--runner", required=True, help="tessera-run")
    parser.add_argument("--opt", required=True, help="tessera-opt")
    parser.add_argument("--work", required=True, help="directory for the files")
    parser.add_argument("--shared", default=os.environ.get(
        "TESSERA_SHARED_DIR", os.path.join(ROOT, "..", "shared")))
    args = parser.parse_args()

    os.makedirs(args.work, exist_ok=True)
    cases = own_cases(args.work)
    have_shared = os.path.isdir(args.shared)
    if have_shared:
        cases.append(stories_case(args.shared, args.work))
    tools = Tools(args)
    with multiprocessing.Pool(os.cpu_count()) as pool:
        results = pool.map(check, [(case, tools, args.work) for case in cases])
    failed = 0
    for lines, case_failed in results:
        for line in lines:
            print(line)
        failed += case_failed
    print(f"{len(cases)} checkpoints, {failed} failed checks (tolerance: "
          f"{numerics.TOLERANCE_TEXT}; atol times max(1, max |expected|))")
    if failed:
        return 1
    if not have_shared:
        print(f"skipped stories260K.bin: {args.shared} not found (set TESSERA_SHARED_DIR)")
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
