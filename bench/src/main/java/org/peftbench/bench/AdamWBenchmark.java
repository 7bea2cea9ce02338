package org.peftbench.bench;

import java.util.ArrayList;
import java.util.List;
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
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.autograd.optim.GradClip;
import org.peftbench.tensor.Parallel;

/**
 * One AdamW update (and global-norm clipping) over the trainable parameters of a LoRA adapter: many
 * small tensors, as PEFT methods have. {@code adapter}: SmolLM2-135M with r=8 on q_proj/v_proj of
 * its 30 layers (460,800 parameters in 120 tensors), and the paper's Llama-3-8B LoRA, r=16 on
 * k_proj/v_proj/down_proj of 32 layers (14,680,064 parameters in 192 tensors). Score: time per
 * step.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class AdamWBenchmark {
  @Param({"smollm2-135m-r8-qv", "llama-3-8b-r16-kvdown"})
  public String adapter;

  @Param({"2"})
  public int threads;

  private List<Parameter> params;
  private AdamW adamW;

  @Setup(Level.Trial)
  public void setUp() {
    Parallel.setThreads(threads);
    SplittableRandom rnd = new SplittableRandom(5);
    // per layer: {in, out} of each adapted projection; A is [r, in], B is [out, r]
    int layers, rank;
    int[][] projections;
    if (adapter.startsWith("smollm2")) {
      layers = 30;
      rank = 8;
      projections = new int[][] {{576, 576}, {576, 192}};
    } else {
      layers = 32;
      rank = 16;
      projections = new int[][] {{4096, 1024}, {4096, 1024}, {14336, 4096}};
    }
    params = new ArrayList<>();
    Var loss = null;
    for (int l = 0; l < layers; l++) {
      for (int[] io : projections) {
        for (int[] shape : new int[][] {{rank, io[0]}, {io[1], rank}}) {
          Parameter p = new Parameter("p" + params.size(), BenchInputs.random(rnd, shape), true);
          params.add(p);
          // a gradient equal to a random tensor: d/dp sum(p ⊙ r) = r
          Var term = Ops.sum(Ops.mul(p, Var.constant(BenchInputs.random(rnd, shape))));
          loss = loss == null ? term : Ops.add(loss, term);
        }
      }
    }
    loss.backward();
    adamW = new AdamW(params, 0.9, 0.999, 1e-8, 1e-5);
  }

  @Benchmark
  public AdamW step() {
    adamW.step(1e-4);
    return adamW;
  }

  @Benchmark
  public double clipGlobalNorm() {
    return GradClip.clipGlobalNorm(params, 1.0);
  }
}
