#!/usr/bin/env bash
# Where generation's time goes: runs `peftbench bench generate` under Java Flight Recorder and
# prints the share of CPU samples per method (the innermost project method of each sample, so a
# Vector API or JDK frame counts for the kernel that called it).
#   tools/profile_generate.sh [bench generate options...]
# e.g. tools/profile_generate.sh --model /tmp/smollm2-bf16 --prompt-tokens 16 --new-tokens 256 --repeats 2
#      PEFTBENCH_JAVA_OPTS=-Dpeftbench.fastDecode=false tools/profile_generate.sh ...   (the general path)
# Needs a JDK's `jfr` tool (the launcher's JDK 25 has one). Samples of all threads are counted.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOP="${TOP:-20}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
PEFTBENCH_JAVA_OPTS="${PEFTBENCH_JAVA_OPTS:-} -XX:StartFlightRecording=filename=$out/rec.jfr,settings=profile" \
  "$ROOT/peftbench" bench generate "$@" | tail -n 3
JFR="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/jfr"
[ -x "$JFR" ] || JFR="$(command -v jfr)"
"$JFR" print --stack-depth 64 --events jdk.ExecutionSample "$out/rec.jfr" > "$out/samples.txt"
awk -v top="$TOP" '
  /stackTrace = \[/ { inside = 1; picked = ""; next }
  inside && /^[[:space:]]*\]/ {
    inside = 0
    if (picked != "") { count[picked]++; total++ }
    next
  }
  inside && picked == "" && /org\.peftbench\./ {
    line = $0; sub(/^[[:space:]]+/, "", line); sub(/\(.*/, "", line)
    picked = line
  }
  END {
    printf "%d samples in project code\n", total
    n = 0
    for (m in count) { names[++n] = m }
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
      if (count[names[j]] > count[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
    for (i = 1; i <= n && i <= top; i++) printf "%6.1f%%  %s\n", 100 * count[names[i]] / total, names[i]
  }' "$out/samples.txt"
