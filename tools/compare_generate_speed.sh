#!/usr/bin/env bash
# Side-by-side decode/prefill speed: `peftbench bench generate` (Java) vs PyTorch eager
# (tools/bench_generate_torch.py) on the same model folder, batch 1, same thread count.
#   tools/compare_generate_speed.sh MODEL_DIR [PROMPT_TOKENS] [NEW_TOKENS] [THREADS]
# Make a model first, e.g.:
#   ./peftbench init-model --config ../shared/models/smollm2-135m/config.transformers-v5-resaved.json \
#       --seed 0 --out /tmp/smollm2-f32
# Note: Debian's python3-torch is built with a generic (reference) BLAS; a wheel with MKL/OpenBLAS
# is the fairer baseline where one is installed (set PYTHON=...).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="${1:?model folder}"
P="${2:-128}"
N="${3:-64}"
T="${4:-$(nproc)}"
PYTHON="${PYTHON:-/usr/bin/python3}"
java_json="$("$ROOT/peftbench" --threads "$T" bench generate --model "$MODEL" --prompt-tokens "$P" \
  --new-tokens "$N" --repeats 2 --json 2>/dev/null | tail -n1)"
torch_json="$("$PYTHON" "$ROOT/tools/bench_generate_torch.py" --model "$MODEL" --prompt-tokens "$P" \
  --new-tokens "$N" --threads "$T" --repeats 2 --json)"
echo "java:    $java_json"
echo "pytorch: $torch_json"
"$PYTHON" - "$java_json" "$torch_json" <<'PY'
import json, sys
j, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for k in ("prefill_tokens_per_s", "decode_tokens_per_s"):
    print(f"{k}: java {j[k]:.2f}  pytorch {t[k]:.2f}  ratio {j[k] / t[k]:.2f}x")
PY
