package org.peftbench.transformer;

import org.peftbench.autograd.GradMode;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.WorkerTeam;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.tensor.backend.cpu.DecodeKernels;

/**
 * One decode step of a Llama-family model (Llama, Mistral, Qwen2, Qwen3) on the CPU, written out
 * kernel by kernel instead of through the autograd graph: the per-token work is small, and in the
 * general path its fixed costs (a fork/join task per op, a graph node and tensors per op) were most
 * of a step.
 *
 * <p>A whole token is one job of a {@link WorkerTeam}. Each phase splits its output rows (or heads)
 * among the workers, which meet at a barrier before the next phase reads them; each worker
 * normalises the residual stream itself rather than waiting for one to do it. Per layer:
 *
 * <pre>
 *   h = input_layernorm(x)                      each worker, its own copy     [A,C]
 *   q, k, v heads (+ bias, q/k norm, RoPE)      split by head; k, v → cache   [A,Hq·D], [A,Hkv·D]
 *   --- barrier
 *   attention of each (row, query head)         split by (row, head)          [A,Hq·D]
 *   --- barrier
 *   x += o_proj(att)                            split by output row           [A,C]
 *   --- barrier
 *   h = post_attention_layernorm(x)             each worker
 *   m = silu(gate(h)) ⊙ up(h)                   split by row of the MLP       [A,I]
 *   --- barrier
 *   x += down_proj(m)                           split by output row           [A,C]
 *   --- barrier
 * </pre>
 *
 * then the final norm and {@code lm_head} split by vocabulary row. A is the number of rows still
 * generating: finished rows of the batch are skipped (their cache slot is flagged as padding, as
 * the general path does).
 *
 * <p>Taken only when it computes what the general path computes: the CPU backend, no gradient, a
 * Llama-family layer whose every module is a plain {@link org.peftbench.transformer.nn.Linear} (or
 * one plus BitFit's bias or plain LoRA, {@link org.peftbench.transformer.nn.DecomposedLinear}) or
 * {@link org.peftbench.transformer.nn.RmsNorm} (trained weights are fine: LN tuning, full
 * fine-tuning; other PEFT wrappers such as IA3 or DoRA send the model down the general path), SiLU,
 * rotary positions. Prompt, prefix and P-tuning change only the prefill, so their decode steps run
 * here. The result equals a full forward pass within float rounding (other summation orders) and is
 * bit-identical for any number of threads: every output element is computed by one worker in a
 * fixed order. {@code -Dpeftbench.fastDecode=false} switches it off (to compare).
 */
public final class CpuDecodePath implements AutoCloseable {
  private static final boolean ENABLED =
      !"false".equalsIgnoreCase(System.getProperty("peftbench.fastDecode"));

  /**
   * Rows up to which the step streams weights row by row; larger batches are GEMM-shaped and take
   * the general path's blocked GEMM ({@code -Dpeftbench.fastDecode.maxBatch=N} to compare).
   */
  public static final int MAX_BATCH = Integer.getInteger("peftbench.fastDecode.maxBatch", 32);

  private final CausalLM model;
  private final ModelConfig config;
  private final DecodeWeights weights;
  private final WorkerTeam team;
  private final int c; // C
  private final int inter; // I
  private final int vocab; // V
  private final int heads; // Hq
  private final int kvHeads; // Hkv
  private final int d; // D

  // activations of the rows still generating, [A, ...] with A <= batch
  private final float[] x; // [A,C] residual stream
  private final float[] q; // [A,Hq·D]
  private final float[] k; // [A,Hkv·D]
  private final float[] v; // [A,Hkv·D]
  private final float[] att; // [A,Hq·D]
  private final float[] mlp; // [A,I] silu(gate)·up
  private final float[] gate; // [A,I]
  private final float[] up; // [A,I]
  private final float[] logits; // [A,V]
  private float[] stepLogits; // [B,V] what step returns, reused
  private final Worker[] workers;

  /** Each worker's private buffers: its copy of the normalised input, split for BF16, scratch. */
  private static final class Worker {
    final float[] h; // [A,C] this worker's copy of norm(x)
    final float[] even; // [A, width/2] a BF16 weight's input, even elements
    final float[] odd; // likewise, odd elements
    final float[] widened; // one weight row widened from F16 (width: the widest input)
    final float[] out; // [A, C] a matVec's output rows before they are added to x
    float[] scores; // one query's scores, grown with the cache

    Worker(int batch, int width, int c) {
      h = new float[batch * c];
      even = new float[batch * width / 2 + 1];
      odd = new float[batch * width / 2 + 1];
      widened = new float[width];
      out = new float[batch * c];
      scores = new float[64];
    }
  }

  private CpuDecodePath(CausalLM model, DecodeWeights weights, int batch) {
    this.model = model;
    this.config = model.config();
    this.weights = weights;
    c = config.hiddenSize();
    inter = config.intermediateSize();
    vocab = config.vocabSize();
    heads = config.numHeads();
    kvHeads = config.numKvHeads();
    d = config.headDim();
    x = new float[batch * c];
    q = new float[batch * heads * d];
    k = new float[batch * kvHeads * d];
    v = new float[batch * kvHeads * d];
    att = new float[batch * heads * d];
    mlp = new float[batch * inter];
    gate = new float[batch * inter];
    up = new float[batch * inter];
    logits = new float[batch * vocab];
    int width = Math.max(c, Math.max(heads * d, inter));
    team = new WorkerTeam(Parallel.threads());
    workers = new Worker[team.size()];
    for (int w = 0; w < workers.length; w++) {
      workers[w] = new Worker(batch, width, c);
    }
  }

  /**
   * The decode path for {@code model} and batches of up to {@code batch} rows, or null when the
   * general path must run (see the class comment). Close it after the generation.
   */
  public static CpuDecodePath forModel(CausalLM model, int batch) {
    if (!ENABLED
        || batch > MAX_BATCH
        || GradMode.isEnabled()
        || !(Backends.current() instanceof CpuBackend)) {
      return null;
    }
    DecodeWeights w = DecodeWeights.of(model);
    return w == null ? null : new CpuDecodePath(model, w, batch);
  }

  /**
   * Runs one token per row through the model and appends its keys and values to {@code cache}.
   *
   * @param tokens {@code [B]} the next token of each row
   * @param finished {@code [B]} rows that stopped: skipped, their slot flagged as padding
   * @return logits {@code [B,V]}, a buffer this path reuses at the next step (rows that finished
   *     hold old values)
   */
  public float[] step(int[] tokens, boolean[] finished, KvCache cache) {
    int batch = cache.batch();
    int[] rows = new int[batch]; // active row -> batch row
    int active = 0;
    for (int b = 0; b < batch; b++) {
      if (!finished[b]) {
        rows[active++] = b;
      }
    }
    cache.checkRoom(1, 0);
    int slot = cache.length();
    model.checkWindow(slot + 1);
    int[] positions = new int[active];
    int maxPos = 0;
    for (int a = 0; a < active; a++) {
      positions[a] = cache.prefixLength() + cache.realTokens(rows[a]);
      maxPos = Math.max(maxPos, positions[a]);
    }
    RopeTable rope = model.ropeTable(maxPos + 1);
    cache.markPadding(finished, 1);
    for (int a = 0; a < active; a++) {
      DecodeKernels.embeddingRow(weights.embedding, tokens[rows[a]], x, a * c);
    }
    int n = active;
    for (Worker wk : workers) {
      if (wk.scores.length < slot + 1 + 16) {
        wk.scores = new float[Math.max(2 * wk.scores.length, slot + 1 + 16)];
      }
    }
    if (n > 0) {
      team.run((w, count, t) -> token(w, count, t, n, rows, positions, rope, cache, slot));
    }
    cache.advance(finished, 1);
    if (stepLogits == null || stepLogits.length < batch * vocab) {
      stepLogits = new float[batch * vocab];
    }
    for (int a = 0; a < active; a++) {
      System.arraycopy(logits, a * vocab, stepLogits, rows[a] * vocab, vocab);
    }
    return stepLogits;
  }

  // one worker's share of a whole token
  private void token(
      int w,
      int workerCount,
      WorkerTeam t,
      int n,
      int[] rows,
      int[] positions,
      RopeTable rope,
      KvCache cache,
      int slot) {
    Worker wk = workers[w];
    for (int l = 0; l < weights.layers.length; l++) {
      DecodeWeights.Layer layer = weights.layers[l];
      normalise(layer.inputNorm(), layer.normEps(), wk, n);
      split(wk.h, wk, n, c, layer.qkvBf16());
      // q, k and v by head: Hq + 2·Hkv units of D rows
      int[] units = share(heads + 2 * kvHeads, w, workerCount, 1);
      for (int u = units[0]; u < units[1]; u++) {
        projectHead(layer, u, wk, n, rows, positions, rope, cache, l, slot);
      }
      t.barrier();
      attend(l, w, workerCount, wk, n, rows, cache, slot);
      t.barrier();
      split(att, wk, n, heads * d, layer.o().bf16());
      addProjection(layer.o(), att, wk, n, w, workerCount);
      t.barrier();
      normalise(layer.postNorm(), layer.normEps(), wk, n);
      split(wk.h, wk, n, c, layer.gateUpBf16());
      int[] r = share(inter, w, workerCount, 16);
      layer.gate().apply(wk.h, wk.even, wk.odd, n, gate, r[0], r[1], wk.widened);
      layer.up().apply(wk.h, wk.even, wk.odd, n, up, r[0], r[1], wk.widened);
      for (int a = 0; a < n; a++) {
        DecodeKernels.swiglu(gate, up, mlp, a * inter + r[0], a * inter + r[1]);
      }
      t.barrier();
      split(mlp, wk, n, inter, layer.down().bf16());
      addProjection(layer.down(), mlp, wk, n, w, workerCount);
      t.barrier();
    }
    normalise(weights.finalNorm, weights.finalEps, wk, n);
    split(wk.h, wk, n, c, weights.lmHead.bf16());
    int[] r = share(vocab, w, workerCount, 16);
    weights.lmHead.apply(wk.h, wk.even, wk.odd, n, logits, r[0], r[1], wk.widened);
  }

  /** This worker's copy of {@code norm(x)} in {@code h}. */
  private void normalise(float[] norm, float eps, Worker wk, int n) {
    for (int a = 0; a < n; a++) {
      DecodeKernels.rmsNorm(x, a * c, norm, eps, wk.h, a * c, c);
    }
  }

  /**
   * Splits an input {@code [A, width]} into this worker's even/odd halves if a BF16 weight reads
   * it.
   */
  private static void split(float[] in, Worker wk, int n, int width, boolean bf16) {
    if (bf16) {
      DecodeKernels.splitEvenOdd(in, n, width, wk.even, wk.odd);
    }
  }

  // unit u: query head u, key head u-Hq, or value head u-Hq-Hkv; projected, normed, rotated
  private void projectHead(
      DecodeWeights.Layer layer,
      int u,
      Worker wk,
      int n,
      int[] rows,
      int[] positions,
      RopeTable rope,
      KvCache cache,
      int l,
      int slot) {
    DecodeWeights.Projection proj;
    float[] out;
    float[] headNorm;
    int head;
    if (u < heads) {
      proj = layer.q();
      out = q;
      headNorm = layer.qNorm();
      head = u;
    } else if (u < heads + kvHeads) {
      proj = layer.k();
      out = k;
      headNorm = layer.kNorm();
      head = u - heads;
    } else {
      proj = layer.v();
      out = v;
      headNorm = null;
      head = u - heads - kvHeads;
    }
    int width = proj.outFeatures();
    proj.apply(wk.h, wk.even, wk.odd, n, out, head * d, head * d + d, wk.widened);
    for (int a = 0; a < n; a++) {
      int at = a * width + head * d;
      if (headNorm != null) {
        DecodeKernels.rmsNorm(out, at, headNorm, layer.normEps(), out, at, d);
      }
      if (proj != layer.v()) {
        DecodeKernels.rope(out, at, d, rope.cosTable(), rope.sinTable(), positions[a]);
      }
      if (proj != layer.q()) {
        org.peftbench.tensor.Tensor buffer = proj == layer.k() ? cache.keys(l) : cache.values(l);
        int to = buffer.offset() + ((rows[a] * cache.capacity() + slot) * kvHeads + head) * d;
        System.arraycopy(out, at, buffer.array(), to, d);
      }
    }
  }

  // att[a, h] for this worker's (row, query head) pairs
  private void attend(
      int l, int w, int workerCount, Worker wk, int n, int[] rows, KvCache cache, int slot) {
    int group = heads / kvHeads;
    Integer window = config.windowOf(l);
    int from = window == null ? 0 : Math.max(0, slot - window + 1);
    float scale = ForwardState.attentionScale(config, l);
    int stride = kvHeads * d;
    int[] r = share(n * heads, w, workerCount, 1);
    for (int unit = r[0]; unit < r[1]; unit++) {
      int a = unit / heads, h = unit % heads, b = rows[a];
      // keys and values share one layout: [B, capacity, Hkv, D]
      if (cache.keys(l).offset() != 0 || cache.values(l).offset() != 0) {
        throw new IllegalStateException("KV cache buffers must start at offset 0");
      }
      int base = (b * cache.capacity() * kvHeads + h / group) * d;
      DecodeKernels.attendOne(
          q,
          (a * heads + h) * d,
          cache.keys(l).array(),
          cache.values(l).array(),
          base,
          stride,
          d,
          cache.keyPadding(),
          b * cache.capacity(),
          from,
          slot + 1,
          scale,
          wk.scores,
          att,
          (a * heads + h) * d);
    }
  }

  // x[a, j] += proj(in)[a, j] (+ bias) for this worker's output rows j
  private void addProjection(
      DecodeWeights.Projection proj, float[] in, Worker wk, int n, int w, int workerCount) {
    int[] r = share(c, w, workerCount, 16);
    proj.apply(in, wk.even, wk.odd, n, wk.out, r[0], r[1], wk.widened);
    for (int a = 0; a < n; a++) {
      for (int j = r[0]; j < r[1]; j++) {
        x[a * c + j] += wk.out[a * c + j];
      }
    }
  }

  /**
   * Worker {@code w}'s contiguous share {@code [from, to)} of {@code total} items, in multiples of
   * {@code align} (the last share takes the rest).
   */
  static int[] share(int total, int w, int workers, int align) {
    int blocks = (total + align - 1) / align;
    int from = Math.min(total, (int) ((long) blocks * w / workers) * align);
    int to = Math.min(total, (int) ((long) blocks * (w + 1) / workers) * align);
    return new int[] {from, to};
  }

  @Override
  public void close() {
    team.close();
  }
}
