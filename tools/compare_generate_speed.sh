#!/usr/bin/env bash
# Generation speed side by side: `peftbench bench generate` (ours), PyTorch eager
# (tools/bench_generate_torch.py) measured in the same run on the same model folders, and the
# recorded llama.cpp figures below; plus the machine's memory read bandwidth (`bench memory`),
# the ceiling of batch-1 decode. Prints a Markdown table with the machine and the date.
#
#   tools/compare_generate_speed.sh F32_MODEL_DIR BF16_MODEL_DIR
#
# Make the models first (SmolLM2-135M shape, random weights):
#   ./peftbench init-model --config ../shared/models/smollm2-135m/config.transformers-v5-resaved.json \
#       --seed 0 --out /tmp/smollm2-f32
#   ./peftbench init-model --config ... --seed 0 --dtype bf16 --out /tmp/smollm2-bf16
# Settings (environment): THREADS="1 2", CONTEXTS="16 512" (prompt tokens before decoding),
# NEW=64 (decoded tokens), PREFILL=512 (prefill row), REPEATS=3 (best of), SKIP_TORCH=1,
# TORCH_BF16=1 (PyTorch with BF16 weights too: Debian's build computes BF16 slowly on CPUs without
# BF16 instructions, minutes per configuration here).
# Debian's python3-torch uses a generic BLAS; set PYTHON to a Python with an MKL/OpenBLAS torch
# where one is installed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
F32="${1:?F32 model folder}"
BF16="${2:?BF16 model folder}"
THREADS="${THREADS:-1 2}"
CONTEXTS="${CONTEXTS:-16 512}"
NEW="${NEW:-64}"
PREFILL="${PREFILL:-512}"
REPEATS="${REPEATS:-3}"
PYTHON="${PYTHON:-/usr/bin/python3}"
PB="$ROOT/peftbench"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# llama.cpp b4747 `llama-bench`, SmolLM2-135M, batch 1, on a 2-core AMD EPYC VM of this kind
# (recorded when issue #20 was filed; tg = 128 decoded tokens from a 16-token prompt, pp = 512).
# key: dtype/threads/kind -> tokens/s
declare -A LLAMA=(
  [F32/2/decode]=51.7
  [BF16/2/decode]=101.5
  [BF16/1/decode]=71.8
  [BF16/2/prefill]=640
)

csv_threads="$(echo $THREADS | tr ' ' ',')"
csv_contexts="$(echo $CONTEXTS | tr ' ' ',')"
"$PB" bench memory --threads-sweep "$csv_threads" --json 2>/dev/null > "$work/memory.jsonl"
for model in "$F32" "$BF16"; do
  "$PB" bench generate --model "$model" --threads-sweep "$csv_threads" --context "$csv_contexts" \
    --new-tokens "$NEW" --repeats "$REPEATS" --json 2>/dev/null >> "$work/ours.jsonl"
  "$PB" bench generate --model "$model" --threads-sweep "$csv_threads" --context "$PREFILL" \
    --new-tokens 1 --repeats "$REPEATS" --json 2>/dev/null >> "$work/ours_prefill.jsonl"
done
touch "$work/torch.jsonl"
if [ -z "${SKIP_TORCH:-}" ]; then
  for t in $THREADS; do
    for p in $CONTEXTS; do
      "$PYTHON" "$ROOT/tools/bench_generate_torch.py" --model "$F32" --prompt-tokens "$p" \
        --new-tokens "$NEW" --threads "$t" --repeats "$REPEATS" --json | sed "s/^{/{\"dtype\":\"F32\",\"threads\":$t,\"prompt_tokens\":$p,/" >> "$work/torch.jsonl"
      if [ -n "${TORCH_BF16:-}" ]; then
        "$PYTHON" "$ROOT/tools/bench_generate_torch.py" --model "$BF16" --prompt-tokens "$p" \
          --new-tokens "$NEW" --threads "$t" --repeats "$REPEATS" --weights-dtype bf16 --json | sed "s/^{/{\"dtype\":\"BF16\",\"threads\":$t,\"prompt_tokens\":$p,/" >> "$work/torch.jsonl"
      fi
    done
  done
fi

llama_args=()
for k in "${!LLAMA[@]}"; do llama_args+=("$k=${LLAMA[$k]}"); done
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $("$PB" --version 2>/dev/null | head -n1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$PYTHON" - "$work" "${llama_args[@]}" <<'PY'
import json, sys, os
work, llama = sys.argv[1], dict(a.split("=") for a in sys.argv[2:])
def rows(name):
    p = os.path.join(work, name)
    return [json.loads(l) for l in open(p) if l.startswith("{")] if os.path.exists(p) else []
mem = {r["threads"]: r["read_gb_per_s"] for r in rows("memory.jsonl")}
torch = {(r["dtype"], r["threads"], r["prompt_tokens"]): r for r in rows("torch.jsonl")}
print("| figure | ours tok/s | weights GB/s (of memory read) | PyTorch tok/s | llama.cpp tok/s (recorded) | ours / llama.cpp | ours / PyTorch |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
def fmt(x, f="{:.1f}"):
    return "" if x is None else f.format(x)
for r in rows("ours.jsonl"):
    d, t, p = r["dtype"], r["threads"], r["prompt_tokens"]
    ours = r["decode_tokens_per_s"]
    gbs = r["decode_weight_gb_per_s"]
    share = f"{gbs:.1f} ({100 * gbs / mem[t]:.0f}% of {mem[t]:.1f})" if t in mem else f"{gbs:.1f}"
    tr = torch.get((d, t, p))
    tv = tr["decode_tokens_per_s"] if tr else None
    lv = float(llama[f"{d}/{t}/decode"]) if f"{d}/{t}/decode" in llama and p == 16 else None
    print(f"| decode {d}, {t} thread(s), {p}-token context | {ours:.1f} | {share} | {fmt(tv)} | {fmt(lv)} | {fmt(ours / lv if lv else None, '{:.2f}x')} | {fmt(ours / tv if tv else None, '{:.2f}x')} |")
for r in rows("ours_prefill.jsonl"):
    d, t, p = r["dtype"], r["threads"], r["prompt_tokens"]
    ours = r["prefill_tokens_per_s"]
    tr = torch.get((d, t, p))
    tv = tr["prefill_tokens_per_s"] if tr else None
    lv = float(llama[f"{d}/{t}/prefill"]) if f"{d}/{t}/prefill" in llama else None
    print(f"| prefill {d}, {t} thread(s), {p} tokens | {ours:.1f} | | {fmt(tv)} | {fmt(lv)} | {fmt(ours / lv if lv else None, '{:.2f}x')} | {fmt(ours / tv if tv else None, '{:.2f}x')} |")
PY
