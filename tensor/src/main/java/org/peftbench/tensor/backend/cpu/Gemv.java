package org.peftbench.tensor.backend.cpu;

import static org.peftbench.tensor.backend.cpu.Simd.F;
import static org.peftbench.tensor.backend.cpu.Simd.L;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.SegmentStorage;
import org.peftbench.tensor.Tensor;

/**
 * Matrix-vector products {@code C[M,N] (+)= A[M,K] · W[N,K]ᵀ} for a few rows M (token-by-token
 * generation: M = batch), reading every weight row once, directly in its stored type: no packing
 * and no decoded copy. Decode is bound by the bytes of W, so BF16 weights (half the bytes) should
 * be faster than F32, never slower.
 *
 * <p>BF16 rows are loaded as int lanes, two BF16 values per int: {@code int << 16} is the even
 * element as a float and {@code int & 0xFFFF0000} the odd one, so x is split once into its even and
 * odd elements and each int vector feeds two FMAs. Four weight rows share each x load.
 *
 * <p>Each output element is one dot product over K in a fixed order, computed by one task: the
 * result does not depend on the thread count or on how rows are split into tasks.
 */
final class Gemv {
  private Gemv() {}

  /** Most rows of A handled here (more rows: the blocked GEMM reuses W better). */
  static final int MAX_M = 8;

  /** Weight rows per task: enough work per task, and at least a few tasks per thread. */
  private static final int ROWS_PER_TASK = 64;

  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final int MASK_HI = 0xFFFF0000;
  private static final ValueLayout.OfInt I32_LE =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Whether {@link #nt} handles {@code A[M,K] · W[N,K]ᵀ} with this weight. */
  static boolean supports(Tensor a, Tensor w, int m) {
    if (m > MAX_M || !a.isHeapF32() || I.length() != L) {
      return false;
    }
    if (w.isHeapF32()) {
      return true;
    }
    if (!(w.storage() instanceof SegmentStorage) || !vectorLoadable(w.segment())) {
      return false;
    }
    return w.dtype() == DType.F32 || (w.dtype() == DType.BF16 && w.dim(1) % 2 == 0);
  }

  // vector loads from a heap segment need a byte[] behind it
  private static boolean vectorLoadable(MemorySegment seg) {
    return seg.isNative() || seg.heapBase().map(base -> base instanceof byte[]).orElse(true);
  }

  // C[M,N] (+)= A[M,K] · W[N,K]ᵀ, parallel over blocks of N
  static void nt(Tensor a, Tensor w, Tensor c, boolean accumulate) {
    int m = c.dim(0), n = c.dim(1), k = a.dim(1);
    float[] A = a.array(), C = c.array();
    int ao = a.offset(), co = c.offset();
    boolean bf16 = !w.isHeapF32() && w.dtype() == DType.BF16;
    // BF16: x split into even / odd elements, once per call
    float[][] split = bf16 ? splitEvenOdd(A, ao, m, k) : null;
    Parallel.forEach(
        (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
        task -> {
          int j0 = task * ROWS_PER_TASK, j1 = Math.min(n, j0 + ROWS_PER_TASK);
          float[] dots = new float[4];
          for (int i = 0; i < m; i++) {
            for (int j = j0; j < j1; j += 4) {
              int rows = Math.min(4, j1 - j);
              if (bf16) {
                dotsBf16(split[0], split[1], i * (k / 2), w, j, rows, k, dots);
              } else if (w.isHeapF32()) {
                dotsHeap(A, ao + i * k, w.array(), w.offset(), j, rows, k, dots);
              } else {
                dotsF32Segment(A, ao + i * k, w, j, rows, k, dots);
              }
              for (int r = 0; r < rows; r++) {
                int at = co + i * n + j + r;
                C[at] = accumulate ? C[at] + dots[r] : dots[r];
              }
            }
          }
        });
  }

  private static float[][] splitEvenOdd(float[] a, int ao, int m, int k) {
    int h = k / 2;
    float[] even = new float[m * h], odd = new float[m * h];
    for (int i = 0; i < m; i++) {
      for (int t = 0; t < h; t++) {
        even[i * h + t] = a[ao + i * k + 2 * t];
        odd[i * h + t] = a[ao + i * k + 2 * t + 1];
      }
    }
    return new float[][] {even, odd};
  }

  // dots[r] = Σ_k x[k] · W[j+r, k] for r < rows; W heap F32 [N,K]
  private static void dotsHeap(
      float[] x, int xo, float[] w, int wo, int j, int rows, int k, float[] dots) {
    if (rows < 4) {
      for (int r = 0; r < rows; r++) {
        dots[r] = Simd.dot(x, xo, w, wo + (j + r) * k, k);
      }
      return;
    }
    int w0 = wo + j * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
    int t = 0;
    for (; t + L <= k; t += L) {
      FloatVector xv = FloatVector.fromArray(F, x, xo + t);
      s0 = FloatVector.fromArray(F, w, w0 + t).fma(xv, s0);
      s1 = FloatVector.fromArray(F, w, w1 + t).fma(xv, s1);
      s2 = FloatVector.fromArray(F, w, w2 + t).fma(xv, s2);
      s3 = FloatVector.fromArray(F, w, w3 + t).fma(xv, s3);
    }
    dots[0] = Simd.sum(s0);
    dots[1] = Simd.sum(s1);
    dots[2] = Simd.sum(s2);
    dots[3] = Simd.sum(s3);
    for (; t < k; t++) {
      dots[0] += x[xo + t] * w[w0 + t];
      dots[1] += x[xo + t] * w[w1 + t];
      dots[2] += x[xo + t] * w[w2 + t];
      dots[3] += x[xo + t] * w[w3 + t];
    }
  }

  // the same over an F32 segment (memory-mapped weights)
  private static void dotsF32Segment(
      float[] x, int xo, Tensor w, int j, int rows, int k, float[] dots) {
    MemorySegment seg = w.segment();
    for (int r = 0; r < rows; r++) {
      long base = (w.longOffset() + (long) (j + r) * k) * 4;
      FloatVector s0 = FloatVector.zero(F), s1 = s0;
      int t = 0;
      for (; t + 2 * L <= k; t += 2 * L) {
        s0 =
            FloatVector.fromMemorySegment(F, seg, base + 4L * t, ByteOrder.LITTLE_ENDIAN)
                .fma(FloatVector.fromArray(F, x, xo + t), s0);
        s1 =
            FloatVector.fromMemorySegment(F, seg, base + 4L * (t + L), ByteOrder.LITTLE_ENDIAN)
                .fma(FloatVector.fromArray(F, x, xo + t + L), s1);
      }
      for (; t + L <= k; t += L) {
        s0 =
            FloatVector.fromMemorySegment(F, seg, base + 4L * t, ByteOrder.LITTLE_ENDIAN)
                .fma(FloatVector.fromArray(F, x, xo + t), s0);
      }
      float d = Simd.sum(s0.add(s1));
      for (; t < k; t++) {
        d += x[xo + t] * seg.getAtIndex(Simd.F32_LE, base / 4 + t);
      }
      dots[r] = d;
    }
  }

  // dots[r] = Σ_t even[t]·W[j+r, 2t] + odd[t]·W[j+r, 2t+1]; W BF16 [N,K] in a segment, K even
  private static void dotsBf16(
      float[] even, float[] odd, int xo, Tensor w, int j, int rows, int k, float[] dots) {
    MemorySegment seg = w.segment();
    int h = k / 2;
    for (int r = 0; r < rows; r++) {
      long base = (w.longOffset() + (long) (j + r) * k) * 2; // bytes; one int = two BF16
      FloatVector se = FloatVector.zero(F), so = se;
      int t = 0;
      for (; t + L <= h; t += L) {
        IntVector pair =
            IntVector.fromMemorySegment(I, seg, base + 4L * t, ByteOrder.LITTLE_ENDIAN);
        FloatVector lo = pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        FloatVector hi = pair.and(MASK_HI).reinterpretAsFloats();
        se = lo.fma(FloatVector.fromArray(F, even, xo + t), se);
        so = hi.fma(FloatVector.fromArray(F, odd, xo + t), so);
      }
      float d = Simd.sum(se.add(so));
      for (; t < h; t++) {
        int pair = seg.get(I32_LE, base + 4L * t);
        d += even[xo + t] * Float.intBitsToFloat(pair << 16);
        d += odd[xo + t] * Float.intBitsToFloat(pair & MASK_HI);
      }
      dots[r] = d;
    }
  }
}
