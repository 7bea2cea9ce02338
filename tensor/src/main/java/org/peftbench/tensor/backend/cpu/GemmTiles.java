package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Simd.L;

/**
 * The blocking every GEMM path shares: the register tile ({@link #MR} × {@link #NR}), the cache
 * blocks of packed A and B ({@link #MC}, {@link #KC}, {@link #NC}) and the grow-only per-thread
 * buffers they are packed into. Kept apart from {@link Gemm} (the planner) so that the packing and
 * the micro-kernels depend on these numbers, not on the planner.
 */
final class GemmTiles {
  private GemmTiles() {}

  /** Rows of the register tile. */
  static final int MR = 4;

  /** Columns of the register tile: four vectors. */
  static final int NR = 4 * L;

  /** Depth of a packed B block. */
  static final int KC = 256;

  /** Width of a packed B block (a multiple of NR). */
  static final int NC = Math.max(NR, 512 / NR * NR);

  /** Rows of A packed at a time (an MC × KC block of A: 256 KiB). */
  static final int MC = 256;

  static final ThreadLocal<float[]> PACKED = ThreadLocal.withInitial(() -> new float[KC * NC]);

  static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(
          () -> new float[][] {new float[L * KC], new float[MR * NR], new float[MC * KC]});

  /** Panels of NR columns per cache block of packed B (NC columns). */
  static final int PANELS_PER_BLOCK = NC / NR;

  /**
   * The calling thread's buffer in {@code slot}, grown to {@code floats} if needed, kept for reuse.
   */
  static float[] grown(ThreadLocal<float[]> slot, long floats) {
    float[] buf = slot.get();
    if (buf.length < floats) {
      buf = new float[(int) floats];
      slot.set(buf);
    }
    return buf;
  }

  static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
