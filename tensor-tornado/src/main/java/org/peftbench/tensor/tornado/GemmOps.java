package org.peftbench.tensor.tornado;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Storage;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Checks;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The host side of the device GEMM ({@link GemmKernels}): {@code C[M,N] (+)= op(A)·op(B)}.
 *
 * <p>A heap F32 B (an activation, or a trainable adapter that changes every step) is sent with
 * every run. A B backed by a memory segment is a frozen weight: it is copied once into a TornadoVM
 * array (F32 as is, BF16/F16 as raw 16-bit patterns), cached by its storage and offset, and sent to
 * the device only on the first run of each plan that uses it ({@code FIRST_EXECUTION}); the 16-bit
 * kernels decode it through a 65,536-entry table. One plan per (weight, buffer capacities).
 */
final class GemmOps {
  private final Plans plans;
  private final GemmKernel gemmKernel;
  private final CpuBackend cpu = new CpuBackend();
  private final Map<WeightKey, Object> weights = new HashMap<>();
  private final Map<DType, FloatArray> decodeTables = new HashMap<>();

  GemmOps(Plans plans, GemmKernel gemmKernel) {
    this.plans = plans;
    this.gemmKernel = gemmKernel;
  }

  /** A weight's identity: its storage object and where in it the tensor starts. */
  private record WeightKey(Storage storage, long offset, long numel) {
    static WeightKey of(Tensor t) {
      return new WeightKey(t.storage(), t.longOffset(), t.numel());
    }
  }

  private record GemmPlan(
      KernelPlan plan, FloatArray a, FloatArray b, FloatArray c, IntArray dims) {}

  // C[M,N] (+)= op(A)[M,K] · op(B)[K,N]
  void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, boolean accumulate) {
    Checks.matmul(a, transA, b, transB, c);
    int m = c.dim(0), n = c.dim(1), k = transA ? a.dim(0) : a.dim(1);
    if (m == 0 || n == 0 || k == 0) {
      cpu.matmul(a, transA, b, transB, c, accumulate);
      return;
    }
    boolean frozen = !b.isHeapF32();
    int capA = DeviceBuffers.capacity(a.size()), capC = DeviceBuffers.capacity(c.size());
    GemmPlan p;
    if (!frozen) {
      int capB = DeviceBuffers.capacity(b.size());
      p =
          plans.get(
              List.of("gemm", capA, capB, capC),
              () -> gemmPlan(capA, new FloatArray(capB), true, null, null, capC));
    } else {
      WeightKey w = WeightKey.of(b);
      DType dt = b.dtype();
      // A and C share one capacity so that a Linear's forward (x·Wᵀ: A [M,in], C [M,out]) and its
      // input gradient (dY·W: A [M,out], C [M,in]) use the same plan: one device copy per weight
      int cap = Math.max(capA, capC);
      p =
          plans.get(
              List.of("gemmW", w, cap),
              () -> {
                if (dt == DType.BF16 || dt == DType.F16) {
                  ShortArray bits =
                      (ShortArray) weights.computeIfAbsent(w, x -> DeviceBuffers.weightBits(b));
                  return gemmPlan(cap, null, false, bits, decodeTable(dt), cap);
                }
                FloatArray f =
                    (FloatArray) weights.computeIfAbsent(w, x -> DeviceBuffers.weightF32(b));
                return gemmPlan(cap, f, false, null, null, cap);
              });
    }
    DeviceBuffers.put(a, p.a);
    if (!frozen) {
      DeviceBuffers.put(b, p.b);
    }
    if (accumulate) {
      DeviceBuffers.put(c, p.c);
    }
    int[] dims = {
      m, n, k, transA ? 1 : k, transA ? m : 1, transB ? 1 : n, transB ? k : 1, accumulate ? 1 : 0
    };
    DeviceBuffers.putInts(dims, p.dims);
    gemmKernel.size(p.plan, "mm", m, n);
    plans.run(p.plan);
    DeviceBuffers.get(p.c, c);
  }

  /**
   * A GEMM plan: the 16-bit kernel when {@code bBits} is given (with its decode table), else the
   * F32 one. B is sent on every run ({@code bEveryRun}: a trainable or activation operand) or once
   * (a frozen weight, kept on the device).
   */
  private GemmPlan gemmPlan(
      int capA, FloatArray bF32, boolean bEveryRun, ShortArray bBits, FloatArray decode, int capC) {
    FloatArray a = new FloatArray(capA), c = new FloatArray(capC);
    IntArray dims = new IntArray(8);
    TaskGraph g;
    String name;
    if (bBits != null) {
      name = "gemm16";
      g =
          new TaskGraph(name)
              .transferToDevice(DataTransferMode.FIRST_EXECUTION, bBits, decode)
              .transferToDevice(DataTransferMode.EVERY_EXECUTION, a, c, dims);
      g = gemmKernel.add16(g, "mm", a, bBits, decode, c, dims);
    } else {
      name = "gemm";
      g =
          new TaskGraph(name)
              .transferToDevice(
                  bEveryRun ? DataTransferMode.EVERY_EXECUTION : DataTransferMode.FIRST_EXECUTION,
                  bF32)
              .transferToDevice(DataTransferMode.EVERY_EXECUTION, a, c, dims);
      g = gemmKernel.addF32(g, "mm", a, bF32, c, dims);
    }
    g = g.transferToHost(DataTransferMode.EVERY_EXECUTION, c);
    KernelPlan plan = gemmKernel.group(new KernelPlan(g, name), "mm");
    return new GemmPlan(plan, a, bF32, c, dims);
  }

  private FloatArray decodeTable(DType dtype) {
    return decodeTables.computeIfAbsent(dtype, DeviceBuffers::decodeTable);
  }
}
