#!/usr/bin/env bash
# Side by side with PyTorch eager on this CPU: a LoRA training step and greedy decode of the
# SmolLM2-135M shape (random weights from `peftbench init-model`, the same safetensors loaded by
# both engines).
#
# Training: LoRA r 16 (alpha 32) on q,k,v,o,gate,up,down, batch 4 × 256 random tokens, AdamW,
# global-norm clipping. PyTorch: bench/torch_lora_step.py (a minimal Llama written with torch ops,
# float32, all B·T·V logits as transformers computes them), run with 1 and 2 threads; its best
# run is the baseline. Ours: `peftbench bench train --json` (F32 weights, and BF16 frozen
# weights); REPEATS rounds with the engines taking turns, each engine's best run kept. Decode:
# `peftbench bench generate` against tools/bench_generate_torch.py (KV cache),
# batch 1, PyTorch best of 1 and 2 threads. The engines run one after the other, so they see
# (roughly) the same machine load; the load average is printed with the results.
#
#   bench/compare_train_torch.sh                      # 2 threads for us, 3 timed steps each,
#                                                     # 2 rounds (REPEATS), best run of each engine
#   STEPS=5 THREADS=2 bench/compare_train_torch.sh
#   PEFTBENCH="java --add-modules jdk.incubator.vector -jar harness/target/peftbench.jar" \
#     bench/compare_train_torch.sh                    # a prebuilt jar instead of the launcher
#   SKIP_DECODE=1 / SKIP_TRAIN=1                      # one half only
#   PEFTBENCH_JAVA_OPTS=-Xmx4g bench/compare_train_torch.sh   # JVM options (default -Xmx3g)
#
# Output: one JSON line per run, then a table of both figures and their ratios (ours / PyTorch),
# and the achieved GFLOP/s of our step against the 2-core F32 peak (PEAK_GFLOPS, default 200).
# Each training run also records its process's CPU time (/usr/bin/time): CPU seconds per wall
# second shows how many cores an engine really kept busy (PyTorch "with 1 thread" uses more than
# one: its allocator's page faults and helper threads).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
THREADS="${THREADS:-2}"
STEPS="${STEPS:-3}"
WARMUP="${WARMUP:-2}"
REPEATS="${REPEATS:-2}"
NEW_TOKENS="${NEW_TOKENS:-64}"
# generation runs per engine, best kept: our first ones still run while C2 compiles the 128-row
# prefill paths (best of 2 read ~400 prefill tokens/s, best of 5 ~550)
GEN_REPEATS="${GEN_REPEATS:-5}"
PROMPT_TOKENS="${PROMPT_TOKENS:-128}"
PEAK_GFLOPS="${PEAK_GFLOPS:-200}"
PYTHON="${PYTHON:-/usr/bin/python3}"
WORK="${WORK:-${TMPDIR:-/tmp}/peftbench-compare}"
CONFIG="${CONFIG:-$ROOT/../shared/models/smollm2-135m/config.transformers-v5-resaved.json}"
read -r -a PEFTBENCH <<<"${PEFTBENCH:-$ROOT/peftbench}"
# The JVM's heap cap (the launcher passes PEFTBENCH_JAVA_OPTS to java). Live tensors of the step
# peak at ~1.6 GB; without a cap the parallel collector lets the heap grow to a quarter of the RAM
# before collecting, which is what peak RSS would then measure.
export PEFTBENCH_JAVA_OPTS="${PEFTBENCH_JAVA_OPTS:--Xmx3g}"

"$PYTHON" -c 'import torch' 2>/dev/null ||
  { echo "compare_train_torch: $PYTHON has no torch (apt-get install python3-torch)" >&2; exit 1; }
[[ -f "$CONFIG" ]] || { echo "compare_train_torch: no config at $CONFIG (set CONFIG=...)" >&2; exit 1; }

mkdir -p "$WORK"
for dtype in f32 bf16; do
  if [[ ! -f "$WORK/smollm2-$dtype/model.safetensors" ]]; then
    "${PEFTBENCH[@]}" init-model --config "$CONFIG" --seed 0 --dtype "$dtype" \
      --out "$WORK/smollm2-$dtype" 2>/dev/null
  fi
done
cat >"$WORK/adapter_config.json" <<'JSON'
{"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 16, "lora_alpha": 32, "lora_dropout": 0.0,
 "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
 "bias": "none"}
JSON

results="$WORK/results.jsonl"
: >"$results"
timing="$WORK/.timing"
timed() { # timed CMD...: runs it under /usr/bin/time, which leaves "wall user sys" seconds in $timing
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%e %U %S' -o "$timing" "$@"
  else
    "$@"
  fi
}
record() { # record KIND JSON (and the CPU time of the process that produced it, when known)
  echo "$1 $2"
  local cpu="null"
  if [[ -s "$timing" ]]; then
    read -r wall user sys < <(tail -n1 "$timing")
    cpu="{\"wall_s\": $wall, \"user_s\": $user, \"sys_s\": $sys}"
    rm -f "$timing"
  fi
  printf '{"kind": "%s", "load": "%s", "result": %s, "process_cpu": %s}\n' "$1" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$2" "$cpu" >>"$results"
}

if [[ -z "${SKIP_TRAIN:-}" ]]; then
  # REPEATS rounds, the engines taking turns; each engine's best run counts (PyTorch's over its
  # thread counts too), so a slow moment of the shared machine does not decide the ratio
  for rep in $(seq "$REPEATS"); do
    for t in 1 2; do
      record torch-train-$t-r$rep "$(timed "$PYTHON" "$ROOT/bench/torch_lora_step.py" \
        --model "$WORK/smollm2-f32" --batch 4 --seq 256 --steps "$STEPS" --warmup "$WARMUP" \
        --threads "$t" --json)"
    done
    for dtype in f32 bf16; do
      record java-train-$dtype-r$rep "$(timed "${PEFTBENCH[@]}" --threads "$THREADS" bench train \
        --model "$WORK/smollm2-$dtype" --peft "$WORK/adapter_config.json" --batch 4 --seq 256 \
        --steps "$STEPS" --warmup "$WARMUP" --json 2>/dev/null | tail -n1)"
    done
  done
fi
if [[ -z "${SKIP_DECODE:-}" ]]; then
  for t in 1 2; do
    record torch-decode-$t "$("$PYTHON" "$ROOT/tools/bench_generate_torch.py" \
      --model "$WORK/smollm2-f32" --prompt-tokens "$PROMPT_TOKENS" --new-tokens "$NEW_TOKENS" \
      --threads "$t" --repeats "$GEN_REPEATS" --json)"
  done
  for dtype in f32 bf16; do
    record java-decode-$dtype "$("${PEFTBENCH[@]}" --threads "$THREADS" bench generate \
      --model "$WORK/smollm2-$dtype" --prompt-tokens "$PROMPT_TOKENS" --new-tokens "$NEW_TOKENS" \
      --repeats "$GEN_REPEATS" --json 2>/dev/null | tail -n1)"
  done
fi

"$PYTHON" - "$results" "$CONFIG" "$PEAK_GFLOPS" "$PEFTBENCH_JAVA_OPTS" <<'PY'
import json, sys

rows = [json.loads(l) for l in open(sys.argv[1])]
cfg = json.load(open(sys.argv[2]))
peak = float(sys.argv[3])
by = {r["kind"]: r["result"] for r in rows}
cpu = {r["kind"]: r.get("process_cpu") for r in rows}


def cores(kind):
    """CPU seconds (user + system) per wall second of a whole run, load and warm-up included."""
    c = cpu.get(kind)
    return (c["user_s"] + c["sys_s"]) / c["wall_s"] if c and c["wall_s"] > 0 else None

print()
print("JVM options: " + (sys.argv[4] or "-"))
print("load average during the runs: " + "; ".join(f'{r["kind"]} {r["load"]}' for r in rows))

# FLOPs of one training step, analytically (multiply-add = 2 FLOPs), B = 4, T = 256, r = 16
B, T, r = 4, 256, 16
N = B * T
C, I, L = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
Hq, Hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
D = cfg.get("head_dim") or C // Hq
V = cfg["vocab_size"]
shapes = [(C, Hq * D), (C, Hkv * D), (C, Hkv * D), (Hq * D, C), (C, I), (C, I), (I, C)]
frozen = L * sum(i * o for i, o in shapes) + V * C  # projections + lm_head
lora = L * sum(r * (i + o) for i, o in shapes)
linear = 2 * N * frozen * 2  # forward + dX of the frozen weights (no dW)
adapters = 2 * N * lora * 3  # forward, dX, dA/dB
attention = 3 * L * B * Hq * 2 * T * T * D  # causal QKᵀ and PV forward (2·T²·D), backward 2×
step = linear + adapters + attention
print(f"step FLOPs: {step / 1e9:.0f} GFLOP (frozen-weight GEMMs {linear / 1e9:.0f}, "
      f"LoRA {adapters / 1e9:.0f}, attention {attention / 1e9:.0f})")

def best(prefix, key):
    cands = [(v[key], k) for k, v in by.items() if k.startswith(prefix)]
    return max(cands) if cands else (None, None)

def line(name, ours, theirs, unit, fmt="{:.2f}"):
    ratio = f"{ours / theirs:.2f}x" if ours and theirs else "-"
    o = fmt.format(ours) if ours is not None else "-"
    t = fmt.format(theirs) if theirs is not None else "-"
    print(f"| {name} | {o} | {t} | {ratio} |")

print()
print("| figure | peftbench | PyTorch best | ratio |")
print("|---|---|---|---|")
tt, tk = best("torch-train", "tokens_per_second")
if tt:
    trow = by[tk]
    for dtype in ("f32", "bf16"):
        _, jk = best(f"java-train-{dtype}", "tokens_per_second")
        j = by.get(jk)
        if not j:
            continue
        line(f"train tokens/s ({dtype.upper()} weights; PyTorch {trow['threads']} thr)",
             j["tokens_per_second"], tt, "")
        line(f"train s/step ({dtype.upper()})", j["seconds_per_step"], trow["seconds_per_step"], "")
        line(f"train peak RSS GB ({dtype.upper()})", j["peak_rss_bytes"] / 1e9,
             trow["peak_rss_bytes"] / 1e9, "")
        line(f"train process CPU cores, user+sys / wall ({dtype.upper()})", cores(jk), cores(tk), "")
        g = step / j["seconds_per_step"] / 1e9
        print(f"| train GFLOP/s ({dtype.upper()}) | {g:.1f} = {100 * g / peak:.0f}% of {peak:.0f} "
              f"| {step / trow['seconds_per_step'] / 1e9:.1f} | {g / (step / trow['seconds_per_step'] / 1e9):.2f}x |")
td, dk = best("torch-decode", "decode_tokens_per_s")
if td:
    for dtype in ("f32", "bf16"):
        j = by.get(f"java-decode-{dtype}")
        if j:
            line(f"decode tokens/s ({dtype.upper()}; PyTorch {by[dk]['threads']} thr)",
                 j["decode_tokens_per_s"], td, "")
            tp, _ = best("torch-decode", "prefill_tokens_per_s")
            line(f"prefill tokens/s ({dtype.upper()})", j["prefill_tokens_per_s"], tp, "")
PY
