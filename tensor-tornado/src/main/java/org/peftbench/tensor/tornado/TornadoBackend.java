package org.peftbench.tensor.tornado;

import java.util.List;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.AttentionMask;
import org.peftbench.tensor.backend.Backend;
import org.peftbench.tensor.backend.Checks;
import org.peftbench.tensor.backend.CpuBackend;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.backend.UnaryOp;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The TornadoVM backend: GEMM, attention (forward and backward), RMSNorm (forward and backward),
 * softmax, RoPE and the elementwise ops of a decoder layer run as TornadoVM kernels on the default
 * TornadoVM device (a GPU, or an OpenCL CPU device such as PoCL); every other method is delegated
 * to {@link CpuBackend}.
 *
 * <p>GEMM's host side, with the frozen-weight cache, is {@link GemmOps}; attention's is {@link
 * AttentionOps}; the row-wise and elementwise ops are here. Activations are copied in and out on
 * each call; attention's backward keeps its intermediate Δ on the device between its two kernels.
 * Plans are built once per (operation, buffer capacity, weight) and reused: shapes travel in small
 * int arrays, so a plan serves every size up to its capacity.
 *
 * <p>Calls are serialised ({@code synchronized}): one execution plan runs at a time.
 */
public final class TornadoBackend implements Backend {
  /** Work-group size of the 1-D kernels. */
  static final int LOCAL = 64;

  private final CpuBackend cpu = new CpuBackend();
  private final Plans plans = new Plans();
  private final GemmOps gemm;
  private final AttentionOps attention;
  private final String deviceName;
  private final GemmKernel gemmKernel;

  /**
   * Which GEMM kernels run: {@code TILED} (local-memory tiles, for GPUs) or {@code BLOCKED} (4×4
   * register blocks, no barriers: faster on OpenCL CPU devices). Default: BLOCKED on a CPU device,
   * TILED elsewhere; {@code -Dpeftbench.tornado.gemm=tiled|blocked} overrides.
   */
  enum GemmKernel {
    TILED,
    BLOCKED
  }

  private TornadoBackend(GemmKernel gemmKernel) {
    TornadoDevice device = TornadoExecutionPlan.DEFAULT_DEVICE;
    this.deviceName =
        device.getPhysicalDevice().getDeviceName() + " (" + device.getTornadoVMBackend() + ")";
    this.gemmKernel = gemmKernel;
    this.gemm = new GemmOps(plans, gemmKernel);
    this.attention = new AttentionOps(plans, cpu);
  }

  /**
   * Starts the backend: loads the TornadoVM runtime, and runs a probe kernel whose result proves it
   * executed on the device. Throws whatever TornadoVM throws when the runtime or the device is
   * missing.
   */
  static TornadoBackend open() {
    String forced = System.getProperty("peftbench.tornado.gemm");
    GemmKernel kernel;
    if (forced != null) {
      kernel = GemmKernel.valueOf(forced.toUpperCase(java.util.Locale.ROOT));
    } else {
      boolean cpuDevice =
          TornadoExecutionPlan.DEFAULT_DEVICE.getDeviceType() == TornadoDeviceType.CPU;
      kernel = cpuDevice ? GemmKernel.BLOCKED : GemmKernel.TILED;
    }
    return open(kernel);
  }

  /** As {@link #open()} with the given GEMM kernels (tests run both). */
  static TornadoBackend open(GemmKernel gemmKernel) {
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

  // ---------------------------------------------------------------- elementwise

  private record BinaryPlan(
      KernelPlan plan, FloatArray a, FloatArray b, IntArray dims, FloatArray out) {}

  // out[N,C] = a[N,C] op b[C] (or b[N,C]); out may alias a
  private void binary(int op, Tensor a, Tensor b, Tensor out) {
    Checks.broadcast(a, b, out);
    int n = a.size(), bn = b.size();
    if (n == 0) {
      return;
    }
    int capA = DeviceBuffers.capacity(n), capB = DeviceBuffers.capacity(bn);
    BinaryPlan p =
        plans.get(
            List.of("binary", capA, capB),
            () -> {
              FloatArray x = new FloatArray(capA), y = new FloatArray(capB);
              FloatArray o = new FloatArray(capA);
              IntArray dims = new IntArray(3);
              TaskGraph g =
                  new TaskGraph("binary")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, y, dims)
                      .task("op", ElementwiseKernels::binary, new KernelContext(), x, y, dims, o)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o);
              return new BinaryPlan(new KernelPlan(g, "binary", "op"), x, y, dims, o);
            });
    DeviceBuffers.put(a, p.a);
    DeviceBuffers.put(b, p.b);
    DeviceBuffers.putInts(new int[] {n, bn, op}, p.dims);
    plans.run(p.plan.size1D("op", n));
    DeviceBuffers.get(p.out, out);
  }

  @Override
  public synchronized void add(Tensor a, Tensor b, Tensor out) {
    binary(ElementwiseKernels.ADD, a, b, out);
  }

  @Override
  public synchronized void mul(Tensor a, Tensor b, Tensor out) {
    binary(ElementwiseKernels.MUL, a, b, out);
  }

  private record AxpbyPlan(
      KernelPlan plan, FloatArray x, FloatArray y, IntArray dims, FloatArray params) {}

  // y = alpha·x + beta·y
  private void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out) {
    Checks.sameSize(x, out);
    int n = x.size();
    if (n == 0) {
      return;
    }
    int cap = DeviceBuffers.capacity(n);
    AxpbyPlan p =
        plans.get(
            List.of("axpby", cap),
            () -> {
              FloatArray xs = new FloatArray(cap), ys = new FloatArray(cap);
              FloatArray params = new FloatArray(2);
              IntArray dims = new IntArray(1);
              TaskGraph g =
                  new TaskGraph("axpby")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, ys, dims, params)
                      .task(
                          "op",
                          ElementwiseKernels::axpby,
                          new KernelContext(),
                          xs,
                          dims,
                          params,
                          ys)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, ys);
              return new AxpbyPlan(new KernelPlan(g, "axpby", "op"), xs, ys, dims, params);
            });
    DeviceBuffers.put(x, p.x);
    if (beta != 0f) {
      DeviceBuffers.put(y, p.y);
    }
    p.dims.set(0, n);
    p.params.set(0, alpha);
    p.params.set(1, beta);
    plans.run(p.plan.size1D("op", n));
    DeviceBuffers.get(p.y, out);
  }

  // out = s·a
  @Override
  public synchronized void scale(Tensor a, float s, Tensor out) {
    axpby(s, a, 0f, out, out);
  }

  // y += alpha·x
  @Override
  public synchronized void axpy(float alpha, Tensor x, Tensor y) {
    Checks.sameSize(x, y);
    axpby(alpha, x, 1f, y, y);
  }

  /** The kernel code of a unary op, or -1 when it runs on the CPU (GELU, tanh). */
  private static int unaryCode(UnaryOp op) {
    return switch (op) {
      case SILU -> ElementwiseKernels.SILU;
      case SIGMOID -> ElementwiseKernels.SIGMOID;
      case RELU -> ElementwiseKernels.RELU;
      case EXP -> ElementwiseKernels.EXP;
      default -> -1;
    };
  }

  private record UnaryPlan(
      KernelPlan plan, FloatArray x, FloatArray dy, IntArray dims, FloatArray out) {}

  // out = f(x)
  @Override
  public synchronized void unary(UnaryOp op, Tensor x, Tensor out) {
    Checks.sameSize(x, out);
    int code = unaryCode(op), n = x.size();
    if (code < 0 || n == 0) {
      cpu.unary(op, x, out);
      return;
    }
    int cap = DeviceBuffers.capacity(n);
    UnaryPlan p =
        plans.get(
            List.of("unary", cap),
            () -> {
              FloatArray xs = new FloatArray(cap), o = new FloatArray(cap);
              IntArray dims = new IntArray(2);
              TaskGraph g =
                  new TaskGraph("unary")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, dims)
                      .task("op", ElementwiseKernels::unary, new KernelContext(), xs, dims, o)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o);
              return new UnaryPlan(new KernelPlan(g, "unary", "op"), xs, null, dims, o);
            });
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.putInts(new int[] {n, code}, p.dims);
    plans.run(p.plan.size1D("op", n));
    DeviceBuffers.get(p.out, out);
  }

  // dx (+)= f'(x)·dy
  @Override
  public synchronized void unaryBackward(
      UnaryOp op, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
    Checks.sameSize(x, dy);
    Checks.sameSize(x, dx);
    int code = unaryCode(op), n = x.size();
    if (code < 0 || n == 0) {
      cpu.unaryBackward(op, x, dy, dx, accumulate);
      return;
    }
    int cap = DeviceBuffers.capacity(n);
    UnaryPlan p =
        plans.get(
            List.of("unaryBackward", cap),
            () -> {
              FloatArray xs = new FloatArray(cap), g = new FloatArray(cap);
              FloatArray o = new FloatArray(cap);
              IntArray dims = new IntArray(3);
              TaskGraph tg =
                  new TaskGraph("unaryBackward")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, g, dims, o)
                      .task(
                          "op",
                          ElementwiseKernels::unaryBackward,
                          new KernelContext(),
                          xs,
                          g,
                          dims,
                          o)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o);
              return new UnaryPlan(new KernelPlan(tg, "unaryBackward", "op"), xs, g, dims, o);
            });
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.put(dy, p.dy);
    if (accumulate) {
      DeviceBuffers.put(dx, p.out);
    }
    DeviceBuffers.putInts(new int[] {n, code, accumulate ? 1 : 0}, p.dims);
    plans.run(p.plan.size1D("op", n));
    DeviceBuffers.get(p.out, dx);
  }

  /**
   * SwiGLU, the gated activation of Llama's MLP, fused in one kernel: {@code out = silu(gate)·up}
   * (all three of one shape). Not part of {@link Backend}: the model composes it from {@link
   * #unary} and {@link #mul}; this is the one-pass version for callers that know the backend.
   */
  public synchronized void swiglu(Tensor gate, Tensor up, Tensor out) {
    Checks.sameSize(gate, up);
    Checks.sameSize(gate, out);
    int n = gate.size(), cap = DeviceBuffers.capacity(n);
    UnaryPlan p =
        plans.get(
            List.of("swiglu", cap),
            () -> {
              FloatArray g = new FloatArray(cap), u = new FloatArray(cap);
              FloatArray o = new FloatArray(cap);
              IntArray dims = new IntArray(1);
              TaskGraph tg =
                  new TaskGraph("swiglu")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, g, u, dims)
                      .task("op", ElementwiseKernels::swiglu, new KernelContext(), g, u, dims, o)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o);
              return new UnaryPlan(new KernelPlan(tg, "swiglu", "op"), g, u, dims, o);
            });
    DeviceBuffers.put(gate, p.x);
    DeviceBuffers.put(up, p.dy);
    p.dims.set(0, n);
    plans.run(p.plan.size1D("op", n));
    DeviceBuffers.get(p.out, out);
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

  private record RowPlan(KernelPlan plan, FloatArray x, IntArray dims, FloatArray out) {}

  // out[N,C] = softmax(x) row-wise; out may alias x
  @Override
  public synchronized void softmax(Tensor x, Tensor out) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols(), n = x.size();
    if (n == 0) {
      return;
    }
    int cap = DeviceBuffers.capacity(n);
    RowPlan p =
        plans.get(
            List.of("softmax", cap),
            () -> {
              FloatArray xs = new FloatArray(cap), o = new FloatArray(cap);
              IntArray dims = new IntArray(2);
              TaskGraph g =
                  new TaskGraph("softmax")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, dims)
                      .task("rows", RowKernels::softmax, new KernelContext(), xs, dims, o)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o);
              return new RowPlan(new KernelPlan(g, "softmax", "rows"), xs, dims, o);
            });
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.putInts(new int[] {rows, cols}, p.dims);
    plans.run(p.plan.size1D("rows", rows));
    DeviceBuffers.get(p.out, out);
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

  private record NormPlan(
      KernelPlan plan,
      FloatArray x,
      FloatArray weight,
      FloatArray rstd,
      FloatArray dy,
      IntArray dims,
      FloatArray params,
      FloatArray out,
      FloatArray dWeight) {}

  // out[N,C] = x·rstd·weight, rstd[N]
  @Override
  public synchronized void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
    Checks.sameSize(x, out);
    int rows = x.rows(), cols = x.cols();
    if (x.size() == 0) {
      return;
    }
    int cap = DeviceBuffers.capacity(x.size()), capRows = DeviceBuffers.capacity(rows);
    int capC = DeviceBuffers.capacity(cols);
    NormPlan p =
        plans.get(
            List.of("rmsNorm", cap, capRows, capC),
            () -> {
              FloatArray xs = new FloatArray(cap), w = new FloatArray(capC);
              FloatArray rs = new FloatArray(capRows), o = new FloatArray(cap);
              FloatArray params = new FloatArray(1);
              IntArray dims = new IntArray(2);
              TaskGraph g =
                  new TaskGraph("rmsNorm")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, w, dims, params)
                      .task(
                          "rows",
                          RowKernels::rmsNorm,
                          new KernelContext(),
                          xs,
                          w,
                          dims,
                          params,
                          o,
                          rs)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o, rs);
              return new NormPlan(
                  new KernelPlan(g, "rmsNorm", "rows"), xs, w, rs, null, dims, params, o, null);
            });
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.put(weight, p.weight);
    DeviceBuffers.putInts(new int[] {rows, cols}, p.dims);
    p.params.set(0, eps);
    plans.run(p.plan.size1D("rows", rows));
    DeviceBuffers.get(p.out, out);
    if (rstd != null) {
      DeviceBuffers.get(p.rstd, rstd);
    }
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
    int rows = x.rows(), cols = x.cols();
    if (x.size() == 0) {
      return;
    }
    int cap = DeviceBuffers.capacity(x.size()), capRows = DeviceBuffers.capacity(rows);
    int capC = DeviceBuffers.capacity(cols);
    NormPlan p =
        plans.get(
            List.of("rmsNormBackward", cap, capRows, capC),
            () -> {
              FloatArray xs = new FloatArray(cap), w = new FloatArray(capC);
              FloatArray rs = new FloatArray(capRows), g = new FloatArray(cap);
              FloatArray o = new FloatArray(cap), dw = new FloatArray(capC);
              IntArray dims = new IntArray(3);
              TaskGraph tg =
                  new TaskGraph("rmsNormBackward")
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, w, rs, g, dims, o, dw)
                      .task(
                          "input",
                          RowKernels::rmsNormBackwardInput,
                          new KernelContext(),
                          xs,
                          w,
                          rs,
                          g,
                          dims,
                          o)
                      .task(
                          "weight",
                          RowKernels::rmsNormBackwardWeight,
                          new KernelContext(),
                          xs,
                          rs,
                          g,
                          dims,
                          dw)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, o, dw);
              return new NormPlan(
                  new KernelPlan(tg, "rmsNormBackward", "input", "weight"),
                  xs,
                  w,
                  rs,
                  g,
                  dims,
                  null,
                  o,
                  dw);
            });
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.put(weight, p.weight);
    DeviceBuffers.put(rstd, p.rstd);
    DeviceBuffers.put(dy, p.dy);
    if (accumulate) {
      DeviceBuffers.put(dx, p.out);
    }
    if (dWeight != null) {
      DeviceBuffers.put(dWeight, p.dWeight);
    }
    DeviceBuffers.putInts(new int[] {rows, cols, accumulate ? 1 : 0}, p.dims);
    p.plan.size1D("input", rows).size1D("weight", cols);
    plans.run(p.plan);
    DeviceBuffers.get(p.out, dx);
    if (dWeight != null) {
      DeviceBuffers.get(p.dWeight, dWeight);
    }
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

  private record RopePlan(KernelPlan plan, FloatArray x, IntArray positions, IntArray dims) {}

  // x[N,H,D] rotated in place by the angles of positions[N]
  @Override
  public synchronized void rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
    int d = x.dim(-1), heads = x.dim(-2), rows = x.size() / (heads * d);
    if (d != table.headDim() || positions.length != rows) {
      throw new IllegalArgumentException(
          "rope on "
              + x
              + " with "
              + positions.length
              + " positions and head dim "
              + table.headDim());
    }
    for (int p : positions) {
      if (p < 0 || p >= table.maxPositions()) {
        throw new IllegalArgumentException(
            "rope position " + p + " outside the table's " + table.maxPositions() + " positions");
      }
    }
    if (rows == 0) {
      return;
    }
    int cap = DeviceBuffers.capacity(x.size()), capRows = DeviceBuffers.capacity(rows);
    RopePlan p =
        plans.get(
            List.of("rope", new IdentityKey(table), cap, capRows),
            () -> {
              FloatArray xs = new FloatArray(cap);
              IntArray pos = new IntArray(capRows), dims = new IntArray(4);
              FloatArray cos = FloatArray.fromArray(table.cosTable());
              FloatArray sin = FloatArray.fromArray(table.sinTable());
              TaskGraph g =
                  new TaskGraph("rope")
                      .transferToDevice(DataTransferMode.FIRST_EXECUTION, cos, sin)
                      .transferToDevice(DataTransferMode.EVERY_EXECUTION, xs, pos, dims)
                      .task("rot", RowKernels::rope, new KernelContext(), xs, pos, cos, sin, dims)
                      .transferToHost(DataTransferMode.EVERY_EXECUTION, xs);
              return new RopePlan(new KernelPlan(g, "rope", "rot"), xs, pos, dims);
            });
    DeviceBuffers.put(x, p.x);
    DeviceBuffers.putInts(positions, p.positions);
    DeviceBuffers.putInts(new int[] {rows, heads, d, inverse ? 1 : 0}, p.dims);
    plans.run(p.plan.size1D("rot", rows * heads * (d / 2)));
    DeviceBuffers.get(p.x, x);
  }

  /** Equality by object identity (for keys holding objects without value equality). */
  private record IdentityKey(Object object) {
    @Override
    public boolean equals(Object o) {
      return o instanceof IdentityKey k && k.object == object;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(object);
    }
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
    attention.backward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
  }
}
