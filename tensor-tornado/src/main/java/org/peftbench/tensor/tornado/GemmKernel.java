package org.peftbench.tensor.tornado;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Which GEMM kernels a backend runs, and the one place that adds a GEMM task to a graph and sizes
 * its grid ({@link GemmOps} for single GEMMs, {@link LayerOps} for the fused layer, {@link
 * TrainStepGraph} for the frozen projections of the resident training step). All three take the
 * same {@code dims = {M, N, K, aRowStride, aColStride, bRowStride, bColStride, accumulate}} and
 * compute the same {@code C[M,N] (+)= op(A)·op(B)}:
 *
 * <ul>
 *   <li>{@link #REGISTER_TILED}: {@link GemmRegisterTiles}, 64×64 blocks of C per 16×16 group, 4×4
 *       per work-item, double-buffered local memory. The default on GPUs (and any non-CPU device).
 *   <li>{@link #TILED}: {@link GemmKernels#gemmF32}, 16×16 local-memory tiles, one output per
 *       work-item (the first GPU kernel; kept for comparison).
 *   <li>{@link #BLOCKED}: {@link GemmKernels#gemmBlockedF32}, 4×4 register blocks without local
 *       memory or barriers: the default on CPU devices, where barriers split kernels into loops.
 * </ul>
 *
 * <p>{@code -Dpeftbench.tornado.gemm=register-tiled|tiled|blocked} forces one (tests use it to run
 * the GPU kernels on PoCL).
 */
enum GemmKernel {
  REGISTER_TILED("register-tiled", GemmRegisterTiles.GROUP, GemmRegisterTiles.GROUP, 4),
  TILED("tiled", GemmKernels.TILE, GemmKernels.TILE, 1),
  BLOCKED("blocked", GemmKernels.BLOCK_GROUP_X, GemmKernels.BLOCK_GROUP_Y, GemmKernels.BLOCK);

  /** The name {@code -Dpeftbench.tornado.gemm} takes. */
  final String property;

  /** Work-group shape (x along N, y along M). */
  final int groupX, groupY;

  /** Rows and columns of C per work-item. */
  final int perItem;

  GemmKernel(String property, int groupX, int groupY, int perItem) {
    this.property = property;
    this.groupX = groupX;
    this.groupY = groupY;
    this.perItem = perItem;
  }

  /** The kernel for this device: {@code peftbench.tornado.gemm} if set, else by device type. */
  static GemmKernel select(TornadoDeviceType deviceType) {
    String forced = System.getProperty("peftbench.tornado.gemm");
    if (forced != null) {
      return parse(forced);
    }
    return deviceType == TornadoDeviceType.CPU ? BLOCKED : REGISTER_TILED;
  }

  /** {@link #select} for TornadoVM's default device (the one every plan of the backend uses). */
  static GemmKernel forDefaultDevice() {
    return select(TornadoExecutionPlan.DEFAULT_DEVICE.getDeviceType());
  }

  /** The kernel named {@code name} ({@code register-tiled}, {@code tiled} or {@code blocked}). */
  static GemmKernel parse(String name) {
    String wanted = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (GemmKernel g : values()) {
      if (g.property.equals(wanted)) {
        return g;
      }
    }
    throw new IllegalArgumentException(
        "-Dpeftbench.tornado.gemm="
            + name
            + ": unknown GEMM kernel (one of "
            + Arrays.stream(values()).map(g -> g.property).collect(Collectors.joining(", "))
            + ")");
  }

  /** Adds task {@code name}: {@code C (+)= op(A)·op(B)} with B in F32. */
  TaskGraph addF32(
      TaskGraph g, String name, FloatArray a, FloatArray b, FloatArray c, IntArray dims) {
    KernelContext ctx = new KernelContext();
    return switch (this) {
      case REGISTER_TILED -> g.task(name, GemmRegisterTiles::gemmF32, ctx, a, b, c, dims);
      case TILED -> g.task(name, GemmKernels::gemmF32, ctx, a, b, c, dims);
      case BLOCKED -> g.task(name, GemmKernels::gemmBlockedF32, ctx, a, b, c, dims);
    };
  }

  /** Adds task {@code name}: {@code C (+)= op(A)·op(B)} with B as BF16/F16 bits and its table. */
  TaskGraph add16(
      TaskGraph g,
      String name,
      FloatArray a,
      ShortArray bits,
      FloatArray decode,
      FloatArray c,
      IntArray dims) {
    KernelContext ctx = new KernelContext();
    return switch (this) {
      case REGISTER_TILED -> g.task(name, GemmRegisterTiles::gemm16, ctx, a, bits, decode, c, dims);
      case TILED -> g.task(name, GemmKernels::gemm16, ctx, a, bits, decode, c, dims);
      case BLOCKED -> g.task(name, GemmKernels::gemmBlocked16, ctx, a, bits, decode, c, dims);
    };
  }

  /** Declares the work-group shape of GEMM task {@code task} (before the plan's first run). */
  KernelPlan group(KernelPlan plan, String task) {
    return plan.with2D(task, groupX, groupY);
  }

  /** Sets the grid of GEMM task {@code task} for a {@code C[m,n]}: ⌈n/per⌉ × ⌈m/per⌉ items. */
  KernelPlan size(KernelPlan plan, String task, int m, int n) {
    return plan.size2D(task, (n + perItem - 1) / perItem, (m + perItem - 1) / perItem);
  }
}
