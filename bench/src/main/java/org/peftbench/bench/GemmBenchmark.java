package org.peftbench.bench;

import java.lang.foreign.Arena;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;

/**
 * GEMM {@code C[M,N] = op(A)[M,K]·op(B)[K,N]} on the shapes of a SmolLM2-135M LoRA step and a
 * square reference, for each transpose variant and weight storage. Score: time per call; GFLOP/s =
 * 2·M·N·K / time. {@code -p threads=1} etc. picks the pool size.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class GemmBenchmark {
  /** "M×N×K". */
  @Param({"1024x1024x1024", "576x1536x1024", "1024x49152x576"})
  public String shape;

  @Param({"nn", "nt", "tn"})
  public String variant;

  @Param({"f32", "bf16", "f16"})
  public String weight;

  @Param({"2"})
  public int threads;

  @Param({"cpu"})
  public String backend;

  private Backend be;
  private Tensor a, b, c;
  private boolean transA, transB;
  private Arena arena;

  @Setup(Level.Trial)
  public void setUp() {
    String[] mnk = shape.split("x");
    int m = Integer.parseInt(mnk[0]), n = Integer.parseInt(mnk[1]), k = Integer.parseInt(mnk[2]);
    Parallel.setThreads(threads);
    be = Backends.byName(backend);
    transA = variant.equals("tn");
    transB = variant.equals("nt");
    SplittableRandom rnd = new SplittableRandom(7);
    a = transA ? BenchInputs.random(rnd, k, m) : BenchInputs.random(rnd, m, k);
    c = Tensor.zeros(m, n);
    int[] bShape = transB ? new int[] {n, k} : new int[] {k, n};
    arena = Arena.ofShared();
    b = BenchInputs.weight(rnd, arena, weight, bShape[0], bShape[1]);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
  }

  @Benchmark
  public Tensor matmul() {
    be.matmul(a, transA, b, transB, c, false);
    return c;
  }
}
