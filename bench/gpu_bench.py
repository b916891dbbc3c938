"""The GPU checks and benchmark, in one command on a machine with an NVIDIA
GPU and driver (bench/gpu.sh runs it with the built tools):

1. numerics: the repo's gpt2/llama/bert/t5 checkpoints
   (scripts/models/export_checkpoints.py) compiled for the CPU and for CUDA;
   the CUDA module's outputs must equal the CPU module's within 1e-3
   relative (fp32), atol 1e-5 x max(1, max |cpu|);
2. latency: BERT-base (seq 128 and 512, batch 1 and 8) and one GPT-2-small
   decode step (contexts 128 and 512, bench/decode_bench.py's model),
   tessera-run --device=cuda next to PyTorch eager on the same GPU and
   torch.compile where this PyTorch has it.

The CUDA modules are compiled --target=cpu,cuda: --device=cpu runs the same
script on their CPU code (a dry run of everything but the GPU; PyTorch's
columns are then n/a). Exits 77, saying so, when the device cannot be
opened (no driver here)."""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import timing  # noqa: E402

CHECKPOINTS = ["gpt2", "llama", "bert", "t5"]
RTOL, ATOL = 1e-3, 1e-5


def tool(build, name):
    return os.path.join(build, "bin", name)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(" ".join(command) + "\n" + result.stderr[-3000:])
    return result.stdout + result.stderr


def numerics(build, work, device):
    """Compares CUDA and CPU outputs of each checkpoint; returns failures."""
    checkpoints = os.path.join(work, "checkpoints")
    if not os.path.isdir(checkpoints):
        run(["/usr/bin/python3", os.path.join(ROOT, "scripts/models/export_checkpoints.py"),
             "--out", checkpoints, "--models", ",".join(CHECKPOINTS)])
    failures = 0
    for name in CHECKPOINTS:
        model = os.path.join(checkpoints, name)
        with open(os.path.join(model, "reference.json")) as f:
            inputs = json.load(f)["inputs"]
        args = [a for n, file in inputs.items() for a in ("--input", f"{n}={model}/{file}")]
        outputs = {}
        for target in ("cpu", "cuda"):
            tsr = os.path.join(work, f"{name}.{target}.tsr")
            out = os.path.join(work, f"{name}.{target}.out")
            run([tool(build, "tessera-compile"), model,
                 "--target=" + ("cpu" if target == "cpu" else "cpu,cuda"), "-o", tsr])
            run([tool(build, "tessera-run"), tsr, "--function", "main",
                 "--device=" + (device if target == "cuda" else "cpu"), "--output-dir", out]
                + args)
            outputs[target] = out
        for file in sorted(os.listdir(outputs["cpu"])):
            cpu = np.load(os.path.join(outputs["cpu"], file)).astype(np.float64)
            cuda = np.load(os.path.join(outputs["cuda"], file)).astype(np.float64)
            atol = ATOL * max(1.0, float(np.abs(cpu).max(initial=0)))
            ok = cpu.shape == cuda.shape and np.allclose(cuda, cpu, rtol=RTOL, atol=atol)
            err = float(np.abs(cuda - cpu).max(initial=0)) if cpu.shape == cuda.shape else float("nan")
            print(f"{'PASS' if ok else 'FAIL'} {name} {file}: max abs err {err:.3g} "
                  f"(rtol {RTOL}, atol {atol:.3g})")
            failures += not ok
    return failures


def torch_cuda():
    """torch when it can use a GPU, else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def cuda_median(torch, fn, runs):
    """Median ms of fn() on the GPU (CUDA events), after one warm-up call."""
    times = []
    with torch.no_grad():
        fn()
        for _ in range(runs):
            start, end = torch.cuda.Event(True), torch.cuda.Event(True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
    return float(np.median(times))


def eager_and_compiled(torch, module, args, runs):
    """Medians (ms) of `module(*args)` eager and under torch.compile (None
    where this PyTorch has no torch.compile)."""
    eager = cuda_median(torch, lambda: module(*args), runs)
    compiled = None
    if hasattr(torch, "compile"):
        fast = torch.compile(module)
        compiled = cuda_median(torch, lambda: fast(*args), runs)
    return eager, compiled


def torch_ms(shape, batch, seq, runs):
    """PyTorch eager and torch.compile medians (ms) of the same encoder on the
    GPU, or None each where unavailable."""
    torch = torch_cuda()
    if torch is None:
        return None, None
    sys.path.insert(0, os.path.join(ROOT, "scripts", "models"))
    import export_models as em
    for key, value in shape.items():
        setattr(em, key, value)
    em.HEAD_DIM = em.HIDDEN // em.HEADS
    model, _, _, _ = em.build("bert")
    model = model.cuda().eval()
    ids = torch.randint(0, em.VOCAB, (batch, seq), device="cuda")
    mask = torch.ones(batch, seq, dtype=torch.int64, device="cuda")
    types = torch.zeros(batch, seq, dtype=torch.int64, device="cuda")
    return eager_and_compiled(torch, model, (ids, mask, types), runs)


def torch_decode_ms(context, runs):
    """PyTorch eager and torch.compile medians (ms) of one decode step of
    decode_bench's model after context - 1 cached tokens, or None each."""
    torch = torch_cuda()
    if torch is None:
        return None, None
    import decode_bench
    step = decode_bench.decoder_with_past(decode_bench.seeded_model()).cuda().eval()
    ids = torch.tensor([[42]], device="cuda")
    past = [torch.randn(1, decode_bench.SHAPE["n_head"], context - 1, 64, device="cuda")
            for _ in decode_bench.past_names()]
    return eager_and_compiled(torch, step, (ids, *past), runs)


def decode_table(args):
    """Prints the GPT-2-small decode rows: tokens/s of one step."""
    import decode_bench
    work = os.path.join(args.work, "decode")
    os.makedirs(work, exist_ok=True)
    hf_dir, _, _, _ = decode_bench.write_model(work)
    tsr = os.path.join(work, "gpt2-small.tsr")
    run([tool(args.build, "tessera-compile"), hf_dir, "--target=cpu,cuda",
         f"--max-seq-len={decode_bench.MAX_SEQ}", "--max-batch=1", "-o", tsr])
    print(f"\n| GPT-2-small decode | context | Tessera ({args.device}) tok/s "
          "| PyTorch eager tok/s | torch.compile tok/s | Tessera / eager speed |")
    print("|---|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    for context in (128, 512):
        files = decode_bench.step_inputs(work, context, rng)
        ours = timing.tessera_ms(args.build, tsr, files, 1, args.runs, function="decode",
                                 device=args.device)
        eager, compiled = torch_decode_ms(context, args.runs)
        rate = lambda ms: "n/a" if ms is None else f"{1000 / ms:.1f}"  # noqa: E731
        ratio = "n/a" if eager is None else f"{eager / ours:.2f}x"
        print(f"| batch 1 | {context} | {rate(ours)} | {rate(eager)} | {rate(compiled)} "
              f"| {ratio} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--device", default="cuda", help="tessera-run --device (cuda:N)")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "tessera-gpu"))
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)

    # One CUDA session first: no device means nothing below can run.
    probe = os.path.join(args.work, "probe.tsr")
    import cpu_bench
    bert, bert_inputs = cpu_bench.export("bert-base", args.work)
    run([tool(args.build, "tessera-compile"), bert, "--target=cpu,cuda", "--max-seq-len", "512",
         "-o", probe])
    check = subprocess.run([tool(args.build, "tessera-run"), probe, "--device=" + args.device]
                           + [a for n, f in bert_inputs.items() for a in ("--input", f"{n}={f}")],
                           capture_output=True, text=True)
    if check.returncode != 0:
        print("skipped: no CUDA device could be opened: " + check.stderr.strip()[-500:])
        return 77

    failures = numerics(args.build, args.work, args.device)

    print(f"\n| model | batch | seq | Tessera ({args.device}) ms | PyTorch eager ms "
          "| torch.compile ms | eager / Tessera |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    shape = {k: v for k, v in cpu_bench.SHAPES["bert-base"].items() if k != "model"}
    for batch in (1, 8):
        for seq in (128, 512):
            rng = np.random.default_rng(0)
            inputs = {}
            for n in bert_inputs:
                value = (rng.integers(0, shape["VOCAB"], (batch, seq)) if n == "input_ids"
                         else np.ones((batch, seq)) if n == "attention_mask"
                         else np.zeros((batch, seq)))
                inputs[n] = os.path.join(args.work, f"gpu_{n}_{batch}x{seq}.npy")
                np.save(inputs[n], value.astype(np.int64))
            command = [tool(args.build, "tessera-run"), probe, "--device=" + args.device,
                       "--benchmark", str(args.runs)]
            command += [a for n, f in inputs.items() for a in ("--input", f"{n}={f}")]
            ours = timing.median_ms(run(command))
            eager, compiled = torch_ms(shape, batch, seq, args.runs)
            fmt = lambda v: "n/a" if v is None else f"{v:.2f}"  # noqa: E731
            ratio = "n/a" if eager is None else f"{eager / ours:.2f}x"
            print(f"| BERT-base | {batch} | {seq} | {ours:.2f} | {fmt(eager)} | "
                  f"{fmt(compiled)} | {ratio} |")
    decode_table(args)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
