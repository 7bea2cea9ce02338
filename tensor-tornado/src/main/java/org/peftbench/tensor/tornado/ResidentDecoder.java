package org.peftbench.tensor.tornado;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Greedy decoding on the TornadoVM device with the KV cache resident there: one chain of task
 * graphs ({@link TrainGraph}) per token, one graph per layer:
 *
 * <pre>
 *   x = embedding[ids]                                    [B,C]    one token per row
 *   per layer: h = rmsNorm(x); q,k,v = h·Wᵀ; rope(q,k) at pos; cache_l[:, pos] = k, v;
 *              x1 = x + attention(q, cache_l[:, 0..pos])·Woᵀ; x = x1 + mlp(rmsNorm(x1))
 *   next = argmax(rmsNorm(x)·lm_headᵀ)                    [B]
 * </pre>
 *
 * Per token only the B token ids and a few ints (position, attention shape) go to the device and B
 * token ids come back; weights are uploaded once and the caches {@code [B, S, Hkv·D]} of every
 * layer never leave the device. The prompt is fed one position at a time through the same chain (a
 * prefill at the decode shape). The model: a {@link LlamaTrainSpec}'s frozen tensors (no adapters;
 * merge them first), B = its batch, S = its time (the longest sequence).
 */
final class ResidentDecoder implements AutoCloseable {
  private final TrainGraph g = new TrainGraph();
  private final TrainGraph.Chain chain;
  private final int batch, slots, c, f, hq, hkv, d, vocab;
  private final IntArray ids, positions, attDims, step, next;
  private final FloatArray one, eps, attParams, cos, sin;
  private final IntArray noPadding;
  private final Map<Tensor, FloatArray> f32 = new IdentityHashMap<>();
  private final Map<Tensor, TrainGraph.Weight> weights = new IdentityHashMap<>();
  private final Map<DType, FloatArray> decodeTables = new java.util.HashMap<>();
  private int taskCounter;
  private int position;
  private boolean closed;

  ResidentDecoder(LlamaTrainSpec spec) {
    for (LlamaTrainSpec.LayerAdapters a : spec.adapters()) {
      for (LlamaTrainSpec.Adapter x : a.byProjection()) {
        if (x != null) {
          throw new IllegalArgumentException(
              "device decoding runs plain layers: merge the adapters");
        }
      }
    }
    if (spec.prompt() != null) {
      throw new IllegalArgumentException("device decoding has no virtual tokens");
    }
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
    next = g.intsShared(batch);
    one = g.constants(1f);
    eps = g.constants(first.eps());
    attParams = g.constants(spec.attentionScale());
    cos = g.resident(FloatArray.fromArray(spec.rope().cosTable()));
    sin = g.resident(FloatArray.fromArray(spec.rope().sinTable()));
    noPadding = g.resident(new IntArray(batch * slots));
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
      x = layer(spec.layers().get(l), x, caches.get(l)[0], caches.get(l)[1]);
    }
    g.segment("head");
    FloatArray h = g.floats(batch * c), rstd = g.floats(batch);
    rmsNorm(x, frozen(spec.finalNorm()), batch, c, h, rstd);
    FloatArray logits = g.floats(batch * vocab);
    linear(h, weight(spec.lmHead()), logits, vocab, c);
    IntArray argDims = g.ints(batch, vocab);
    task1D(
        "argmax",
        batch,
        (t, id) -> t.task(id, TrainKernels::argmax, new KernelContext(), logits, argDims, next));
    chain = g.build(next);
  }

  /** Device bytes of the decoder: weights, KV caches, activations. */
  long plannedDeviceBytes() {
    return g.bytes();
  }

  /**
   * Feeds one token per row at the next position and returns each row's greedy next token.
   *
   * @param tokens {@code [B]}
   */
  synchronized int[] step(int[] tokens) {
    if (closed) {
      throw new IllegalStateException("decoder is closed");
    }
    if (tokens.length != batch) {
      throw new IllegalArgumentException(tokens.length + " tokens for a batch of " + batch);
    }
    if (position >= slots) {
      throw new IllegalStateException("KV cache full: " + slots + " positions");
    }
    for (int b = 0; b < batch; b++) {
      if (tokens[b] < 0 || tokens[b] >= vocab) {
        throw new IllegalArgumentException("token id " + tokens[b] + " outside [0, " + vocab + ")");
      }
      ids.set(b, tokens[b]);
      positions.set(b, position);
    }
    int[] dims = {batch, 1, hq, d, slots, hkv, position + 1, 0, position, 1};
    for (int i = 0; i < dims.length; i++) {
      attDims.set(i, dims[i]);
    }
    step.set(0, position);
    chain.run();
    position++;
    int[] out = new int[batch];
    for (int b = 0; b < batch; b++) {
      out[b] = next.get(b);
    }
    return out;
  }

  /**
   * Greedy continuation of {@code prompt} ({@code [B, P]}, every row the same length): the prompt
   * goes through one position at a time, then {@code newTokens} tokens are generated per row.
   *
   * @return {@code [B, newTokens]}
   */
  int[] greedy(int[] prompt, int promptLength, int newTokens) {
    int[] out = new int[batch * newTokens];
    int[] tokens = new int[batch];
    int[] predicted = null;
    for (int t = 0; t < promptLength; t++) {
      for (int b = 0; b < batch; b++) {
        tokens[b] = prompt[b * promptLength + t];
      }
      predicted = step(tokens);
    }
    for (int k = 0; k < newTokens; k++) {
      for (int b = 0; b < batch; b++) {
        out[b * newTokens + k] = predicted[b];
      }
      if (k + 1 < newTokens) {
        predicted = step(predicted);
      }
    }
    return out;
  }

  private FloatArray layer(LlamaLayer w, FloatArray x, FloatArray kCache, FloatArray vCache) {
    int n = batch, dq = hq * d, dkv = hkv * d;
    FloatArray h = g.floats(n * c), rstd = g.floats(n);
    rmsNorm(x, frozen(w.inputNorm()), n, c, h, rstd);
    FloatArray q = g.floats(n * dq), k = g.floats(n * dkv), v = g.floats(n * dkv);
    linear(h, weight(w.q()), q, dq, c);
    linear(h, weight(w.k()), k, dkv, c);
    linear(h, weight(w.v()), v, dkv, c);
    if (w.qBias() != null) {
      bias(q, frozen(w.qBias()), dq);
      bias(k, frozen(w.kBias()), dkv);
      bias(v, frozen(w.vBias()), dkv);
    }
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
                noPadding,
                attDims,
                attParams,
                att,
                lse));
    FloatArray o = g.floats(n * c), x1 = g.floats(n * c);
    linear(att, weight(w.o()), o, c, dq);
    add(x, o, x1, n * c);
    FloatArray h2 = g.floats(n * c), rstd2 = g.floats(n);
    rmsNorm(x1, frozen(w.postNorm()), n, c, h2, rstd2);
    FloatArray gate = g.floats(n * f), up = g.floats(n * f), act = g.floats(n * f);
    linear(h2, weight(w.gate()), gate, f, c);
    linear(h2, weight(w.up()), up, f, c);
    IntArray swDims = g.ints(n * f);
    task1D(
        "swiglu",
        n * f,
        (t, id) ->
            t.task(id, ElementwiseKernels::swiglu, new KernelContext(), gate, up, swDims, act));
    FloatArray down = g.floats(n * c), out = g.floats(n * c);
    linear(act, weight(w.down()), down, c, f);
    add(x1, down, out, n * c);
    return out;
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

  private void bias(FloatArray y, FloatArray b, int cols) {
    IntArray dims = g.ints(batch * cols, cols, 0, 2);
    task1D(
        "bias",
        batch * cols,
        (t, id) -> t.task(id, TrainKernels::columns, new KernelContext(), y, b, dims, y));
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

  /** {@code y[B,out] = x[B,in]·Wᵀ}. */
  private void linear(FloatArray x, TrainGraph.Weight w, FloatArray y, int out, int in) {
    String id = "t" + (taskCounter++) + "gemm";
    if (w.bits() == null) {
      IntArray dims = g.ints(batch, out, in, in, 1, 1, in, 0, 0, 0, 0);
      g.task2D(
          id,
          (out + 3) / 4,
          (batch + 3) / 4,
          t -> t.task(id, TrainKernels::gemm, new KernelContext(), x, w.f32(), y, dims, one));
    } else {
      IntArray dims = g.ints(batch, out, in, in, 1, 1, in, 0);
      g.task2D(
          id,
          (out + 3) / 4,
          (batch + 3) / 4,
          t ->
              t.task(
                  id,
                  GemmKernels::gemmBlocked16,
                  new KernelContext(),
                  x,
                  w.bits(),
                  w.decode(),
                  y,
                  dims));
    }
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
