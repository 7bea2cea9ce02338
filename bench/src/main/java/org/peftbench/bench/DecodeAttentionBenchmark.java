package org.peftbench.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;

/**
 * One decode step's attention for one layer: a single new query per row against a KV cache holding
 * {@code context} earlier tokens (the cache buffer is {@code context + 1} long and filled). Shapes
 * "B×Hq×Hkv×D": SmolLM2-135M (9 query heads, 3 KV heads, D=64) and Llama-3-8B (32, 8, 128). Score:
 * time per call; a decode step runs it once per layer.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class DecodeAttentionBenchmark {
  @Param({"1x9x3x64", "1x32x8x128", "16x9x3x64"})
  public String shape;

  @Param({"16", "512"})
  public int context;

  @Param({"2"})
  public int threads;

  @Param({"cpu"})
  public String backend;

  private Backend be;
  private Tensor q, keys, values, out, lse;
  private AttentionMask mask;
  private float scale;

  @Setup(Level.Trial)
  public void setUp() {
    int[] d = BenchInputs.dims(shape);
    int b = d[0], hq = d[1], hkv = d[2], headDim = d[3];
    Parallel.setThreads(threads);
    be = Backends.byName(backend);
    SplittableRandom rnd = new SplittableRandom(3);
    int buffer = context + 1;
    q = BenchInputs.random(rnd, b, 1, hq, headDim);
    keys = BenchInputs.random(rnd, b, buffer, hkv, headDim);
    values = BenchInputs.random(rnd, b, buffer, hkv, headDim);
    out = Tensor.zeros(b, 1, hq, headDim);
    lse = Tensor.zeros(b, hq, 1);
    // the query sits at position `context` and sees every cached key and itself
    mask = new AttentionMask(0, context, true, null, buffer);
    scale = (float) (1 / Math.sqrt(headDim));
  }

  @Benchmark
  public Tensor decodeStep() {
    be.attention(q, keys, values, mask, scale, out, lse);
    return out;
  }
}
