package org.peftbench.tensor.tornado;

import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Checks;
import org.peftbench.tensor.backend.FusedDecoderLayer;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.ResidentDecoding;
import org.peftbench.tensor.backend.ResidentTrainer;
import org.peftbench.tensor.backend.ResidentTraining;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.UnaryOp;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The TornadoVM backend: GEMM, attention (forward and backward), RMSNorm (forward and backward),
 * softmax, RoPE and the elementwise ops of a decoder layer run as TornadoVM kernels on the default
 * TornadoVM device (a GPU, or an OpenCL CPU device such as PoCL); every other method is delegated
 * to {@link CpuBackend}.
 *
 * <p>The host side of each family lives in its own class: {@link GemmOps} (with the frozen-weight
 * cache), {@link AttentionOps}, {@link RowOps}, {@link ElementwiseOps}; this class routes the
 * {@link Backend} methods to them or to the CPU backend. Through the {@link Backend} methods
 * activations are copied in and out on each call (attention's backward keeps its intermediate Δ on
 * the device between its two kernels). Plans are built once per (operation, buffer capacity,
 * weight) and reused: shapes travel in small int arrays, so a plan serves every size up to its
 * capacity.
 *
 * <p>It also implements {@link FusedDecoderLayer} ({@link LayerOps}): a whole Llama decoder layer
 * in one task graph, activations chained on the device and frozen weights resident there, used by
 * the model's no-grad forward.
 *
 * <p>Calls are serialised ({@code synchronized}): one execution plan runs at a time.
 */
public final class TornadoBackend
    implements Backend, FusedDecoderLayer, ResidentTraining, ResidentDecoding {
  /** Work-group size of the 1-D kernels. */
  static final int LOCAL = 64;

  private final CpuBackend cpu = new CpuBackend();
  private final Plans plans = new Plans();
  private final GemmOps gemm;
  private final AttentionOps attention;
  private final ElementwiseOps elementwise;
  private final RowOps rows;
  private final LayerOps layers;
  private final String deviceName;
  private final GemmKernel gemmKernel;

  private TornadoBackend(GemmKernel gemmKernel) {
    TornadoDevice device = TornadoExecutionPlan.DEFAULT_DEVICE;
    this.deviceName =
        device.getPhysicalDevice().getDeviceName() + " (" + device.getTornadoVMBackend() + ")";
    this.gemmKernel = gemmKernel;
    this.gemm = new GemmOps(plans, gemmKernel);
    this.attention = new AttentionOps(plans, cpu);
    this.elementwise = new ElementwiseOps(plans, cpu);
    this.rows = new RowOps(plans);
    this.layers = new LayerOps(plans, gemmKernel);
  }

  /**
   * Starts the backend: loads the TornadoVM runtime, and runs a probe kernel whose result proves it
   * executed on the device. Throws whatever TornadoVM throws when the runtime or the device is
   * missing.
   */
  static TornadoBackend open() {
    configureRuntime();
    return open(GemmKernel.forDefaultDevice());
  }

  /**
   * Two TornadoVM options, each read once when its runtime first compiles a graph, so this must run
   * before the first graph; a value the user set is kept.
   *
   * <ul>
   *   <li>{@code tornado.tvm.maxbytecodesize}: TornadoVM compiles each task graph to its own
   *       bytecode in a buffer of this many bytes (default 4096). A whole decoder layer (up to 21
   *       tasks over ~60 buffers) and a resident training step (hundreds of tasks) need more: 1
   *       MiB.
   *   <li>{@code tornado.enable.fma}: TornadoVM fuses {@code a·b + c} into one fused multiply-add
   *       (rounded once) by default. The CPU backend and the scalar reference round the product and
   *       the sum separately, and the backend contract wants {@code axpy} bit for bit, so fusion is
   *       off ({@code -Dtornado.enable.fma=True} turns it back on).
   * </ul>
   */
  private static void configureRuntime() {
    if (System.getProperty("tornado.tvm.maxbytecodesize") == null) {
      System.setProperty("tornado.tvm.maxbytecodesize", String.valueOf(1 << 20));
    }
    if (System.getProperty("tornado.enable.fma") == null) {
      System.setProperty("tornado.enable.fma", "False");
    }
  }

  /** As {@link #open()} with the given GEMM kernels (tests run both). */
  static TornadoBackend open(GemmKernel gemmKernel) {
    configureRuntime();
    TornadoBackend backend = new TornadoBackend(gemmKernel);
    int[] ids = backend.deviceThreadIds(LOCAL);
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] != i) {
        throw new IllegalStateException(
            "the TornadoVM probe kernel did not run on the device (thread ids " + ids[i] + ")");
      }
    }
    return backend;
  }

  @Override
  public String name() {
    return "tornado";
  }

  /** The device the kernels run on, e.g. "pthread-skylake-avx512-AMD EPYC (OPENCL)". */
  public String deviceName() {
    return deviceName;
  }

  /** The GEMM kernels in use. */
  GemmKernel gemmKernel() {
    return gemmKernel;
  }

  /** How many execution plans this backend has built. */
  int planCount() {
    return plans.size();
  }

  /** How many execution plans this backend has run on the device so far. */
  public long deviceRuns() {
    return plans.runs();
  }

  /** Writes each work-item's global id from a kernel (tests: proof of device execution). */
  public synchronized int[] deviceThreadIds(int n) {
    record Ids(KernelPlan plan, IntArray dims, IntArray out) {}
    Ids p =
        plans.get(
            "ids" + n,
            () -> {
              IntArray dims = new IntArray(1), out = new IntArray(n);
              dims.set(0, n);
              TaskGraph g =
                  new TaskGraph("probe")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, dims)
                      .task("ids", ElementwiseKernels::threadIds, new KernelContext(), dims, out)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
              return new Ids(new KernelPlan(g, "probe", "ids"), dims, out);
            });
    p.plan.size1D("ids", n);
    plans.run(p.plan);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = p.out.get(i);
    }
    return ids;
  }

  // ---------------------------------------------------------------- GEMM

  // C[M,N] (+)= op(A)[M,K] · op(B)[K,N]
  @Override
  public synchronized void matmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate) {
    gemm.matmul(a, transA, b, transB, c, accumulate);
  }

  // C[i] (+)= op(A[i]) · op(B[i]) for each batch entry i, one device GEMM per entry
  @Override
  public synchronized void batchedMatmul(
      Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate) {
    Checks.batched(a, b, c);
    for (int i = 0; i < a.dim(0); i++) {
      matmul(
          a.slice0(i, i + 1).reshape(a.dim(1), a.dim(2)),
          transA,
          b.slice0(i, i + 1).reshape(b.dim(1), b.dim(2)),
          transB,
          c.slice0(i, i + 1).reshape(c.dim(1), c.dim(2)),
          accumulate);
    }
  }

  // ---------------------------------------------------------------- elementwise (ElementwiseOps)

  // out[N,C] = a[N,C] + b[C] (or b[N,C]); out may alias a
  @Override
  public synchronized void add(Tensor a, Tensor b, Tensor out) {
    elementwise.binary(ElementwiseKernels.ADD, a, b, out);
  }

  @Override
  public synchronized void mul(Tensor a, Tensor b, Tensor out) {
    elementwise.binary(ElementwiseKernels.MUL, a, b, out);
  }

  // out = s·a
  @Override
  public synchronized void scale(Tensor a, float s, Tensor out) {
    elementwise.axpby(s, a, 0f, out, out);
  }

  // y += alpha·x
  @Override
  public synchronized void axpy(float alpha, Tensor x, Tensor y) {
    Checks.sameSize(x, y);
    elementwise.axpby(alpha, x, 1f, y, y);
  }

  // out = f(x) (SiLU, sigmoid, ReLU, exp on the device; GELU and tanh on the CPU)
  @Override
  public synchronized void unary(UnaryOp op, Tensor x, Tensor out) {
    elementwise.unary(op, x, out);
  }

  // dx (+)= f'(x)·dy
  @Override
  public synchronized void unaryBackward(
      UnaryOp op, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
    elementwise.unaryBackward(op, x, dy, dx, accumulate);
  }

  // out = silu(gate)·up in one kernel (out may alias gate or up: inputs are copied in first)
  @Override
  public synchronized void swiglu(Tensor gate, Tensor up, Tensor out) {
    elementwise.swiglu(gate, up, out);
  }

  // ---------------------------------------------------------------- reductions (CPU)

  @Override
  public double sum(Tensor x) {
    return cpu.sum(x);
  }

  @Override
  public float max(Tensor x) {
    return cpu.max(x);
  }

  @Override
  public double sumOfSquares(Tensor x) {
    return cpu.sumOfSquares(x);
  }

  @Override
  public void sumLeading(Tensor x, Tensor out, boolean accumulate) {
    cpu.sumLeading(x, out, accumulate);
  }

  // ---------------------------------------------------------------- softmax

  // out[N,C] = softmax(x) row-wise; out may alias x
  @Override
  public synchronized void softmax(Tensor x, Tensor out) {
    rows.softmax(x, out);
  }

  @Override
  public void logSoftmax(Tensor x, Tensor out) {
    cpu.logSoftmax(x, out);
  }

  @Override
  public void softmaxBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
    cpu.softmaxBackward(y, dy, dx, accumulate);
  }

  // ---------------------------------------------------------------- normalisation

  // out[N,C] = x·rstd·weight, rstd[N]
  @Override
  public synchronized void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
    rows.rmsNorm(x, weight, eps, out, rstd);
  }

  // dx (+)= ∂out/∂x · dy, dWeight += Σ_rows dy·x·rstd
  @Override
  public synchronized void rmsNormBackward(
      Tensor x,
      Tensor weight,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight) {
    rows.rmsNormBackward(x, weight, rstd, dy, dx, accumulate, dWeight);
  }

  @Override
  public void layerNorm(
      Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
    cpu.layerNorm(x, weight, bias, eps, out, mean, rstd);
  }

  @Override
  public void layerNormBackward(
      Tensor x,
      Tensor weight,
      Tensor mean,
      Tensor rstd,
      Tensor dy,
      Tensor dx,
      boolean accumulate,
      Tensor dWeight,
      Tensor dBias) {
    cpu.layerNormBackward(x, weight, mean, rstd, dy, dx, accumulate, dWeight, dBias);
  }

  // ---------------------------------------------------------------- positions

  // x[N,H,D] rotated in place by the angles of positions[N]
  @Override
  public synchronized void rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
    rows.rope(x, positions, table, inverse);
  }

  @Override
  public void embedding(Tensor table, int[] ids, Tensor out) {
    cpu.embedding(table, ids, out);
  }

  @Override
  public void embeddingBackward(int[] ids, Tensor dy, Tensor dTable) {
    cpu.embeddingBackward(ids, dy, dTable);
  }

  @Override
  public double crossEntropy(
      Tensor logits, int[] targets, int ignoreIndex, Tensor dLogits, float gradScale) {
    return cpu.crossEntropy(logits, targets, ignoreIndex, dLogits, gradScale);
  }

  // ---------------------------------------------------------------- attention

  // out[B,T,Hq,D] = softmax(q·kᵀ·scale, masked)·v, lse[B,Hq,T]
  @Override
  public synchronized void attention(
      Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale, Tensor out, Tensor lse) {
    if (mask.window() > 0) { // the device kernels have no sliding window
      cpu.attention(q, k, v, mask, scale, out, lse);
      return;
    }
    attention.forward(q, k, v, mask, scale, out, lse);
  }

  // dq, dk, dv from dOut, recomputing the probabilities from lse
  @Override
  public synchronized void attentionBackward(
      Tensor q,
      Tensor k,
      Tensor v,
      AttentionMask mask,
      float scale,
      Tensor out,
      Tensor lse,
      Tensor dOut,
      Tensor dq,
      Tensor dk,
      Tensor dv) {
    if (mask.window() > 0) {
      cpu.attentionBackward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
      return;
    }
    attention.backward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
  }

  // ---------------------------------------------------------------- a whole decoder layer

  // out[B,T,C] = llamaLayer(x[B,T,C]): one device run, intermediates never leave the device
  // (keys/values [B,T,Hkv,D] only when asked for, e.g. to fill a KV cache)
  @Override
  public synchronized void llamaLayerForward(
      LlamaLayer layer,
      LlamaLayer.Input in,
      Tensor x,
      Tensor out,
      Tensor keysOut,
      Tensor valuesOut) {
    layers.forward(layer, in, x, out, keysOut, valuesOut);
  }

  /** Weight tensors the layer path has sent to the device so far (tests, benchmarks). */
  public synchronized long layerWeightUploads() {
    return layers.weightUploads();
  }

  /** Bytes of weights the layer path has sent to the device so far. */
  public synchronized long layerWeightBytesUploaded() {
    return layers.weightBytesUploaded();
  }

  /** Live layer plans (one per decoder layer seen). */
  synchronized int layerPlans() {
    return layers.layerPlans();
  }

  /**
   * Runs layer plans with TornadoVM's profiler on, so that {@link #lastLayerCopyInBytes()} reports
   * what TornadoVM itself copied to the device in the last layer run.
   */
  public synchronized void profileLayerTransfers(boolean on) {
    layers.profile(on);
  }

  /** Bytes TornadoVM copied host → device in the last layer run (profiling on), else −1. */
  public synchronized long lastLayerCopyInBytes() {
    return layers.lastCopyInBytes();
  }

  /**
   * A whole training step resident on the device ({@link ResidentTrainStep}): compiled on its first
   * step, weights and parameters uploaded then, one device run per step.
   */
  @Override
  public synchronized ResidentTrainer openTrainer(LlamaTrainSpec spec) {
    return new ResidentTrainStep(spec, plans);
  }

  /**
   * Decoding on the device with the KV cache resident there ({@link ResidentDecoder}): B = the
   * spec's batch, S = its time; adapters run unmerged.
   */
  @Override
  public synchronized ResidentDecoder openDecoder(LlamaTrainSpec spec) {
    return new ResidentDecoder(spec);
  }
}
