#!/usr/bin/env bash
# The GPU checks and benchmark in one command, on a machine with an NVIDIA
# GPU and driver and the tools built (./build by default):
#   bench/gpu.sh [--build DIR] [--device cuda:N] [--runs N]
# Numerics of the CUDA backend against the CPU backend, then BERT-base
# latency next to PyTorch on the same GPU (bench/gpu_bench.py).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exec /usr/bin/python3 "$root/bench/gpu_bench.py" "$@"
