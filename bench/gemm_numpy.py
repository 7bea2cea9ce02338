#!/usr/bin/env python3
"""GFLOP/s of one numpy (OpenBLAS) float32 GEMM, measured like `peftbench bench matmul`.

Reference side of bench/compare_gemm_numpy.sh; run with Debian's python3-numpy (OpenBLAS).
Variants: nn = A·B, nt = A·Bᵀ (B stored [N,K]), tn = Aᵀ·B (A stored [K,M]); the transposes are
views, so OpenBLAS gets them as sgemm transpose flags, as our kernels do. Prints one JSON line.
"""
import argparse
import json
import os
import sys
import time

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--m", type=int, required=True)
p.add_argument("--n", type=int, required=True)
p.add_argument("--k", type=int, required=True)
p.add_argument("--variant", choices=["nn", "nt", "tn"], default="nn")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--runs", type=int, default=7)
p.add_argument("--min-time", type=float, default=0.3)
args = p.parse_args()

# the BLAS thread pool is sized when numpy loads
os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
os.environ["OMP_NUM_THREADS"] = str(args.threads)
import numpy as np  # noqa: E402

rng = np.random.default_rng(42)
m, n, k = args.m, args.n, args.k
a = rng.uniform(-1, 1, (k, m) if args.variant == "tn" else (m, k)).astype(np.float32)
b = rng.uniform(-1, 1, (n, k) if args.variant == "nt" else (k, n)).astype(np.float32)
c = np.empty((m, n), dtype=np.float32)
opa = a.T if args.variant == "tn" else a
opb = b.T if args.variant == "nt" else b

for _ in range(args.warmup):
    np.matmul(opa, opb, out=c)
flops = 2.0 * m * n * k
rates, cpu_rates = [], []
for _ in range(args.runs):
    start, cpu_start = time.perf_counter(), time.process_time()
    calls = 0
    while True:
        np.matmul(opa, opb, out=c)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.min_time:
            break
    rates.append(flops * calls / elapsed / 1e9)
    # GFLOP per CPU-second of the process: comparable even when other jobs share the machine
    cpu_rates.append(flops * calls / max(1e-9, time.process_time() - cpu_start) / 1e9)
rates.sort()
cpu_rates.sort()
json.dump(
    {
        "gflops": round(rates[len(rates) // 2], 3),
        "best_gflops": round(rates[-1], 3),
        "cpu_gflops": round(cpu_rates[len(cpu_rates) // 2], 3),
        "m": m,
        "n": n,
        "k": k,
        "threads": args.threads,
        "dtype": "f32",
        "variant": args.variant,
        "numpy": np.__version__,
    },
    sys.stdout,
)
print()
