#!/usr/bin/env bash
# Side-by-side GEMM speed: numpy/OpenBLAS (Debian python3-numpy, float32) against
# `peftbench bench matmul` on the square 1024³ and the SmolLM2-135M LoRA-step shapes, for the
# nn/nt/tn variants, with F32 and BF16 weights (numpy's side is always its F32 sgemm: the floor
# for BF16 weights is set against it). Each pair runs back to back so both see the same machine
# load; with ROUNDS > 1 every pair is repeated and the medians are reported.
#
#   bench/compare_gemm_numpy.sh                 # 2 threads, 1 round
#   THREADS=1 ROUNDS=3 bench/compare_gemm_numpy.sh
#   PEFTBENCH="java --add-modules jdk.incubator.vector -jar harness/target/peftbench.jar" \
#     bench/compare_gemm_numpy.sh               # a prebuilt jar instead of the launcher
#   SHAPES="256x256x256 512x512x512" bench/compare_gemm_numpy.sh   # other M×N×K shapes
#   METRIC=cpu_gflops bench/compare_gemm_numpy.sh   # GFLOP per CPU-second instead of wall clock
#
# METRIC=gflops (default) is wall-clock speed, what the floors are about, but only meaningful on
# an otherwise idle machine. cpu_gflops divides by the process's CPU time instead: the speed per
# busy core, which stays comparable when other jobs share the cores.
#
# Output: a Markdown table (shape, variant, weights, numpy GFLOP/s, ours GFLOP/s, ours/numpy).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
THREADS="${THREADS:-2}"
METRIC="${METRIC:-gflops}"
ROUNDS="${ROUNDS:-1}"
PYTHON="${PYTHON:-/usr/bin/python3}"
read -r -a PEFTBENCH <<<"${PEFTBENCH:-$ROOT/peftbench}"
read -r -a SHAPES <<<"${SHAPES:-1024x1024x1024 576x1536x1024 1024x49152x576}"
VARIANTS=(nn nt tn)
DTYPES=(f32 bf16)

"$PYTHON" -c 'import numpy' 2>/dev/null ||
  { echo "compare_gemm_numpy: $PYTHON has no numpy (apt-get install python3-numpy)" >&2; exit 1; }

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
gflops() { sed -n "s/.*\"$METRIC\": *\([0-9.]*\).*/\1/p" | head -n1; }

for round in $(seq "$ROUNDS"); do
  for shape in "${SHAPES[@]}"; do
    IFS=x read -r m n k <<<"$shape"
    for variant in "${VARIANTS[@]}"; do
      for dtype in "${DTYPES[@]}"; do
        ref="$("$PYTHON" "$ROOT/bench/gemm_numpy.py" --m "$m" --n "$n" --k "$k" \
          --variant "$variant" --threads "$THREADS" | gflops)"
        ours="$("${PEFTBENCH[@]}" bench matmul --m "$m" --n "$n" --k "$k" --variant "$variant" \
          --dtype "$dtype" --threads "$THREADS" --json 2>/dev/null | gflops)"
        echo "$m $n $k $variant $dtype $ref $ours" >>"$results"
        echo "round $round: ${m}x${n}x${k} $variant $dtype numpy $ref ours $ours ($METRIC)" >&2
      done
    done
  done
done

"$PYTHON" - "$results" "$THREADS" "$ROUNDS" "$METRIC" <<'PY'
import statistics
import sys

rows = {}
for line in open(sys.argv[1]):
    m, n, k, variant, dtype, ref, ours = line.split()
    rows.setdefault((int(m), int(n), int(k), variant, dtype), []).append((float(ref), float(ours)))
unit = "GFLOP/s" if sys.argv[4] == "gflops" else "GFLOP per CPU-second"
print(f"GEMM {unit}, {sys.argv[2]} threads, median of {sys.argv[3]} round(s)\n")
print("| M×N×K | variant | weights | numpy (OpenBLAS) | peftbench | ratio |")
print("| --- | --- | --- | ---: | ---: | ---: |")
for (m, n, k, variant, dtype), pairs in rows.items():
    ref = statistics.median(p[0] for p in pairs)
    ours = statistics.median(p[1] for p in pairs)
    print(f"| {m}×{n}×{k} | {variant} | {dtype} | {ref:.1f} | {ours:.1f} | {ours / ref:.2f} |")
PY
