#!/usr/bin/env bash
# TornadoVM backend vs CPU backend: GEMM GFLOP/s (`peftbench bench matmul`), one LoRA training
# step on stories260K (`peftbench bench train`), and one Llama decoder layer's inference forward
# three ways (LayerBench: CPU backend op by op, TornadoVM op by op, TornadoVM chained in one task
# graph with resident weights), printed as tables.
#
#   TORNADOVM_HOME=/path/to/tornadovm-sdk bench/tornado_vs_cpu.sh
#
# Needs a TornadoVM SDK built for JDK 25 (see docs/tornadovm.md) and JDK 25. Builds the
# CLI and the optional tensor-tornado module (the "tornado" Maven profile, active because
# TORNADOVM_HOME is set), then runs both backends in the same JVM set-up (the SDK's argfile).
# PEFTBENCH_TARGET=target-x puts the build output in <module>/target-x (default: target).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "tornado_vs_cpu: $*" >&2; exit 1; }

[[ -n "${TORNADOVM_HOME:-}" ]] || die "set TORNADOVM_HOME to a TornadoVM SDK (JDK 25 build)"
ARGFILE="$TORNADOVM_HOME/tornado-argfile"
[[ -f "$ARGFILE" ]] || die "$ARGFILE not found: TORNADOVM_HOME is not a TornadoVM SDK"
if [[ -z "${JAVA_HOME:-}" ]]; then
  JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
[[ -x "$JAVA_HOME/bin/java" ]] || die "JAVA_HOME ($JAVA_HOME) is not a JDK 25"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
TARGET="${PEFTBENCH_TARGET:-target}"
MODEL="$ROOT/../shared/models/stories260K"
[[ -d "$MODEL" ]] || MODEL="${PEFTBENCH_MODEL:-}"
[[ -d "$MODEL" ]] || die "stories260K not found (set PEFTBENCH_MODEL to a model directory)"

echo "building the CLI and tensor-tornado ($TARGET)..." >&2
mvn -B -q -f "$ROOT/pom.xml" -Dpeftbench.target="$TARGET" -DskipTests -Dspotless.check.skip=true \
  -pl harness,tensor-tornado -am package >&2

CP="$ROOT/harness/$TARGET/peftbench.jar:$ROOT/tensor-tornado/$TARGET/tensor-tornado-0.1.0-SNAPSHOT.jar"
JVM=("@$ARGFILE" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m
  -Dtornado.recover.bailout=False -Dpeftbench.quiet=true)
LOG="$(mktemp -d)"
trap 'rm -rf "$LOG"' EXIT

# peftbench <args>: stdout to stdout, stderr appended to $LOG/stderr
peftbench() {
  java "${JVM[@]}" -cp "$CP" org.peftbench.harness.cli.Main "$@" 2>>"$LOG/stderr"
}
field() { sed -n "s/.*\"$1\":\([-0-9.eE]*\).*/\1/p"; }

# which device TornadoVM uses: a GPU, or an OpenCL CPU device such as PoCL
peftbench --backend tornado bench matmul --m 16 --n 16 --k 16 --warmup 0 --runs 1 \
  --min-time 0 --json >/dev/null || { cat "$LOG/stderr" >&2; die "the tornado backend failed"; }
DEVICE="$(sed -n 's/^peftbench: TornadoVM backend on //p' "$LOG/stderr" | head -n1)"
[[ -n "$DEVICE" ]] || { cat "$LOG/stderr" >&2; die "TornadoVM did not start (see above)"; }
case "$(echo "$DEVICE" | tr 'A-Z' 'a-z')" in
  *pthread* | *cpu* | *epyc* | *xeon* | *ryzen* | *core\(tm\)*)
    LABEL="OpenCL CPU device (PoCL): $DEVICE" ;;
  *) LABEL="$DEVICE" ;;
esac

printf '\nTornadoVM device: %s\nCPU backend: %s threads (Vector API)\n\n' "$LABEL" "$(nproc)"
printf '%-34s %14s %14s %8s\n' "benchmark" "cpu" "tornado" "ratio"
printf '%-34s %14s %14s %8s\n' "----------------------------------" "--------------" "--------------" "--------"

# GEMM: M N K variant dtype (a linear layer's forward with a BF16 weight, its input gradient, ...)
for shape in "256 768 768 nn f32" "256 768 768 nt bf16" "512 512 512 tn f32"; do
  read -r m n k v dt <<<"$shape"
  args=(bench matmul --m "$m" --n "$n" --k "$k" --variant "$v" --dtype "$dt" --warmup 3 --runs 3
    --min-time 0.5 --json)
  cpu="$(peftbench --backend cpu "${args[@]}" | field gflops)"
  tor="$(peftbench --backend tornado "${args[@]}" | field gflops)"
  ratio="$(awk -v a="$tor" -v b="$cpu" 'BEGIN { printf "%.2fx", a / b }')"
  printf '%-34s %9s GF/s %9s GF/s %8s\n' "GEMM $v ${m}x${n}x${k} B=$dt" "$cpu" "$tor" "$ratio"
done

# one LoRA training step (forward, backward, clip, AdamW) on stories260K, B=4 T=64
cat >"$LOG/adapter_config.json" <<'JSON'
{"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 8, "lora_alpha": 16, "lora_dropout": 0.0,
 "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"], "bias": "none"}
JSON
train=(bench train --model "$MODEL" --peft "$LOG/adapter_config.json" --batch 4 --seq 64
  --warmup 2 --steps 3 --json)
cpu="$(peftbench --backend cpu "${train[@]}" | field seconds_per_step)"
tor="$(peftbench --backend tornado "${train[@]}" | field seconds_per_step)"
ratio="$(awk -v a="$tor" -v b="$cpu" 'BEGIN { printf "%.2fx", b / a }')"
printf '%-34s %11.4f s %11.4f s %8s\n' "LoRA step stories260K B=4 T=64" "$cpu" "$tor" "$ratio"
echo
echo "ratio: tornado speed / cpu speed (above 1 = TornadoVM faster)."

# one decoder layer's no-grad forward (what scoring/eval runs per layer), ms per forward, best of
# 5 rounds that take turns:
# B T C F Hq Hkv D weights — a stories260K layer, and a wider layer with mapped F32/BF16 weights
printf '\n%-44s %10s %12s %12s %9s\n' "decoder layer forward (ms)" "cpu" "tornado/op" \
  "tornado/chain" "chain gain"
printf '%-44s %10s %12s %12s %9s\n' "--------------------------------------------" "----------" \
  "------------" "------------" "---------"
for shape in "4 64 64 172 8 4 8 f32" "1 128 512 1376 8 4 64 f32" "1 128 512 1376 8 4 64 bf16"; do
  # shellcheck disable=SC2086
  line="$(java "${JVM[@]}" -cp "$CP" org.peftbench.tensor.tornado.LayerBench $shape 0.5 \
    2>>"$LOG/stderr")" || { cat "$LOG/stderr" >&2; die "LayerBench failed"; }
  read -r b t c f hq hkv d dt cpu per chain _kv <<<"$line"
  gain="$(awk -v a="$per" -v b="$chain" 'BEGIN { printf "%.2fx", a / b }')"
  printf '%-44s %10s %12s %12s %9s\n' "B=$b T=$t C=$c F=$f Hq=$hq Hkv=$hkv D=$d W=$dt" \
    "$cpu" "$per" "$chain" "$gain"
done

# the model: prefill of stories260K (no-grad forward filling an empty KV cache), tokens/s;
# -Dpeftbench.fusedLayers=false keeps the tornado backend on its per-op path
gen=(bench generate --model "$MODEL" --batch 4 --prompt-tokens 64 --new-tokens 1 --repeats 3 --json)
cpu="$(peftbench --backend cpu "${gen[@]}" | field prefill_tokens_per_s)"
per="$(java "${JVM[@]}" -Dpeftbench.fusedLayers=false -cp "$CP" org.peftbench.harness.cli.Main \
  --backend tornado "${gen[@]}" 2>>"$LOG/stderr" | field prefill_tokens_per_s)"
chain="$(peftbench --backend tornado "${gen[@]}" | field prefill_tokens_per_s)"
gain="$(awk -v a="$per" -v b="$chain" 'BEGIN { printf "%.2fx", b / a }')"
printf '%-44s %10.0f %12.0f %12.0f %9s\n' "prefill stories260K B=4 P=64 (tokens/s)" "$cpu" "$per" \
  "$chain" "$gain"
echo
echo "tornado/op: every op a device call with its activations copied in and out;"
echo "tornado/chain: the whole layer in one task graph, weights resident, activations on the"
echo "device (the path the model's no-grad forward takes on the tornado backend)."
echo "chain gain: tornado/op time / tornado/chain time (above 1 = chaining pays)."
