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
 * Causal grouped-query attention of one layer of a SmolLM2-135M LoRA step (q {@code [B,T,Hq,D]} =
 * [4,256,9,64], k and v [4,256,3,64]): the forward with its saved log-sum-exp, and the backward.
 * Score: time per call; a training step runs each once per layer (30 layers).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class AttentionBenchmark {
  /** "B×T×Hq×Hkv×D". */
  @Param({"4x256x9x3x64"})
  public String shape;

  @Param({"2"})
  public int threads;

  @Param({"cpu"})
  public String backend;

  private Backend be;
  private Tensor q, k, v, out, lse, dOut, dq, dk, dv;
  private final AttentionMask mask = AttentionMask.causalSelf();
  private float scale;

  @Setup(Level.Trial)
  public void setUp() {
    String[] s = shape.split("x");
    int b = Integer.parseInt(s[0]), t = Integer.parseInt(s[1]), hq = Integer.parseInt(s[2]);
    int hkv = Integer.parseInt(s[3]), d = Integer.parseInt(s[4]);
    Parallel.setThreads(threads);
    be = Backends.byName(backend);
    SplittableRandom rnd = new SplittableRandom(7);
    q = BenchInputs.random(rnd, b, t, hq, d);
    k = BenchInputs.random(rnd, b, t, hkv, d);
    v = BenchInputs.random(rnd, b, t, hkv, d);
    dOut = BenchInputs.random(rnd, b, t, hq, d);
    out = Tensor.zeros(b, t, hq, d);
    lse = Tensor.zeros(b, hq, t);
    dq = Tensor.zeros(b, t, hq, d);
    dk = Tensor.zeros(b, t, hkv, d);
    dv = Tensor.zeros(b, t, hkv, d);
    scale = (float) (1 / Math.sqrt(d));
    be.attention(q, k, v, mask, scale, out, lse);
  }

  @Benchmark
  public Tensor forward() {
    be.attention(q, k, v, mask, scale, out, lse);
    return out;
  }

  @Benchmark
  public Tensor backward() {
    be.attentionBackward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
    return dq;
  }
}
