#!/usr/bin/env bash
# The device GEMM kernels of the TornadoVM backend, kernel only (operands resident on the device):
# GFLOP/s and % of a given FP32 peak for each kernel family (register-tiled, tiled, blocked) on
# Llama-3-8B's projection shapes, F32 and BF16 weights (GemmBench, tensor-tornado).
#
#   TORNADOVM_HOME=/path/to/tornadovm-sdk bench/tornado_gemm.sh --peak-tflops 67 [GemmBench options]
#
# Options (all optional): --peak-tflops T, --m 1,512,4096, --shapes NxK,..., --kernels
# register-tiled,tiled,blocked, --dtypes f32,bf16, --seconds S. JVM flags go in GEMM_BENCH_JVM,
# e.g. GEMM_BENCH_JVM=-Dtornado.device.memory=24GB for lm_head at M=4096 in F32 (4.3 GB).
# On an OpenCL CPU device (PoCL) the numbers say nothing about a GPU.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "tornado_gemm: $*" >&2; exit 1; }

[[ -n "${TORNADOVM_HOME:-}" ]] || die "set TORNADOVM_HOME to a TornadoVM SDK (JDK 25 build)"
ARGFILE="$TORNADOVM_HOME/tornado-argfile"
[[ -f "$ARGFILE" ]] || die "$ARGFILE not found: TORNADOVM_HOME is not a TornadoVM SDK"
if [[ -z "${JAVA_HOME:-}" ]]; then
  JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
[[ -x "$JAVA_HOME/bin/java" ]] || die "JAVA_HOME ($JAVA_HOME) is not a JDK 25"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

echo "building tensor and tensor-tornado..." >&2
mvn -B -q -f "$ROOT/pom.xml" -DskipTests -Dspotless.check.skip=true -pl tensor-tornado -am \
  package >&2

CP="$ROOT/tensor/target/classes:$ROOT/tensor-tornado/target/classes"
# shellcheck disable=SC2086
exec java "@$ARGFILE" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -Dtornado.recover.bailout=False ${GEMM_BENCH_JVM:-} -cp "$CP" \
  org.peftbench.tensor.tornado.GemmBench "$@"
