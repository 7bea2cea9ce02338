package org.peftbench.tensor.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.DeviceDecoder;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.LlamaTrainSpec.Adapter;
import org.peftbench.tensor.backend.LlamaTrainSpec.Projection;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Decoding on the TornadoVM device with the KV cache resident there ({@link DeviceDecoder}): one
 * chain of task graphs ({@link TrainGraph}) per token, one graph per layer:
 *
 * <pre>
 *   x = embedding[ids]                                    [B,C]    one token per row
 *   per layer: h = rmsNorm(x); q,k,v = proj(h); rope(q,k) at each row's position;
 *              cache_l[:, slot] = k, v; x1 = x + proj_o(attention(q, cache_l[:, 0..slot]))
 *              x = x1 + proj_down(swiglu(proj_gate(h2), proj_up(h2))), h2 = rmsNorm(x1)
 *   logits = rmsNorm(x)·lm_headᵀ                          [B,V]
 * </pre>
 *
 * where every projection carries its adapter unmerged, as in training: {@code proj(x) = ((x ⊙
 * l_in)·Wᵀ + b) ⊙ l_out + s·(x·Aᵀ)·Bᵀ} (LoRA, IA3, BitFit's bias, Qwen2's q/k/v bias). Per token
 * the B token ids, their positions, the padding flags {@code [B,S]} of the cache slots and a few
 * ints go to the device and the logits {@code [B,V]} come back; weights and adapters are uploaded
 * on the first token and the caches {@code [B, S, Hkv·D]} of every layer never leave the device. A
 * prompt goes through one position at a time (a prefill at the decode shape). The model: a {@link
 * LlamaTrainSpec}'s tensors without virtual tokens, B = its batch, S = its time.
 */
final class ResidentDecoder implements DeviceDecoder {
  private final TrainGraph g = new TrainGraph();
  private final TrainGraph.Chain chain;
  private final LlamaTrainSpec spec;
  private final int batch, slots, c, f, hq, hkv, d, vocab;
  private final IntArray ids, positions, attDims, step, padding;
  private final FloatArray one, eps, attParams, cos, sin, logits;
  private final float[] logitsHost;
  private final Map<Tensor, FloatArray> f32 = new IdentityHashMap<>();
  private final Map<Tensor, TrainGraph.Weight> weights = new IdentityHashMap<>();
  private final Map<DType, FloatArray> decodeTables = new java.util.HashMap<>();

  /** Every adapter tensor and q/k/v bias in one buffer (a task graph holds ~1,000 nodes). */
  private final Map<Tensor, Integer> packedOffsets = new IdentityHashMap<>();

  private final FloatArray packed;
  private final Map<String, FloatArray> scratch = new java.util.HashMap<>();
  private final GemmKernel gemmKernel = GemmKernel.forDefaultDevice();
  private int taskCounter;
  private int filled;
  private boolean closed;

  ResidentDecoder(LlamaTrainSpec spec) {
    if (spec.prompt() != null || spec.prefix() != null) {
      throw new IllegalArgumentException(
          "device decoding feeds token ids: virtual tokens and prefix keys go through the host's"
              + " prefill");
    }
    this.spec = spec;
    LlamaLayer first = spec.layers().get(0);
    batch = spec.batch();
    slots = spec.time();
    c = first.hidden();
    f = first.intermediate();
    hq = first.heads();
    hkv = first.kvHeads();
    d = first.headDim();
    vocab = spec.embedding().dim(0);
    ids = g.perStep(new IntArray(batch));
    positions = g.perStep(new IntArray(batch));
    attDims = g.perStep(new IntArray(10));
    step = g.perStep(new IntArray(1));
    // the slots' padding flags travel with every token: B·S ints, small next to the weights read
    padding = g.perStep(new IntArray(batch * slots));
    one = g.constants(1f);
    eps = g.constants(first.eps());
    attParams = g.constants(spec.attentionScale());
    cos = g.resident(FloatArray.fromArray(spec.rope().cosTable()));
    sin = g.resident(FloatArray.fromArray(spec.rope().sinTable()));
    packed = g.resident(FloatArray.fromArray(pack(spec)));
    int dkv = hkv * d;
    List<FloatArray[]> caches = new ArrayList<>();
    for (int l = 0; l < spec.layers().size(); l++) {
      caches.add(new FloatArray[] {g.floats(batch * slots * dkv), g.floats(batch * slots * dkv)});
    }
    g.segment("start");
    IntArray none = g.ints(0);
    task1D("noop", 1, (t, id) -> t.task(id, TrainKernels::zero, new KernelContext(), one, none));
    FloatArray x = g.floats(batch * c);
    g.segment("layer0");
    FloatArray table = frozen(spec.embedding());
    IntArray embedDims = g.ints(batch, c);
    FloatArray x0 = x;
    task1D(
        "embed",
        batch * c,
        (t, id) -> t.task(id, TrainKernels::embed, new KernelContext(), table, ids, embedDims, x0));
    for (int l = 0; l < spec.layers().size(); l++) {
      if (l > 0) {
        g.segment("layer" + l);
      }
      x = layer(l, x, caches.get(l)[0], caches.get(l)[1]);
    }
    g.segment("head");
    FloatArray h = g.floats(batch * c), rstd = g.floats(batch);
    rmsNorm(x, frozen(spec.finalNorm()), batch, c, h, rstd);
    logits = g.floats(batch * vocab);
    linear(h, weight(spec.lmHead()), logits, vocab, c);
    chain = g.build(logits);
    logitsHost = new float[batch * vocab];
  }

  @Override
  public int batch() {
    return batch;
  }

  @Override
  public int slots() {
    return slots;
  }

  @Override
  public int filled() {
    return filled;
  }

  @Override
  public long plannedDeviceBytes() {
    return g.bytes();
  }

  @Override
  public synchronized void reset() {
    filled = 0;
    for (int i = 0; i < batch * slots; i++) {
      padding.set(i, 0);
    }
  }

  @Override
  public synchronized float[] step(int[] tokens, int[] rowPositions, boolean[] pad) {
    if (closed) {
      throw new IllegalStateException("decoder is closed");
    }
    if (tokens.length != batch || rowPositions.length != batch || pad.length != batch) {
      throw new IllegalArgumentException(
          tokens.length
              + " tokens, "
              + rowPositions.length
              + " positions and "
              + pad.length
              + " padding flags for a batch of "
              + batch);
    }
    if (filled >= slots) {
      throw new IllegalStateException("KV cache full: " + slots + " slots");
    }
    int maxPosition = spec.rope().cosTable().length / (d / 2);
    for (int b = 0; b < batch; b++) {
      if (tokens[b] < 0 || tokens[b] >= vocab) {
        throw new IllegalArgumentException("token id " + tokens[b] + " outside [0, " + vocab + ")");
      }
      if (rowPositions[b] < 0 || rowPositions[b] >= maxPosition) {
        throw new IllegalArgumentException(
            "position " + rowPositions[b] + " outside the RoPE table [0, " + maxPosition + ")");
      }
      ids.set(b, tokens[b]);
      positions.set(b, rowPositions[b]);
      padding.set(b * slots + filled, pad[b] ? 1 : 0);
    }
    // keys 0..filled (this token's own included), no prefix, causal from query offset = slot
    int[] dims = {batch, 1, hq, d, slots, hkv, filled + 1, 0, filled, 1};
    for (int i = 0; i < dims.length; i++) {
      attDims.set(i, dims[i]);
    }
    step.set(0, filled);
    chain.run();
    filled++;
    MemorySegment.copy(
        logits.getSegment(), ValueLayout.JAVA_FLOAT, 0, logitsHost, 0, logitsHost.length);
    return logitsHost;
  }

  /**
   * Greedy continuation of {@code prompt} ({@code [B, P]}, every row the same length): the prompt
   * goes through one position at a time, then {@code newTokens} tokens are generated per row.
   *
   * @return {@code [B, newTokens]}
   */
  int[] greedy(int[] prompt, int promptLength, int newTokens) {
    if (promptLength < 1 || newTokens < 1) {
      throw new IllegalArgumentException("greedy decoding needs a prompt token and a new token");
    }
    reset();
    int[] out = new int[batch * newTokens];
    int[] tokens = new int[batch], pos = new int[batch];
    boolean[] noPad = new boolean[batch];
    float[] l = null;
    for (int t = 0; t < promptLength + newTokens - 1; t++) {
      for (int b = 0; b < batch; b++) {
        tokens[b] =
            t < promptLength ? prompt[b * promptLength + t] : out[b * newTokens + t - promptLength];
        pos[b] = t;
      }
      l = step(tokens, pos, noPad);
      if (t >= promptLength - 1) {
        for (int b = 0; b < batch; b++) {
          out[b * newTokens + t - promptLength + 1] = argmax(l, b * vocab, vocab);
        }
      }
    }
    return out;
  }

  private static int argmax(float[] l, int off, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (l[off + i] > l[off + best]) {
        best = i;
      }
    }
    return best;
  }

  private FloatArray layer(int l, FloatArray x, FloatArray kCache, FloatArray vCache) {
    LlamaLayer w = spec.layers().get(l);
    int n = batch, dq = hq * d, dkv = hkv * d;
    FloatArray h = g.floats(n * c), rstd = g.floats(n);
    rmsNorm(x, frozen(w.inputNorm()), n, c, h, rstd);
    FloatArray q = g.floats(n * dq), k = g.floats(n * dkv), v = g.floats(n * dkv);
    projection(l, Projection.Q, h, q);
    projection(l, Projection.K, h, k);
    projection(l, Projection.V, h, v);
    if (w.qNorm() != null) {
      FloatArray qn = g.floats(n * dq), kn = g.floats(n * dkv);
      rmsNorm(q, frozen(w.qNorm()), n * hq, d, qn, g.floats(n * hq));
      rmsNorm(k, frozen(w.kNorm()), n * hkv, d, kn, g.floats(n * hkv));
      q = qn;
      k = kn;
    }
    rope(q, hq);
    rope(k, hkv);
    cacheWrite(k, kCache, dkv);
    cacheWrite(v, vCache, dkv);
    FloatArray att = g.floats(n * dq), lse = g.floats(n * hq), qf = q;
    task1D(
        "attn",
        n * hq,
        (t, id) ->
            t.task(
                id,
                AttentionKernels::forward,
                new KernelContext(),
                qf,
                kCache,
                vCache,
                padding,
                attDims,
                attParams,
                att,
                lse));
    FloatArray o = g.floats(n * c), x1 = g.floats(n * c);
    projection(l, Projection.O, att, o);
    add(x, o, x1, n * c);
    FloatArray h2 = g.floats(n * c), rstd2 = g.floats(n);
    rmsNorm(x1, frozen(w.postNorm()), n, c, h2, rstd2);
    FloatArray gate = g.floats(n * f), up = g.floats(n * f), act = g.floats(n * f);
    projection(l, Projection.GATE, h2, gate);
    projection(l, Projection.UP, h2, up);
    IntArray swDims = g.ints(n * f);
    task1D(
        "swiglu",
        n * f,
        (t, id) ->
            t.task(id, ElementwiseKernels::swiglu, new KernelContext(), gate, up, swDims, act));
    FloatArray down = g.floats(n * c), out = g.floats(n * c);
    projection(l, Projection.DOWN, act, down);
    add(x1, down, out, n * c);
    return out;
  }

  /**
   * {@code y[B,out] = ((x ⊙ l_in)·Wᵀ + b) ⊙ l_out + s·(x·Aᵀ)·Bᵀ}: the projection with its adapter,
   * the order of operations of the training step's forward ({@link TrainStepGraph}).
   */
  private void projection(int l, Projection p, FloatArray x, FloatArray y) {
    LlamaLayer layer = spec.layers().get(l);
    Adapter a = spec.adapters().get(l).get(p);
    Tensor wt = p.weight(layer);
    int out = wt.dim(0), in = wt.dim(1);
    Tensor biasT = p.ownBias(layer) != null ? p.ownBias(layer) : a == null ? null : a.bias();
    FloatArray xin = x;
    if (a != null && a.ia3() != null && a.ia3ScalesInput()) {
      xin = scratch("in", batch * in);
      columns(x, a.ia3(), xin, in, 0);
    }
    boolean scaleOut = a != null && a.ia3() != null && !a.ia3ScalesInput();
    FloatArray base = scaleOut ? scratch("out", batch * out) : y;
    linear(xin, weight(wt), base, out, in);
    if (biasT != null) {
      columns(base, biasT, base, out, 2);
    }
    if (scaleOut) {
      columns(base, a.ia3(), y, out, 0);
    }
    if (a != null && a.loraA() != null) {
      int r = a.loraA().dim(0);
      FloatArray u = scratch("lora", batch * r);
      // u[B,r] = x·Aᵀ;  y += s·u·Bᵀ
      gemm(x, in, 1, a.loraA(), 1, in, u, batch, r, in, false, one);
      gemm(u, r, 1, a.loraB(), 1, r, y, batch, out, r, true, g.constants(a.loraScale()));
    }
  }

  /**
   * The values of every adapter tensor and q/k/v bias, back to back; {@link #packedOffsets} says
   * where each starts.
   */
  private float[] pack(LlamaTrainSpec spec) {
    List<Tensor> small = new ArrayList<>();
    for (int l = 0; l < spec.layers().size(); l++) {
      LlamaLayer w = spec.layers().get(l);
      small.addAll(java.util.Arrays.asList(w.qBias(), w.kBias(), w.vBias()));
      for (Adapter a : spec.adapters().get(l).byProjection()) {
        if (a != null) {
          small.addAll(java.util.Arrays.asList(a.loraA(), a.loraB(), a.bias(), a.ia3()));
        }
      }
    }
    int total = 0;
    for (Tensor t : small) {
      if (t != null && !packedOffsets.containsKey(t)) {
        packedOffsets.put(t, total);
        total += (int) t.size();
      }
    }
    float[] all = new float[Math.max(total, 1)];
    for (Map.Entry<Tensor, Integer> e : packedOffsets.entrySet()) {
      float[] v = e.getKey().toFloatArray();
      System.arraycopy(v, 0, all, e.getValue(), v.length);
    }
    return all;
  }

  /** A scratch buffer per purpose and size, reused by every projection (they run in order). */
  private FloatArray scratch(String what, int size) {
    return scratch.computeIfAbsent(what + size, k -> g.floats(size));
  }

  // ------------------------------------------------------------------ building blocks

  private interface TaskAdder {
    uk.ac.manchester.tornado.api.TaskGraph add(uk.ac.manchester.tornado.api.TaskGraph t, String id);
  }

  private void task1D(String what, int items, TaskAdder add) {
    String id = "t" + (taskCounter++) + what;
    g.task1D(id, items, t -> add.add(t, id));
  }

  private void rmsNorm(
      FloatArray x, FloatArray w, int rows, int cols, FloatArray out, FloatArray rstd) {
    IntArray dims = g.ints(rows, cols, 0);
    task1D(
        "norm",
        rows,
        (t, id) ->
            t.task(id, TrainKernels::rmsNorm, new KernelContext(), x, w, dims, eps, out, rstd));
  }

  /** {@code y = x ⊙ v} ({@code mode} 0) or {@code y = x + v} (2) per column. */
  private void columns(FloatArray x, Tensor vec, FloatArray y, int cols, int mode) {
    IntArray dims = g.ints(batch * cols, cols, packedOffsets.get(vec), mode);
    task1D(
        "cols",
        batch * cols,
        (t, id) -> t.task(id, TrainKernels::columns, new KernelContext(), x, packed, dims, y));
  }

  /** {@link TrainKernels#gemm}: {@code C[M,N] (+)= α·op(A)·op(B)}, B a packed tensor. */
  private void gemm(
      FloatArray a,
      int aRow,
      int aCol,
      Tensor b,
      int bRow,
      int bCol,
      FloatArray out,
      int rows,
      int cols,
      int k,
      boolean acc,
      FloatArray alpha) {
    IntArray dims =
        g.ints(rows, cols, k, aRow, aCol, bRow, bCol, acc ? 1 : 0, 0, packedOffsets.get(b), 0);
    String id = "t" + (taskCounter++) + "gemm";
    g.task2D(
        id,
        (cols + 3) / 4,
        (rows + 3) / 4,
        t -> t.task(id, TrainKernels::gemm, new KernelContext(), a, packed, out, dims, alpha));
  }

  private void rope(FloatArray x, int heads) {
    IntArray dims = g.ints(batch, heads, d, 0);
    task1D(
        "rope",
        batch * heads * (d / 2),
        (t, id) -> t.task(id, RowKernels::rope, new KernelContext(), x, positions, cos, sin, dims));
  }

  private void cacheWrite(FloatArray src, FloatArray cache, int row) {
    IntArray dims = g.ints(batch, row, slots);
    task1D(
        "cache",
        batch * row,
        (t, id) ->
            t.task(id, TrainKernels::cacheWrite, new KernelContext(), src, dims, step, cache));
  }

  private void add(FloatArray a, FloatArray b, FloatArray out, int size) {
    IntArray dims = g.ints(size, size, ElementwiseKernels.ADD);
    task1D(
        "add",
        size,
        (t, id) -> t.task(id, ElementwiseKernels::binary, new KernelContext(), a, b, dims, out));
  }

  /** {@code y[B,out] = x[B,in]·Wᵀ}, with the device's GEMM kernel ({@link GemmKernel}). */
  private void linear(FloatArray x, TrainGraph.Weight w, FloatArray y, int out, int in) {
    String id = "t" + (taskCounter++) + "gemm";
    IntArray dims = g.ints(batch, out, in, in, 1, 1, in, 0);
    g.gemmTask(
        id,
        gemmKernel,
        batch,
        out,
        t ->
            w.bits() == null
                ? gemmKernel.addF32(t, id, x, w.f32(), y, dims)
                : gemmKernel.add16(t, id, x, w.bits(), w.decode(), y, dims));
  }

  private FloatArray frozen(Tensor t) {
    return f32.computeIfAbsent(t, k -> g.resident(DeviceBuffers.weightF32(k)));
  }

  private TrainGraph.Weight weight(Tensor t) {
    return weights.computeIfAbsent(
        t,
        k -> {
          DType dt = k.dtype();
          if (!k.isHeapF32() && (dt == DType.BF16 || dt == DType.F16)) {
            FloatArray tableBits =
                decodeTables.computeIfAbsent(dt, x -> g.resident(DeviceBuffers.decodeTable(x)));
            return new TrainGraph.Weight(null, g.resident(DeviceBuffers.weightBits(k)), tableBits);
          }
          return new TrainGraph.Weight(frozen(k), null, null);
        });
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      chain.free();
    }
  }
}
