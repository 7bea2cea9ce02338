package org.peftbench.tensor.tornado;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Storage;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.RopeTable;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * A whole Llama decoder layer's forward as one TornadoVM task graph (the {@link
 * org.peftbench.tensor.backend.FusedDecoderLayer} capability of {@link TornadoBackend}):
 *
 * <pre>
 *   x ─► norm1 ─► q,k,v [─► + bias (Qwen2)] [─► q/k head norms (Qwen3)] ─► rope q,k ─► attention
 *     ─► o ─► x1 = x + · ─► norm2 ─► gate,up ─► swiglu ─► down ─► out = x1 + ·
 * </pre>
 *
 * 16 kernels (up to 21 with biases and q/k norms), the same ones the per-op backend uses ({@link
 * RowKernels}, {@link GemmKernel}, {@link AttentionKernels}, {@link ElementwiseKernels}). Per call
 * only {@code x}, the positions, the padding flags and a few shape ints go to the device, and
 * {@code out} comes back (with the rotated keys and the values, which a KV-cache prefill keeps):
 * every other intermediate (h, q, attention output, x1, gate, up, ...) lives in device buffers that
 * are written and read by the kernels and never copied. Buffers hold {@code capN} rows (a power of
 * two ≥ B·T), so one compiled plan serves every smaller batch.
 *
 * <p>Weights: a memory-mapped weight (not heap F32; nothing writes to it) is copied once into a
 * TornadoVM array (BF16/F16 as raw 16-bit patterns, decoded in the GEMM kernel) and sent to the
 * device only on the plan's first run ({@code FIRST_EXECUTION}); later calls reuse the device copy.
 * A heap F32 weight may be trained in place between calls, so it is refilled and sent on every run.
 *
 * <p>One plan per layer (keyed by its weights' storages), kept until more than {@link #maxLayers}
 * layers are live (least recently used freed first) or replaced by a bigger one when B·T outgrows
 * it, or when the RoPE table changes.
 */
final class LayerOps {
  private final Plans plans;
  private final GemmKernel gemmKernel;
  private final int maxLayers = Integer.getInteger("peftbench.tornado.layers", 128);
  private final Map<DType, FloatArray> decodeTables = new HashMap<>();
  private final Map<List<WeightId>, LayerPlan> layers =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<WeightId>, LayerPlan> eldest) {
          if (size() > maxLayers) {
            eldest.getValue().plan.free();
            return true;
          }
          return false;
        }
      };
  private long weightUploads;
  private long weightBytesUploaded;
  private long lastCopyInBytes = -1;
  private boolean profile;

  LayerOps(Plans plans, GemmKernel gemmKernel) {
    this.plans = plans;
    this.gemmKernel = gemmKernel;
  }

  /** A weight's identity: its storage object and where in it the tensor starts. */
  private record WeightId(Storage storage, long offset, long numel) {
    static WeightId of(Tensor t) {
      return new WeightId(t.storage(), t.longOffset(), t.numel());
    }
  }

  /**
   * A weight as the kernels read it: F32 values, or raw 16-bit patterns plus their decode table
   * (GEMM weights only; norm weights are always F32). {@code frozen}: sent once per plan.
   */
  private record DeviceWeight(
      Tensor source, FloatArray f32, ShortArray bits, FloatArray decode, boolean frozen) {
    Object array() {
      return bits != null ? bits : f32;
    }

    long bytes() {
      return bits != null ? bits.getNumBytesOfSegment() : f32.getNumBytesOfSegment();
    }
  }

  /**
   * One layer's compiled graph and the host side of its per-call buffers: {@code ints} holds the
   * small int arrays (shapes, op codes) by name, refilled on every call.
   */
  private record LayerPlan(
      KernelPlan plan,
      int capN,
      RopeTable rope,
      DeviceWeight[] weights,
      FloatArray x,
      FloatArray out,
      FloatArray keys,
      FloatArray values,
      IntArray positions,
      IntArray padding,
      FloatArray normParams,
      FloatArray attParams,
      Map<String, IntArray> ints) {}

  /**
   * Weight tensors sent to the device so far (a frozen weight once per plan, a heap one per run).
   */
  long weightUploads() {
    return weightUploads;
  }

  long weightBytesUploaded() {
    return weightBytesUploaded;
  }

  /** How many layer plans are live. */
  int layerPlans() {
    return layers.size();
  }

  /** Turns TornadoVM's profiler on for layer runs, so {@link #lastCopyInBytes} is measured. */
  void profile(boolean on) {
    profile = on;
  }

  /** Bytes TornadoVM copied host → device in the last layer run (profiling on), else −1. */
  long lastCopyInBytes() {
    return lastCopyInBytes;
  }

  // out[B,T,C] = layer(x[B,T,C]); keysOut/valuesOut [B,T,Hkv,D] fetched only when not null
  void forward(
      LlamaLayer w, LlamaLayer.Input in, Tensor x, Tensor out, Tensor keysOut, Tensor valuesOut) {
    w.checkActivations(in, x, out, keysOut, valuesOut);
    int b = in.batch(), t = in.time(), n = b * t;
    if (n == 0) {
      return;
    }
    int c = w.hidden(), f = w.intermediate(), hq = w.heads(), hkv = w.kvHeads(), d = w.headDim();
    LayerPlan p = plan(w, n, in.rope());
    // per call: the input, positions, padding, shapes; heap (trainable) weights
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.putInts(in.positions(), p.positions);
    boolean[] pad = in.padding();
    for (int i = 0; i < n; i++) {
      p.padding.set(i, pad != null && pad[i] ? 1 : 0);
    }
    for (DeviceWeight dw : p.weights) {
      if (dw != null && !dw.frozen) {
        DeviceBuffers.put(dw.source, dw.f32);
        weightUploads++;
        weightBytesUploaded += (long) dw.source.size() * 4;
      }
    }
    boolean bias = w.qBias() != null, qkNorm = w.qNorm() != null;
    int dq = hq * d, dkv = hkv * d;
    Map<String, int[]> ints = new HashMap<>();
    ints.put("norm", new int[] {n, c});
    ints.put("ropeQ", new int[] {n, hq, d, 0});
    ints.put("ropeK", new int[] {n, hkv, d, 0});
    ints.put("attention", new int[] {b, t, hq, d, t, hkv, t, 0, 0, 1});
    ints.put("q", linearDims(n, dq, c));
    ints.put("kv", linearDims(n, dkv, c));
    ints.put("o", linearDims(n, c, dq));
    ints.put("gateUp", linearDims(n, f, c));
    ints.put("down", linearDims(n, c, f));
    ints.put("residual", new int[] {n * c, n * c, ElementwiseKernels.ADD});
    ints.put("swiglu", new int[] {n * f});
    ints.put("biasQ", new int[] {n * dq, dq, ElementwiseKernels.ADD});
    ints.put("biasKv", new int[] {n * dkv, dkv, ElementwiseKernels.ADD});
    ints.put("qNorm", new int[] {n * hq, d});
    ints.put("kNorm", new int[] {n * hkv, d});
    p.ints.forEach((name, arr) -> DeviceBuffers.putInts(ints.get(name), arr));
    p.normParams.set(0, w.eps());
    p.attParams.set(0, in.scale());
    KernelPlan k = p.plan;
    k.size1D("norm1", n).size1D("norm2", n);
    if (bias) {
      k.size1D("qBias", n * dq).size1D("kBias", n * dkv).size1D("vBias", n * dkv);
    }
    if (qkNorm) {
      k.size1D("qNorm", n * hq).size1D("kNorm", n * hkv);
    }
    k.size1D("ropeQ", n * hq * (d / 2)).size1D("ropeK", n * hkv * (d / 2));
    k.size1D("attention", n * hq);
    k.size1D("residual1", n * c).size1D("residual2", n * c).size1D("swiglu", n * f);
    gemmSize(k, "q", n, dq);
    gemmSize(k, "k", n, dkv);
    gemmSize(k, "v", n, dkv);
    gemmSize(k, "o", n, c);
    gemmSize(k, "gate", n, f);
    gemmSize(k, "up", n, f);
    gemmSize(k, "down", n, c);
    if (profile) {
      lastCopyInBytes = plans.runProfiled(k).getProfilerResult().getTotalBytesCopyIn();
    } else {
      plans.run(k);
    }
    DeviceBuffers.get(p.out, out);
    // keys and values come back with every run (2·B·T·Hkv·D floats): TornadoVM's on-demand
    // transfer (UNDER_DEMAND + TornadoExecutionResult.transferToHost) was measured ~5 ms slower
    // per call on PoCL than just copying them each time
    if (keysOut != null) {
      DeviceBuffers.get(p.keys, keysOut);
    }
    if (valuesOut != null) {
      DeviceBuffers.get(p.values, valuesOut);
    }
  }

  /** GEMM dims of a Linear's forward {@code y[M,out] = x[M,in]·Wᵀ} (W {@code [out,in]}). */
  private static int[] linearDims(int m, int outF, int inF) {
    return new int[] {m, outF, inF, inF, 1, 1, inF, 0};
  }

  private void gemmSize(KernelPlan plan, String task, int m, int n) {
    gemmKernel.size(plan, task, m, n);
  }

  /** The layer's plan for n rows and this RoPE table: the cached one, or a new (bigger) one. */
  private LayerPlan plan(LlamaLayer w, int n, RopeTable rope) {
    List<WeightId> key = new ArrayList<>();
    for (Tensor t : w.weights()) {
      key.add(t == null ? null : WeightId.of(t));
    }
    LayerPlan old = layers.get(key);
    if (old != null && old.capN >= n && old.rope == rope) {
      return old;
    }
    int capN = DeviceBuffers.capacity(n);
    DeviceWeight[] weights;
    if (old != null) {
      capN = Math.max(capN, old.capN);
      weights = old.weights; // the host copies are reused; the new plan uploads them once
      old.plan.free();
      layers.remove(key);
    } else {
      Tensor[] ts = w.weights();
      weights = new DeviceWeight[ts.length];
      for (int i = 0; i < ts.length; i++) {
        // the seven projections may stay 16-bit; norms and biases are read as F32
        boolean f32Only = i == 0 || i == 5 || i >= 9;
        weights[i] = ts[i] == null ? null : deviceWeight(ts[i], f32Only);
      }
    }
    LayerPlan p = build(w, capN, rope, weights);
    for (DeviceWeight dw : weights) {
      if (dw != null && dw.frozen) {
        weightUploads++;
        weightBytesUploaded += dw.bytes();
      }
    }
    layers.put(key, p);
    return p;
  }

  private DeviceWeight deviceWeight(Tensor t, boolean f32Only) {
    if (t.isHeapF32()) {
      return new DeviceWeight(t, new FloatArray(t.size()), null, null, false);
    }
    DType dt = t.dtype();
    if (!f32Only && (dt == DType.BF16 || dt == DType.F16)) {
      FloatArray decode = decodeTables.computeIfAbsent(dt, DeviceBuffers::decodeTable);
      return new DeviceWeight(t, null, DeviceBuffers.weightBits(t), decode, true);
    }
    return new DeviceWeight(t, DeviceBuffers.weightF32(t), null, null, true);
  }

  private LayerPlan build(LlamaLayer w, int capN, RopeTable rope, DeviceWeight[] wt) {
    int c = w.hidden(), f = w.intermediate(), hq = w.heads(), hkv = w.kvHeads();
    int dq = hq * w.headDim(), dkv = hkv * w.headDim();
    boolean bias = wt[9] != null, qkNorm = wt[12] != null;
    FloatArray x = new FloatArray(capN * c), out = new FloatArray(capN * c);
    // intermediates: device-only after the first run
    FloatArray h1 = new FloatArray(capN * c), rstd1 = new FloatArray(capN);
    FloatArray q = new FloatArray(capN * dq), k = new FloatArray(capN * dkv);
    FloatArray v = new FloatArray(capN * dkv), att = new FloatArray(capN * dq);
    FloatArray lse = new FloatArray(capN * hq), attnOut = new FloatArray(capN * c);
    FloatArray x1 = new FloatArray(capN * c), h2 = new FloatArray(capN * c);
    FloatArray rstd2 = new FloatArray(capN), gate = new FloatArray(capN * f);
    FloatArray up = new FloatArray(capN * f), act = new FloatArray(capN * f);
    FloatArray mlpOut = new FloatArray(capN * c);
    List<Object> once =
        new ArrayList<>(
            List.of(
                h1, rstd1, q, k, v, att, lse, attnOut, x1, h2, rstd2, gate, up, act, mlpOut, out));
    // Qwen2: q/k/v = projection + bias; Qwen3: q/k normalised per head (each stage its own buffer)
    FloatArray qb = null, kb = null, vb = null, qn = null, kn = null, rq = null, rk = null;
    if (bias) {
      qb = new FloatArray(capN * dq);
      kb = new FloatArray(capN * dkv);
      vb = new FloatArray(capN * dkv);
      once.addAll(List.of(qb, kb, vb));
    }
    if (qkNorm) {
      qn = new FloatArray(capN * dq);
      kn = new FloatArray(capN * dkv);
      rq = new FloatArray(capN * hq);
      rk = new FloatArray(capN * hkv);
      once.addAll(List.of(qn, kn, rq, rk));
    }
    FloatArray cos = FloatArray.fromArray(rope.cosTable());
    FloatArray sin = FloatArray.fromArray(rope.sinTable());
    once.addAll(List.of(cos, sin));
    IntArray positions = new IntArray(capN), padding = new IntArray(capN);
    FloatArray normParams = new FloatArray(1), attParams = new FloatArray(1);
    Map<String, IntArray> ints = new LinkedHashMap<>();
    for (String name : List.of("norm", "ropeQ", "ropeK", "residual")) {
      ints.put(name, new IntArray(name.equals("norm") ? 2 : name.equals("residual") ? 3 : 4));
    }
    ints.put("attention", new IntArray(10));
    for (String name : List.of("q", "kv", "o", "gateUp", "down")) {
      ints.put(name, new IntArray(8));
    }
    ints.put("swiglu", new IntArray(1));
    if (bias) {
      ints.put("biasQ", new IntArray(3));
      ints.put("biasKv", new IntArray(3));
    }
    if (qkNorm) {
      ints.put("qNorm", new IntArray(2));
      ints.put("kNorm", new IntArray(2));
    }
    List<Object> every = new ArrayList<>(List.of(x, positions, padding, normParams, attParams));
    every.addAll(ints.values());
    for (DeviceWeight dw : wt) {
      if (dw == null) {
        continue;
      }
      (dw.frozen ? once : every).add(dw.array());
      if (dw.decode != null && !once.contains(dw.decode)) {
        once.add(dw.decode);
      }
    }

    TaskGraph g =
        new TaskGraph("layer")
            .transferToDevice(DataTransferMode.FIRST_EXECUTION, once.toArray())
            .transferToDevice(DataTransferMode.EVERY_EXECUTION, every.toArray())
            // attention half
            .task(
                "norm1",
                RowKernels::rmsNorm,
                new KernelContext(),
                x,
                wt[0].f32,
                ints.get("norm"),
                normParams,
                h1,
                rstd1);
    g = gemm(g, "q", h1, wt[1], q, ints.get("q"));
    g = gemm(g, "k", h1, wt[2], k, ints.get("kv"));
    g = gemm(g, "v", h1, wt[3], v, ints.get("kv"));
    List<String> tasks1D = new ArrayList<>(List.of("norm1"));
    if (bias) {
      IntArray bq = ints.get("biasQ"), bkv = ints.get("biasKv");
      g =
          g.task("qBias", ElementwiseKernels::binary, new KernelContext(), q, wt[9].f32, bq, qb)
              .task(
                  "kBias", ElementwiseKernels::binary, new KernelContext(), k, wt[10].f32, bkv, kb)
              .task(
                  "vBias", ElementwiseKernels::binary, new KernelContext(), v, wt[11].f32, bkv, vb);
      q = qb;
      k = kb;
      v = vb;
      tasks1D.addAll(List.of("qBias", "kBias", "vBias"));
    }
    if (qkNorm) {
      g =
          g.task(
                  "qNorm",
                  RowKernels::rmsNorm,
                  new KernelContext(),
                  q,
                  wt[12].f32,
                  ints.get("qNorm"),
                  normParams,
                  qn,
                  rq)
              .task(
                  "kNorm",
                  RowKernels::rmsNorm,
                  new KernelContext(),
                  k,
                  wt[13].f32,
                  ints.get("kNorm"),
                  normParams,
                  kn,
                  rk);
      q = qn;
      k = kn;
      tasks1D.addAll(List.of("qNorm", "kNorm"));
    }
    g =
        g.task(
                "ropeQ",
                RowKernels::rope,
                new KernelContext(),
                q,
                positions,
                cos,
                sin,
                ints.get("ropeQ"))
            .task(
                "ropeK",
                RowKernels::rope,
                new KernelContext(),
                k,
                positions,
                cos,
                sin,
                ints.get("ropeK"))
            .task(
                "attention",
                AttentionKernels::forward,
                new KernelContext(),
                q,
                k,
                v,
                padding,
                ints.get("attention"),
                attParams,
                att,
                lse);
    g = gemm(g, "o", att, wt[4], attnOut, ints.get("o"));
    g =
        g.task(
                "residual1",
                ElementwiseKernels::binary,
                new KernelContext(),
                x,
                attnOut,
                ints.get("residual"),
                x1)
            // MLP half
            .task(
                "norm2",
                RowKernels::rmsNorm,
                new KernelContext(),
                x1,
                wt[5].f32,
                ints.get("norm"),
                normParams,
                h2,
                rstd2);
    g = gemm(g, "gate", h2, wt[6], gate, ints.get("gateUp"));
    g = gemm(g, "up", h2, wt[7], up, ints.get("gateUp"));
    g =
        g.task(
            "swiglu",
            ElementwiseKernels::swiglu,
            new KernelContext(),
            gate,
            up,
            ints.get("swiglu"),
            act);
    g = gemm(g, "down", act, wt[8], mlpOut, ints.get("down"));
    g =
        g.task(
                "residual2",
                ElementwiseKernels::binary,
                new KernelContext(),
                x1,
                mlpOut,
                ints.get("residual"),
                out)
            .transferToHost(DataTransferMode.EVERY_EXECUTION, out)
            .transferToHost(DataTransferMode.EVERY_EXECUTION, k, v);

    tasks1D.addAll(List.of("ropeQ", "ropeK", "attention", "residual1", "norm2", "swiglu"));
    tasks1D.add("residual2");
    KernelPlan plan = new KernelPlan(g, "layer", tasks1D.toArray(new String[0]));
    for (String task : List.of("q", "k", "v", "o", "gate", "up", "down")) {
      gemmKernel.group(plan, task);
    }
    return new LayerPlan(
        plan, capN, rope, wt, x, out, k, v, positions, padding, normParams, attParams, ints);
  }

  /** Adds {@code c = a·Wᵀ} with the F32 or the 16-bit kernel of the backend's GEMM family. */
  private TaskGraph gemm(
      TaskGraph g, String name, FloatArray a, DeviceWeight w, FloatArray c, IntArray dims) {
    if (w.bits != null) {
      return gemmKernel.add16(g, name, a, w.bits, w.decode, c, dims);
    }
    return gemmKernel.addF32(g, name, a, w.f32, c, dims);
  }
}
