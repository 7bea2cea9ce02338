package org.peftbench.tensor.tornado;

import java.util.List;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Checks;
import org.peftbench.tensor.backend.UnaryOp;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The host side of the elementwise kernels ({@link ElementwiseKernels}): add/mul with broadcasting,
 * scale and axpy, the unary activations and their derivatives, fused SwiGLU. Inputs are copied in
 * and the result out on every call; one plan per operation and buffer capacity.
 */
final class ElementwiseOps {
  private final Plans plans;
  private final CpuBackend cpu;

  ElementwiseOps(Plans plans, CpuBackend cpu) {
    this.plans = plans;
    this.cpu = cpu;
  }

  private record BinaryPlan(
      KernelPlan plan, FloatArray a, FloatArray b, IntArray dims, FloatArray out) {}

  // out[N,C] = a[N,C] op b[C] (or b[N,C]); out may alias a
  void binary(int op, Tensor a, Tensor b, Tensor out) {
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

  private record AxpbyPlan(
      KernelPlan plan, FloatArray x, FloatArray y, IntArray dims, FloatArray params) {}

  // y = alpha·x + beta·y
  void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out) {
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
  void unary(UnaryOp op, Tensor x, Tensor out) {
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
  void unaryBackward(UnaryOp op, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
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

  /** SwiGLU fused: {@code out = silu(gate)·up}. */
  void swiglu(Tensor gate, Tensor up, Tensor out) {
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
}
