#!/usr/bin/python3
"""Imports every ONNX model of a corpus with tessera-compile and sorts the
results, so that the test says what happened to each file:

  imported    tessera IR came out; the shape tensors it still materializes
              (tensor.from_elements) are counted
  invalid     listed in invalid-models.txt: ONNX Runtime cannot run it either
  limitation  the importer refused it with an error saying why (an op, a
              data type, a value it needs at compile time...)
  failed      anything else: a crash, a timeout, or an internal error (IR
              that does not verify is the importer's bug, not the model's)

--require-import makes limitations failures too (for corpora that must
import completely). Exit 77 (ctest: skipped) when the corpus is absent.
"""
import argparse
import os
import re
import subprocess
import sys
import time

INTERNAL = re.compile(r"does not verify|internal:")


def load_invalid(path):
    invalid = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                invalid[name] = reason.strip()
    return invalid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--compiler", required=True)
    parser.add_argument("--corpus", required=True, help="directory to search")
    parser.add_argument("--pattern", default=".onnx",
                        help="file name suffix of the models")
    parser.add_argument("--require-import", action="store_true")
    parser.add_argument("--invalid", help="list of known-invalid models")
    parser.add_argument("--label", required=True)
    args = parser.parse_args()

    if not os.path.isdir(args.corpus):
        print(f"SKIPPED {args.label}: {args.corpus} not found "
              "(set TESSERA_SHARED_DIR to the shared data directory)")
        return 77
    invalid = load_invalid(args.invalid) if args.invalid else {}
    models = sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(args.corpus)
        for name in names if name.endswith(args.pattern))
    counts = {"imported": 0, "invalid": 0, "limitation": 0, "failed": 0}
    shape_tensors = 0
    start = time.time()
    for path in models:
        rel = os.path.relpath(path, args.corpus)
        try:
            run = subprocess.run(
                [args.compiler, path, "--emit=ir", "--elide-weights"],
                capture_output=True, text=True, timeout=300)
            code, out, err = run.returncode, run.stdout, run.stderr
        except subprocess.TimeoutExpired:
            code, out, err = -1, "", "timed out after 300 s"
        message = err.strip().splitlines()[0] if err.strip() else ""
        if code == 0:
            counts["imported"] += 1
            left = out.count("tensor.from_elements")
            shape_tensors += left
            if left:
                print(f"imported   {rel}: {left} shape tensor(s) left")
        elif code == 1 and rel in invalid:
            counts["invalid"] += 1
            print(f"invalid    {rel}: {invalid[rel]}")
        elif code == 1 and not INTERNAL.search(err):
            kind = "failed" if args.require_import else "limitation"
            counts[kind] += 1
            if args.require_import:
                print(f"FAILED     {rel}: {message}")
        else:
            counts["failed"] += 1
            print(f"FAILED     {rel} (exit {code}): {message}")
    stale = [name for name in invalid if not os.path.exists(
        os.path.join(args.corpus, name))]
    for name in stale:
        counts["failed"] += 1
        print(f"FAILED     {name}: listed as invalid but not in the corpus")
    print(f"{args.label}: {len(models)} models in {time.time() - start:.0f} s: "
          f"{counts['imported']} imported, {counts['invalid']} invalid "
          f"(ONNX Runtime rejects them too), {counts['limitation']} refused "
          f"with a stated limitation, {counts['failed']} failed; shape "
          f"tensors left in imported IR: {shape_tensors}")
    passed = counts["imported"] + counts["invalid"] + counts["limitation"]
    print(f"{passed} passed, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
