package org.peftbench.tensor.tornado;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.LlamaTrainSpec.Adapter;
import org.peftbench.tensor.backend.LlamaTrainSpec.Projection;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Assembles the whole training step of a {@link LlamaTrainSpec} as a chain of task graphs ({@link
 * TrainGraph}: "start", "forward0".."forwardL−1", "head", "backwardL−1".."backward0", "optimizer"),
 * in the order it runs:
 *
 * <pre>
 *   zero the gradients;  the virtual-token encoders' forward (TokenEncoderGraph)
 *   x0 = embedding[ids] (prompt tuning, P-tuning: the prompt's rows first in every sequence)
 *   for each layer l (forward, keeping h1, q, k, v, attention out, lse, x1, h2, gate, up, act,
 *                     LoRA's x·Aᵀ, IA3's unscaled outputs for backward):
 *     x_l+1 = layer_l(x_l)     (prefix tuning: P' prefix keys/values first, PrefixAttention)
 *   logits = rmsNorm(x_L)·lm_headᵀ;  loss, dlogits = cross-entropy (mean over counted rows)
 *   dx = rmsNorm backward(dlogits·lm_head)
 *   for each layer l from the last (backward; parameter gradients added into grad):
 *     (recomputation: layer_l(x_l) again first, segment "recompute l", see below)
 *     dx = layer_l backward(dx)
 *   the prompt's gradient (dx summed over the batch);  the encoders' backward
 *   norm = ‖grad‖;  coef = clip(norm);
 *   AdamW(theta, grad·coef)
 * </pre>
 *
 * With the spec's {@code recompute} (gradient checkpointing) every layer's forward writes what its
 * backward reads into one set of buffers shared by all layers instead of a set of its own, and only
 * the layer inputs x_0..x_L stay for the whole step; each backward segment is preceded by a segment
 * that runs the same {@link #layerForward} again from x_l into the shared set. Same kernels on the
 * same inputs: the same numbers, bit for bit, for (L−1)·(one layer's activations) less device
 * memory and one more layer forward per layer.
 *
 * <p>Shapes are fixed when the graph is built ({@code N = B·(P+T)} rows of the spec's capacity), so
 * every kernel's shape array is a constant sent once; a shorter batch is padded by the host.
 * Trainable parameters are slices of one buffer {@code theta} (gradients at the same offsets in
 * {@code grad}, AdamW's moments in {@code m} and {@code v}); frozen tensors have their own buffers
 * and projection weights stay BF16/F16 when their file has them.
 */
final class TrainStepGraph {
  /** A tensor as kernels read it: a buffer and an offset; {@code grad} ≥ 0 when it trains. */
  record Ref(FloatArray array, int offset, int grad) {
    boolean trains() {
      return grad >= 0;
    }
  }

  /** What one projection kept for its backward. */
  private record ProjSaved(
      Projection p, FloatArray input, FloatArray loraU, FloatArray unscaled, int in, int out) {}

  /** What one layer kept for its backward. */
  private record LayerSaved(
      FloatArray x,
      FloatArray h1,
      FloatArray rstd1,
      FloatArray qPre,
      FloatArray kPre,
      FloatArray rq,
      FloatArray rk,
      FloatArray q,
      FloatArray k,
      FloatArray v,
      FloatArray att,
      FloatArray lse,
      FloatArray x1,
      FloatArray h2,
      FloatArray rstd2,
      FloatArray gate,
      FloatArray up,
      FloatArray act,
      Map<Projection, ProjSaved> proj) {}

  final TrainGraph g = new TrainGraph();
  private final LlamaTrainSpec spec;

  /** The GEMM kernels of the frozen projections (the backend's choice for this device). */
  private final GemmKernel gemmKernel = GemmKernel.forDefaultDevice();

  /** B; P virtual tokens, T real ones, S = P + T positions per row; N = B·S rows. */
  final int batch, virtual, time, seq, n, c, f, hq, hkv, d, vocab, paramCount;

  /** P' prefix keys in front of every layer's; K = P' + S keys per sequence. */
  final int prefixTokens, keys;

  // per-step inputs
  final IntArray ids, targets, positions, padding;

  /** {@code [B, K]}, 1 = a padding key: {@link #padding} itself without a prefix. */
  final IntArray keyPadding;

  final FloatArray lossParams, hyper;
  // parameters and optimizer state
  final FloatArray theta, grad, m, v;
  final IntArray decays;

  /** {loss, gradient norm, clip coefficient}, back after every run. */
  final FloatArray result;

  /** Global ids of 64 work-items, back after every run: proves the step ran on the device. */
  final IntArray probe;

  final Map<Tensor, Integer> offsets = new IdentityHashMap<>();
  private final Map<Tensor, Ref> frozen = new IdentityHashMap<>();
  private final Map<Tensor, TrainGraph.Weight> weights = new IdentityHashMap<>();
  private final Map<DType, FloatArray> decodeTables = new HashMap<>();
  final FloatArray one;
  private final FloatArray eps, attParams;
  private final IntArray attDims;
  private final FloatArray cos, sin;
  private int taskCounter;
  // backward scratch, shared by the layers (they run one after another)
  private final Map<String, FloatArray> scratch = new HashMap<>();
  // prompt learning, built in the first segment (null when the spec has none)
  private TokenEncoderGraph promptEncoder;
  private PrefixAttention prefix;

  TrainStepGraph(LlamaTrainSpec spec) {
    this.spec = spec;
    LlamaLayer first = spec.layers().get(0);
    batch = spec.batch();
    virtual = spec.virtualTokens();
    time = spec.time();
    seq = virtual + time;
    n = batch * seq;
    prefixTokens = spec.prefixTokens();
    keys = prefixTokens + seq;
    c = first.hidden();
    f = first.intermediate();
    hq = first.heads();
    hkv = first.kvHeads();
    d = first.headDim();
    vocab = spec.embedding().dim(0);
    int p = 0;
    for (LlamaTrainSpec.Trainable t : spec.trainables()) {
      offsets.put(t.value(), p);
      p += t.value().size();
    }
    paramCount = p;
    theta = g.floats(paramCount);
    grad = g.floats(paramCount);
    m = g.floats(paramCount);
    v = g.floats(paramCount);
    int[] decayFlags = new int[Math.max(paramCount, 1)];
    for (LlamaTrainSpec.Trainable t : spec.trainables()) {
      int off = offsets.get(t.value());
      float[] src = t.value().toFloatArray();
      for (int i = 0; i < src.length; i++) {
        theta.set(off + i, src[i]);
        decayFlags[off + i] = t.weightDecay() ? 1 : 0;
      }
    }
    decays = g.ints(decayFlags);
    ids = g.perStep(new IntArray(n));
    targets = g.perStep(new IntArray(n));
    positions = g.perStep(new IntArray(n));
    padding = g.perStep(new IntArray(n));
    keyPadding = prefixTokens > 0 ? g.perStep(new IntArray(batch * keys)) : padding;
    lossParams = g.perStep(new FloatArray(1));
    hyper = g.perStep(new FloatArray(8));
    result = g.floats(3);
    probe = g.resident(new IntArray(TornadoBackend.LOCAL));
    one = g.constants(1f);
    eps = g.constants(first.eps());
    attParams = g.constants(spec.attentionScale());
    attDims = g.ints(batch, seq, hq, d, keys, hkv, keys, prefixTokens, 0, 1);
    cos = g.resident(FloatArray.fromArray(spec.rope().cosTable()));
    sin = g.resident(FloatArray.fromArray(spec.rope().sinTable()));
  }

  /** Builds every task of the step. */
  void assemble() {
    // the first graph allocates and uploads every shared buffer and clears the gradients
    g.segment("start");
    zero(grad, paramCount);
    if (spec.prompt() != null) {
      promptEncoder = new TokenEncoderGraph(this, spec.prompt());
    }
    if (spec.prefix() != null) {
      prefix =
          new PrefixAttention(
              this, new TokenEncoderGraph(this, spec.prefix()), prefixTokens, hkv * d);
    }
    g.segment("forward0");
    // forward
    FloatArray x0 = g.floats(n * c);
    Ref table = frozenF32(spec.embedding());
    if (spec.prompt() == null) {
      IntArray embedDims = g.ints(n, c);
      task1D(
          "embed",
          n * c,
          (t, id) ->
              t.task(
                  id, TrainKernels::embed, new KernelContext(), table.array(), ids, embedDims, x0));
    } else {
      // prompt tuning, P-tuning: the first P rows of every sequence are the prompt's
      Ref prompt = promptEncoder.output();
      IntArray embedDims = g.ints(n, c, seq, virtual, prompt.offset());
      task1D(
          "embed",
          n * c,
          (t, id) ->
              t.task(
                  id,
                  TrainKernels::embedWithPrompt,
                  new KernelContext(),
                  table.array(),
                  prompt.array(),
                  ids,
                  embedDims,
                  x0));
    }
    // inputs.get(l) = x_l [N,C], kept for the whole step; x_L feeds the head
    List<FloatArray> inputs = new ArrayList<>(List.of(x0));
    List<LayerSaved> saved = new ArrayList<>();
    boolean recompute = spec.recompute();
    for (int l = 0; l < spec.layers().size(); l++) {
      if (l > 0) {
        g.segment("forward" + l);
      }
      FloatArray out = g.floats(n * c);
      // recomputing: the activations go to the shared set, overwritten by the next layer
      saved.add(layerForward(l, inputs.get(l), out, recompute));
      inputs.add(out);
    }
    FloatArray x = inputs.get(inputs.size() - 1);
    // head and loss
    g.segment("head");
    FloatArray xL = x;
    Ref finalNorm = ref(spec.finalNorm());
    FloatArray hf = g.floats(n * c), rstdF = g.floats(n);
    rmsNorm(xL, finalNorm, n, c, hf, rstdF);
    FloatArray logits = g.floats(n * vocab);
    linear(hf, weight(spec.lmHead()), logits, vocab, c, false);
    FloatArray rowLoss = g.floats(n), dLogits = g.floats(n * vocab);
    IntArray ceDims = g.ints(n, vocab);
    task1D(
        "ce",
        n,
        (t, id) ->
            t.task(
                id,
                TrainKernels::crossEntropy,
                new KernelContext(),
                logits,
                targets,
                ceDims,
                lossParams,
                rowLoss,
                dLogits));
    IntArray lossDims = g.ints(n);
    task1D(
        "loss",
        1,
        (t, id) ->
            t.task(
                id,
                TrainKernels::lossSum,
                new KernelContext(),
                rowLoss,
                lossDims,
                lossParams,
                result));
    // backward
    FloatArray dhf = g.floats(n * c), dx = g.floats(n * c);
    linearBackwardInput(dLogits, weight(spec.lmHead()), dhf, vocab, c, false);
    if (finalNorm.trains()) {
      rmsNormWeightGrad(xL, rstdF, dhf, n, c, finalNorm);
    }
    rmsNormInputGrad(xL, finalNorm, rstdF, dhf, n, c, dx, false);
    for (int l = spec.layers().size() - 1; l >= 0; l--) {
      LayerSaved s = saved.get(l);
      if (recompute) {
        // layer l's forward again, from its kept input, into the shared set (its output, x_l+1,
        // is not needed again: it goes to a scratch buffer)
        g.segment("recompute" + l);
        s = layerForward(l, inputs.get(l), scratch("recomputedOut", n * c), true);
      }
      g.segment("backward" + l);
      layerBackward(l, s, dx);
    }
    g.segment("optimizer");
    if (promptEncoder != null && promptEncoder.outputGrad() != null) {
      // dx is now the gradient of x0: the prompt's rows summed over the batch
      Ref prompt = promptEncoder.outputGrad();
      IntArray pDims = g.ints(batch, c, seq, virtual, prompt.offset());
      FloatArray promptGrad = prompt.array();
      task1D(
          "promptGrad",
          virtual * c,
          (t, id) ->
              t.task(id, TrainKernels::promptGrad, new KernelContext(), dx, pDims, promptGrad));
      promptEncoder.backward();
    }
    if (prefix != null) {
      prefix.encoder().backward(); // every layer's backward added its prefix gradient
    }
    optimizer();
    IntArray probeDims = g.ints(TornadoBackend.LOCAL);
    task1D(
        "probe",
        TornadoBackend.LOCAL,
        (t, id) ->
            t.task(id, ElementwiseKernels::threadIds, new KernelContext(), probeDims, probe));
  }

  // ------------------------------------------------------------------ forward

  /**
   * Layer l's forward, {@code out = layer_l(x)} ({@code x}, {@code out} {@code [N,C]}), keeping
   * what its backward reads: in buffers of its own, or ({@code shared}, recomputation) in the one
   * set every layer writes, valid until the next layer's forward runs.
   */
  private LayerSaved layerForward(int l, FloatArray x, FloatArray out, boolean shared) {
    LlamaLayer w = spec.layers().get(l);
    Activations a = new Activations(shared);
    int dq = hq * d, dkv = hkv * d;
    Ref n1 = ref(w.inputNorm()), n2 = ref(w.postNorm());
    FloatArray h1 = a.get("h1", n * c), rstd1 = a.get("rstd1", n);
    rmsNorm(x, n1, n, c, h1, rstd1);
    Map<Projection, ProjSaved> proj = new EnumMap<>(Projection.class);
    // with a prefix, the attention keeps its own copies of k and v (kAll, vAll below): the
    // projections' outputs are needed only until then, unless a k norm's backward reads kPre
    boolean keep = prefix == null;
    FloatArray qPre = a.get("qPre", n * dq);
    FloatArray kPre = keep || w.kNorm() != null ? a.get("kPre", n * dkv) : scratch("kPre", n * dkv);
    FloatArray vOut = keep ? a.get("v", n * dkv) : scratch("vOut", n * dkv);
    proj.put(Projection.Q, projection(l, Projection.Q, h1, qPre, a));
    proj.put(Projection.K, projection(l, Projection.K, h1, kPre, a));
    proj.put(Projection.V, projection(l, Projection.V, h1, vOut, a));
    FloatArray q = qPre, k = kPre, rq = null, rk = null;
    if (w.qNorm() != null) {
      q = a.get("q", n * dq);
      k = keep ? a.get("k", n * dkv) : scratch("kNormed", n * dkv);
      rq = a.get("rq", n * hq);
      rk = a.get("rk", n * hkv);
      rmsNorm(qPre, ref(w.qNorm()), n * hq, d, q, rq);
      rmsNorm(kPre, ref(w.kNorm()), n * hkv, d, k, rk);
    } else {
      // RoPE rotates in place: keep the projection's output apart only when a norm needs it
      qPre = null;
      kPre = null;
    }
    rope(q, hq, false);
    rope(k, hkv, false);
    FloatArray att = a.get("att", n * dq), lse = a.get("lse", n * hq);
    FloatArray kAll = k, vAll = vOut; // [B, K, Hkv, D]
    if (prefix != null) {
      // the prefix joins after RoPE and the k norm: its keys are used as given
      kAll = prefix.prepend(l, false, k, a.get("kAll", batch * keys * dkv));
      vAll = prefix.prepend(l, true, vOut, a.get("vAll", batch * keys * dkv));
    }
    FloatArray qf = q, kf = kAll, vf = vAll;
    task1D(
        "attn",
        n * hq,
        (t, id) ->
            t.task(
                id,
                AttentionKernels::forward,
                new KernelContext(),
                qf,
                kf,
                vf,
                keyPadding,
                attDims,
                attParams,
                att,
                lse));
    FloatArray oOut = scratch("oOut", n * c), x1 = a.get("x1", n * c);
    proj.put(Projection.O, projection(l, Projection.O, att, oOut, a));
    add(x, oOut, x1, n * c);
    FloatArray h2 = a.get("h2", n * c), rstd2 = a.get("rstd2", n);
    rmsNorm(x1, n2, n, c, h2, rstd2);
    FloatArray gate = a.get("gate", n * f), up = a.get("up", n * f), act = a.get("act", n * f);
    proj.put(Projection.GATE, projection(l, Projection.GATE, h2, gate, a));
    proj.put(Projection.UP, projection(l, Projection.UP, h2, up, a));
    IntArray swDims = g.ints(n * f);
    task1D(
        "swiglu",
        n * f,
        (t, id) ->
            t.task(id, ElementwiseKernels::swiglu, new KernelContext(), gate, up, swDims, act));
    FloatArray downOut = scratch("downOut", n * c);
    proj.put(Projection.DOWN, projection(l, Projection.DOWN, act, downOut, a));
    add(x1, downOut, out, n * c);
    return new LayerSaved(
        x, h1, rstd1, qPre, kPre, rq, rk, q, kAll, vAll, att, lse, x1, h2, rstd2, gate, up, act,
        proj);
  }

  /** {@code y = ((x ⊙ l_in)·Wᵀ + b) ⊙ l_out + s·(x·Aᵀ)·Bᵀ} (see {@link LlamaTrainSpec}). */
  private ProjSaved projection(int l, Projection p, FloatArray x, FloatArray y, Activations acts) {
    LlamaLayer layer = spec.layers().get(l);
    Adapter a = spec.adapters().get(l).get(p);
    Tensor wt = p.weight(layer);
    int out = wt.dim(0), in = wt.dim(1);
    Tensor biasT = p.ownBias(layer) != null ? p.ownBias(layer) : a == null ? null : a.bias();
    FloatArray xin = x;
    if (a != null && a.ia3() != null && a.ia3ScalesInput()) {
      xin = acts.get(p + ".scaledIn", n * in);
      columns(x, ref(a.ia3()), xin, in, 0);
    }
    boolean scaleOut = a != null && a.ia3() != null && !a.ia3ScalesInput();
    FloatArray unscaled = scaleOut ? acts.get(p + ".unscaled", n * out) : null;
    FloatArray base = scaleOut ? unscaled : y;
    linear(xin, weight(wt), base, out, in, false);
    if (biasT != null) {
      columns(base, ref(biasT), base, out, 2);
    }
    if (scaleOut) {
      columns(unscaled, ref(a.ia3()), y, out, 0);
    }
    FloatArray u = null;
    if (a != null && a.loraA() != null) {
      int r = a.loraA().dim(0);
      Ref aRef = ref(a.loraA()), bRef = ref(a.loraB());
      u = acts.get(p + ".loraU", n * r);
      // u[N,r] = x·Aᵀ;  y += s·u·Bᵀ
      gemm(x, 0, in, 1, aRef.array(), aRef.offset(), 1, in, u, 0, n, r, in, false, one);
      gemm(
          u,
          0,
          r,
          1,
          bRef.array(),
          bRef.offset(),
          1,
          r,
          y,
          0,
          n,
          out,
          r,
          true,
          g.constants(a.loraScale()));
    }
    return new ProjSaved(p, x, u, unscaled, in, out);
  }

  // ------------------------------------------------------------------ backward

  private void layerBackward(int l, LayerSaved s, FloatArray dx) {
    LlamaLayer w = spec.layers().get(l);
    int dq = hq * d, dkv = hkv * d;
    Ref n1 = ref(w.inputNorm()), n2 = ref(w.postNorm());
    // MLP half: dx is the gradient of the layer output (= of x1 through the residual)
    FloatArray dAct = scratch("dAct", n * f), dGate = scratch("dGate", n * f);
    FloatArray dUp = scratch("dUp", n * f), dh = scratch("dh", n * c);
    projectionBackward(l, s.proj().get(Projection.DOWN), dx, dAct, false);
    IntArray swDims = g.ints(n * f);
    task1D(
        "swigluBack",
        n * f,
        (t, id) ->
            t.task(
                id,
                TrainKernels::swigluBackward,
                new KernelContext(),
                s.gate(),
                s.up(),
                dAct,
                swDims,
                dGate,
                dUp));
    projectionBackward(l, s.proj().get(Projection.GATE), dGate, dh, false);
    projectionBackward(l, s.proj().get(Projection.UP), dUp, dh, true);
    if (n2.trains()) {
      rmsNormWeightGrad(s.x1(), s.rstd2(), dh, n, c, n2);
    }
    rmsNormInputGrad(s.x1(), n2, s.rstd2(), dh, n, c, dx, true);
    // attention half: dx is now the gradient of x1
    FloatArray dAtt = scratch("dAtt", n * dq), delta = scratch("delta", n * hq);
    // dkAll, dvAll [B, K, Hkv, D]: the real keys' gradients, and the prefix's in front
    FloatArray dq_ = scratch("dq", n * dq),
        dkAll = scratch("dkAll", batch * keys * dkv),
        dvAll = scratch("dvAll", batch * keys * dkv);
    projectionBackward(l, s.proj().get(Projection.O), dx, dAtt, false);
    task1D(
        "attnBackQ",
        n * hq,
        (t, id) ->
            t.task(
                id,
                AttentionKernels::backwardQueries,
                new KernelContext(),
                s.q(),
                s.k(),
                s.v(),
                keyPadding,
                attDims,
                attParams,
                s.att(),
                s.lse(),
                dAtt,
                delta,
                dq_));
    task1D(
        "attnBackK",
        batch * keys * hkv,
        (t, id) ->
            t.task(
                id,
                AttentionKernels::backwardKeys,
                new KernelContext(),
                s.q(),
                s.k(),
                s.v(),
                keyPadding,
                attDims,
                attParams,
                s.lse(),
                dAtt,
                delta,
                dkAll,
                dvAll));
    FloatArray dk = dkAll, dv = dvAll; // [B·S, Hkv·D]
    if (prefix != null) {
      dk = scratch("dk", n * dkv);
      dv = scratch("dv", n * dkv);
      prefix.split(l, false, dkAll, dk);
      prefix.split(l, true, dvAll, dv);
    }
    rope(dq_, hq, true);
    rope(dk, hkv, true);
    FloatArray dqIn = dq_, dkIn = dk;
    if (w.qNorm() != null) {
      Ref qn = ref(w.qNorm()), kn = ref(w.kNorm());
      dqIn = scratch("dqPre", n * dq);
      dkIn = scratch("dkPre", n * dkv);
      if (qn.trains()) {
        rmsNormWeightGrad(s.qPre(), s.rq(), dq_, n * hq, d, qn);
      }
      if (kn.trains()) {
        rmsNormWeightGrad(s.kPre(), s.rk(), dk, n * hkv, d, kn);
      }
      rmsNormInputGrad(s.qPre(), qn, s.rq(), dq_, n * hq, d, dqIn, false);
      rmsNormInputGrad(s.kPre(), kn, s.rk(), dk, n * hkv, d, dkIn, false);
    }
    projectionBackward(l, s.proj().get(Projection.Q), dqIn, dh, false);
    projectionBackward(l, s.proj().get(Projection.K), dkIn, dh, true);
    projectionBackward(l, s.proj().get(Projection.V), dv, dh, true);
    if (n1.trains()) {
      rmsNormWeightGrad(s.x(), s.rstd1(), dh, n, c, n1);
    }
    rmsNormInputGrad(s.x(), n1, s.rstd1(), dh, n, c, dx, true);
  }

  /**
   * The backward of {@link #projection}: parameter gradients added into {@code grad}, the input
   * gradient written ({@code accumulate} false) or added into {@code dx}.
   */
  private void projectionBackward(
      int l, ProjSaved s, FloatArray dy, FloatArray dx, boolean accumulate) {
    LlamaLayer layer = spec.layers().get(l);
    Adapter a = spec.adapters().get(l).get(s.p());
    Tensor wt = s.p().weight(layer);
    int in = s.in(), out = s.out();
    Tensor biasT =
        s.p().ownBias(layer) != null ? s.p().ownBias(layer) : a == null ? null : a.bias();
    FloatArray dBase = dy;
    if (s.unscaled() != null) {
      Ref l3 = ref(a.ia3());
      if (l3.trains()) {
        columnGrad(dy, s.unscaled(), out, l3, true);
      }
      dBase = scratch("dUnscaled" + out, n * out);
      columns(dy, l3, dBase, out, 0);
    }
    if (biasT != null && ref(biasT).trains()) {
      columnGrad(dBase, dBase, out, ref(biasT), false);
    }
    if (a != null && a.ia3() != null && a.ia3ScalesInput()) {
      Ref l3 = ref(a.ia3());
      FloatArray dScaled = scratch("dScaled" + in, n * in);
      linearBackwardInput(dBase, weight(wt), dScaled, out, in, false);
      if (l3.trains()) {
        columnGrad(dScaled, s.input(), in, l3, true);
      }
      columns(dScaled, l3, dx, in, accumulate ? 1 : 0);
    } else {
      linearBackwardInput(dBase, weight(wt), dx, out, in, accumulate);
    }
    if (s.loraU() != null) {
      int r = a.loraA().dim(0);
      Ref aRef = ref(a.loraA()), bRef = ref(a.loraB());
      FloatArray scale = g.constants(a.loraScale());
      if (bRef.trains()) {
        // dB[out,r] += s·dyᵀ·u
        gemm(dy, 0, 1, out, s.loraU(), 0, r, 1, grad, bRef.grad(), out, r, n, true, scale);
      }
      // du[N,r] = s·dy·B
      FloatArray du = scratch("du" + r, n * r);
      gemm(dy, 0, out, 1, bRef.array(), bRef.offset(), r, 1, du, 0, n, r, out, false, scale);
      if (aRef.trains()) {
        // dA[r,in] += duᵀ·x
        gemm(du, 0, 1, r, s.input(), 0, in, 1, grad, aRef.grad(), r, in, n, true, one);
      }
      // dx += du·A
      gemm(du, 0, r, 1, aRef.array(), aRef.offset(), in, 1, dx, 0, n, in, r, true, one);
    }
  }

  // ------------------------------------------------------------------ optimizer

  private void optimizer() {
    int chunk = 256, chunks = Math.max(1, (paramCount + chunk - 1) / chunk);
    FloatArray partial = g.floats(chunks);
    IntArray sqDims = g.ints(paramCount, chunk), clipDims = g.ints(chunks);
    FloatArray clipParams = g.constants((float) spec.optimizer().maxGradNorm());
    task1D(
        "sq",
        chunks,
        (t, id) ->
            t.task(id, TrainKernels::squarePartials, new KernelContext(), grad, sqDims, partial));
    task1D(
        "clip",
        1,
        (t, id) ->
            t.task(
                id,
                TrainKernels::clipCoefficient,
                new KernelContext(),
                partial,
                clipDims,
                clipParams,
                result));
    IntArray pDims = g.ints(paramCount);
    task1D(
        "adamw",
        paramCount,
        (t, id) ->
            t.task(
                id,
                TrainKernels::adamW,
                new KernelContext(),
                theta,
                grad,
                m,
                v,
                decays,
                pDims,
                hyper,
                result));
  }

  // ------------------------------------------------------------------ building blocks

  /** A task named uniquely: {@code add} receives the graph and the name. */
  interface TaskAdder {
    uk.ac.manchester.tornado.api.TaskGraph add(uk.ac.manchester.tornado.api.TaskGraph t, String id);
  }

  void task1D(String what, int items, TaskAdder add) {
    String id = name(what);
    g.task1D(id, items, t -> add.add(t, id));
  }

  private String name(String what) {
    return "t" + (taskCounter++) + what;
  }

  private FloatArray scratch(String key, int size) {
    return scratch.computeIfAbsent(key, k -> g.floats(size));
  }

  /**
   * Where one layer's forward puts what its backward reads: buffers of its own, or ({@code shared})
   * the one set of the recomputation, the same buffer for the same name and size in every layer
   * (sizes may differ between layers: a LoRA rank pattern).
   */
  private final class Activations {
    private final boolean shared;

    Activations(boolean shared) {
      this.shared = shared;
    }

    FloatArray get(String name, int size) {
      return shared ? scratch("recomputed." + name + "/" + size, size) : g.floats(size);
    }
  }

  void zero(FloatArray x, int size) {
    IntArray dims = g.ints(size);
    task1D("zero", size, (t, id) -> t.task(id, TrainKernels::zero, new KernelContext(), x, dims));
  }

  private void add(FloatArray a, FloatArray b, FloatArray out, int size) {
    IntArray dims = g.ints(size, size, ElementwiseKernels.ADD);
    task1D(
        "add",
        size,
        (t, id) -> t.task(id, ElementwiseKernels::binary, new KernelContext(), a, b, dims, out));
  }

  private void rmsNorm(FloatArray x, Ref w, int rows, int cols, FloatArray out, FloatArray rstd) {
    IntArray dims = g.ints(rows, cols, w.offset());
    task1D(
        "norm",
        rows,
        (t, id) ->
            t.task(
                id,
                TrainKernels::rmsNorm,
                new KernelContext(),
                x,
                w.array(),
                dims,
                eps,
                out,
                rstd));
  }

  private void rmsNormInputGrad(
      FloatArray x,
      Ref w,
      FloatArray rstd,
      FloatArray dy,
      int rows,
      int cols,
      FloatArray dx,
      boolean acc) {
    IntArray dims = g.ints(rows, cols, acc ? 1 : 0, w.offset());
    task1D(
        "normBack",
        rows,
        (t, id) ->
            t.task(
                id,
                TrainKernels::rmsNormBackwardInput,
                new KernelContext(),
                x,
                w.array(),
                rstd,
                dy,
                dims,
                dx));
  }

  private void rmsNormWeightGrad(
      FloatArray x, FloatArray rstd, FloatArray dy, int rows, int cols, Ref w) {
    IntArray dims = g.ints(rows, cols, w.grad());
    task1D(
        "normGrad",
        cols,
        (t, id) ->
            t.task(
                id,
                TrainKernels::rmsNormBackwardWeight,
                new KernelContext(),
                x,
                rstd,
                dy,
                dims,
                grad));
  }

  private void rope(FloatArray x, int heads, boolean inverse) {
    IntArray dims = g.ints(n, heads, d, inverse ? 1 : 0);
    task1D(
        inverse ? "ropeInv" : "rope",
        n * heads * (d / 2),
        (t, id) -> t.task(id, RowKernels::rope, new KernelContext(), x, positions, cos, sin, dims));
  }

  /** {@code y (+)= x ⊙ v} or {@code y = x + v} per column ({@link TrainKernels#columns}). */
  private void columns(FloatArray x, Ref vec, FloatArray y, int cols, int mode) {
    IntArray dims = g.ints(n * cols, cols, vec.offset(), mode);
    task1D(
        "cols",
        n * cols,
        (t, id) -> t.task(id, TrainKernels::columns, new KernelContext(), x, vec.array(), dims, y));
  }

  private void columnGrad(FloatArray dy, FloatArray x, int cols, Ref vec, boolean useX) {
    IntArray dims = g.ints(n, cols, vec.grad(), useX ? 1 : 0);
    task1D(
        "colGrad",
        cols,
        (t, id) -> t.task(id, TrainKernels::columnGrad, new KernelContext(), dy, x, dims, grad));
  }

  /** {@code y[N,out] (+)= x[N,in]·Wᵀ}, W a frozen {@code [out,in]} weight. */
  private void linear(
      FloatArray x, TrainGraph.Weight w, FloatArray y, int out, int in, boolean acc) {
    frozenGemm(x, in, 1, w, 1, in, y, n, out, in, acc);
  }

  /** {@code dx[N,in] (+)= dy[N,out]·W}. */
  private void linearBackwardInput(
      FloatArray dy, TrainGraph.Weight w, FloatArray dx, int out, int in, boolean acc) {
    frozenGemm(dy, out, 1, w, in, 1, dx, n, in, out, acc);
  }

  private void frozenGemm(
      FloatArray a,
      int aRow,
      int aCol,
      TrainGraph.Weight w,
      int bRow,
      int bCol,
      FloatArray c,
      int rows,
      int cols,
      int k,
      boolean acc) {
    IntArray dims = g.ints(rows, cols, k, aRow, aCol, bRow, bCol, acc ? 1 : 0);
    String id = name(w.bits() == null ? "gemm" : "gemm16");
    g.gemmTask(
        id,
        gemmKernel,
        rows,
        cols,
        t ->
            w.bits() == null
                ? gemmKernel.addF32(t, id, a, w.f32(), c, dims)
                : gemmKernel.add16(t, id, a, w.bits(), w.decode(), c, dims));
  }

  /** {@link TrainKernels#gemm}: {@code C[M,N] (+)= α·op(A)·op(B)} with strides and offsets. */
  void gemm(
      FloatArray a,
      int aOff,
      int aRow,
      int aCol,
      FloatArray b,
      int bOff,
      int bRow,
      int bCol,
      FloatArray c,
      int cOff,
      int rows,
      int cols,
      int k,
      boolean acc,
      FloatArray alpha) {
    IntArray dims = g.ints(rows, cols, k, aRow, aCol, bRow, bCol, acc ? 1 : 0, aOff, bOff, cOff);
    String id = name("gemm");
    g.task2D(
        id,
        (cols + 3) / 4,
        (rows + 3) / 4,
        t -> t.task(id, TrainKernels::gemm, new KernelContext(), a, b, c, dims, alpha));
  }

  // ------------------------------------------------------------------ tensors on the device

  /** A trainable tensor's slice of theta, or a frozen tensor's own F32 buffer. */
  Ref ref(Tensor t) {
    Integer off = offsets.get(t);
    if (off != null) {
      return new Ref(theta, off, off);
    }
    return frozenF32(t);
  }

  private Ref frozenF32(Tensor t) {
    return frozen.computeIfAbsent(t, k -> new Ref(g.resident(DeviceBuffers.weightF32(k)), 0, -1));
  }

  /** A frozen projection weight: 16-bit stays 16-bit (decoded in the kernel), else F32. */
  private TrainGraph.Weight weight(Tensor t) {
    if (offsets.containsKey(t)) {
      throw new IllegalArgumentException("a projection weight cannot train on the device");
    }
    return weights.computeIfAbsent(
        t,
        k -> {
          DType dt = k.dtype();
          if (!k.isHeapF32() && (dt == DType.BF16 || dt == DType.F16)) {
            FloatArray table =
                decodeTables.computeIfAbsent(dt, x -> g.resident(DeviceBuffers.decodeTable(x)));
            return new TrainGraph.Weight(null, g.resident(DeviceBuffers.weightBits(k)), table);
          }
          return new TrainGraph.Weight(frozenF32(k).array(), null, null);
        });
  }
}
