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
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.RopeTable;

/**
 * The row-wise kernels of a decoder layer, forward and backward, on the activations of one training
 * step: RMSNorm, RoPE, softmax, SwiGLU, embedding, and the cross-entropy over the vocabulary.
 * Shapes are "rows×C×I×H×D×V": rows = B·T tokens, C the hidden size, I the MLP width, H query heads
 * of width D, V the vocabulary. Score: time per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class RowOpsBenchmark {
  /** SmolLM2-135M and Llama-3-8B, 1,024 tokens (B=4, T=256) each. */
  @Param({"1024x576x1536x9x64x49152", "1024x4096x14336x32x128x128256"})
  public String shape;

  @Param({"2"})
  public int threads;

  @Param({"cpu"})
  public String backend;

  private Backend be;
  private int rows;
  // RMSNorm [rows, C]
  private Tensor x, normWeight, normOut, rstd, dNormOut, dx, dNormWeight;
  // RoPE [rows, H, D]
  private Tensor q, qOut;
  private int[] positions;
  private RopeTable rope;
  // softmax over attention-score-sized rows [rows, 256]
  private Tensor scores, probs, dProbs, dScores;
  // SwiGLU [rows, I]
  private Tensor gate, up, act, dAct, dGate, dUp;
  // embedding [V, C] and cross-entropy [rows, V] (capped at 128 rows: the loss runs in chunks)
  private Tensor table, embedded, dTable, logits, dLogits;
  private int[] ids, targets;

  @Setup(Level.Trial)
  public void setUp() {
    int[] d = BenchInputs.dims(shape);
    rows = d[0];
    int c = d[1], inter = d[2], heads = d[3], headDim = d[4], vocab = d[5];
    Parallel.setThreads(threads);
    be = Backends.byName(backend);
    SplittableRandom rnd = new SplittableRandom(11);
    x = BenchInputs.random(rnd, rows, c);
    normWeight = BenchInputs.random(rnd, c);
    normOut = Tensor.zeros(rows, c);
    rstd = Tensor.zeros(rows);
    dNormOut = BenchInputs.random(rnd, rows, c);
    dx = Tensor.zeros(rows, c);
    dNormWeight = Tensor.zeros(c);
    q = BenchInputs.random(rnd, rows, heads, headDim);
    qOut = Tensor.zeros(rows, heads, headDim);
    positions = new int[rows];
    for (int i = 0; i < rows; i++) {
      positions[i] = i % 256;
    }
    rope = new RopeTable(headDim, 256, 10000.0, null);
    scores = BenchInputs.random(rnd, rows, 256);
    probs = Tensor.zeros(rows, 256);
    dProbs = BenchInputs.random(rnd, rows, 256);
    dScores = Tensor.zeros(rows, 256);
    gate = BenchInputs.random(rnd, rows, inter);
    up = BenchInputs.random(rnd, rows, inter);
    act = Tensor.zeros(rows, inter);
    dAct = BenchInputs.random(rnd, rows, inter);
    dGate = Tensor.zeros(rows, inter);
    dUp = Tensor.zeros(rows, inter);
    table = BenchInputs.random(rnd, vocab, c);
    ids = BenchInputs.ids(rnd, rows, vocab);
    embedded = Tensor.zeros(rows, c);
    dTable = Tensor.zeros(vocab, c);
    int lossRows = Math.min(rows, 128);
    logits = BenchInputs.random(rnd, lossRows, vocab);
    dLogits = Tensor.zeros(lossRows, vocab);
    targets = BenchInputs.ids(rnd, lossRows, vocab);
  }

  @Benchmark
  public Tensor rmsNormForward() {
    be.rmsNorm(x, normWeight, 1e-5f, normOut, rstd);
    return normOut;
  }

  @Benchmark
  public Tensor rmsNormBackward() {
    be.rmsNormBackward(x, normWeight, rstd, dNormOut, dx, false, dNormWeight);
    return dx;
  }

  @Benchmark
  public Tensor ropeForward() {
    be.rope(q, qOut, positions, rope, false);
    return qOut;
  }

  @Benchmark
  public Tensor ropeBackward() {
    be.rope(q, qOut, positions, rope, true);
    return qOut;
  }

  @Benchmark
  public Tensor softmaxForward() {
    be.softmax(scores, probs);
    return probs;
  }

  @Benchmark
  public Tensor softmaxBackward() {
    be.softmaxBackward(probs, dProbs, dScores, false);
    return dScores;
  }

  @Benchmark
  public Tensor swigluForward() {
    be.swiglu(gate, up, act);
    return act;
  }

  @Benchmark
  public Tensor swigluBackward() {
    be.swigluBackward(gate, up, dAct, dGate, dUp);
    return dGate;
  }

  @Benchmark
  public Tensor embeddingForward() {
    be.embedding(table, ids, embedded);
    return embedded;
  }

  @Benchmark
  public Tensor embeddingBackward() {
    be.embeddingBackward(ids, dNormOut, dTable);
    return dTable;
  }

  /** Loss and dLogits of up to 128 rows: one chunk of the fused lm_head + cross-entropy. */
  @Benchmark
  public double crossEntropy() {
    return be.crossEntropy(logits, targets, -100, dLogits, 1f / logits.dim(0));
  }
}
