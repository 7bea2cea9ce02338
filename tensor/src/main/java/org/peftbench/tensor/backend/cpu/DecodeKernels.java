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
import org.peftbench.tensor.SegmentStorage;
import org.peftbench.tensor.Tensor;

/**
 * The kernels of one token-by-token decode step on the CPU, each over a caller-given range so a
 * {@link org.peftbench.tensor.WorkerTeam} can split the work without a task per call.
 *
 * <p>Decode is bound by the bytes of the weights: every weight row is read once per step and dotted
 * with the B input rows while it sits in L1. {@link #matVec} streams rows straight from their
 * storage (heap F32, or a mapped F32/BF16 segment; F16 rows are widened into a scratch row first).
 * BF16 rows are loaded as int lanes, two values per int, against the input split once into its even
 * and odd elements ({@link #splitEvenOdd}): {@code int << 16} is the even element and {@code int &
 * 0xFFFF0000} the odd one.
 *
 * <p>Every output element is computed by one fixed sequence of operations that does not depend on
 * which range it was in, so splitting the rows differently among workers gives the same bits. Only
 * lanewise IEEE operations and {@link Simd#exp} are used: no reduction of unspecified order.
 */
public final class DecodeKernels {
  private DecodeKernels() {}

  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final int MASK_HI = 0xFFFF0000;
  private static final ValueLayout.OfInt I32_LE =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** How {@link #matVec} reads a weight. */
  public enum WeightPath {
    HEAP_F32,
    SEGMENT_F32,
    SEGMENT_BF16,
    WIDENED
  }

  /** The path {@link #matVec} takes for {@code w [N,K]}. */
  public static WeightPath pathOf(Tensor w) {
    if (w.isHeapF32()) {
      return WeightPath.HEAP_F32;
    }
    boolean vectorLoadable =
        w.storage() instanceof SegmentStorage
            && I.length() == L
            && (w.segment().isNative()
                || w.segment().heapBase().map(b -> b instanceof byte[]).orElse(true));
    if (vectorLoadable && w.dtype() == DType.F32) {
      return WeightPath.SEGMENT_F32;
    }
    if (vectorLoadable && w.dtype() == DType.BF16 && w.dim(1) % 2 == 0) {
      return WeightPath.SEGMENT_BF16;
    }
    return WeightPath.WIDENED;
  }

  /**
   * {@code even[b, t] = x[b, 2t]}, {@code odd[b, t] = x[b, 2t+1]} for {@code x [B,K]} (K even): the
   * input layout the BF16 path reads.
   */
  public static void splitEvenOdd(float[] x, int batch, int k, float[] even, float[] odd) {
    int h = k / 2;
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < h; t++) {
        even[b * h + t] = x[b * k + 2 * t];
        odd[b * h + t] = x[b * k + 2 * t + 1];
      }
    }
  }

  /**
   * {@code y[b, j] = Σ_k x[b, k] · W[j, k]} for rows {@code j ∈ [j0, j1)} of {@code W [N,K]} and
   * {@code b < batch}; {@code x [B,K]}, {@code y [B,N]}.
   *
   * <p>Rows are read one after another, front to back: W's rows are contiguous, so this is one
   * sequential stream per worker, which the hardware prefetcher follows best (interleaving four
   * rows measured 30% slower here). A row stays in L1 while it is dotted with the other inputs.
   *
   * @param even {@code [B,K/2]} from {@link #splitEvenOdd} (BF16 path; else ignored, may be null)
   * @param odd likewise
   * @param scratch {@code K} floats (the widened path; else ignored, may be null)
   */
  public static void matVec(
      Tensor w,
      WeightPath path,
      float[] x,
      float[] even,
      float[] odd,
      int batch,
      float[] y,
      int j0,
      int j1,
      float[] scratch) {
    int n = w.dim(0), k = w.dim(1);
    for (int j = j0; j < j1; j++) {
      if (path == WeightPath.WIDENED) {
        Simd.decode(w, (long) j * k, scratch, 0, k);
      }
      for (int b = 0; b < batch; b++) {
        y[b * n + j] =
            switch (path) {
              case HEAP_F32 -> dotHeap(x, b * k, w.array(), w.offset() + j * k, k);
              case WIDENED -> dotHeap(x, b * k, scratch, 0, k);
              case SEGMENT_F32 ->
                  dotF32(x, b * k, w.segment(), (w.longOffset() + (long) j * k) * 4, k);
              case SEGMENT_BF16 ->
                  dotBf16(
                      even, odd, b * (k / 2), w.segment(), (w.longOffset() + (long) j * k) * 2, k);
            };
      }
    }
  }

  // Σ_t x[xo+t]·w[wo+t] over k: four accumulators, then a fixed-order tail
  private static float dotHeap(float[] x, int xo, float[] w, int wo, int k) {
    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
    int t = 0;
    for (; t + 4 * L <= k; t += 4 * L) {
      s0 = FloatVector.fromArray(F, w, wo + t).fma(FloatVector.fromArray(F, x, xo + t), s0);
      s1 = FloatVector.fromArray(F, w, wo + t + L).fma(FloatVector.fromArray(F, x, xo + t + L), s1);
      s2 =
          FloatVector.fromArray(F, w, wo + t + 2 * L)
              .fma(FloatVector.fromArray(F, x, xo + t + 2 * L), s2);
      s3 =
          FloatVector.fromArray(F, w, wo + t + 3 * L)
              .fma(FloatVector.fromArray(F, x, xo + t + 3 * L), s3);
    }
    for (; t + L <= k; t += L) {
      s0 = FloatVector.fromArray(F, w, wo + t).fma(FloatVector.fromArray(F, x, xo + t), s0);
    }
    float d = Simd.sumByHalves(s0.add(s1).add(s2.add(s3)));
    for (; t < k; t++) {
      d += x[xo + t] * w[wo + t];
    }
    return d;
  }

  // the same over an F32 segment (memory-mapped weights); {@code at} in bytes
  private static float dotF32(float[] x, int xo, MemorySegment seg, long at, int k) {
    ByteOrder le = ByteOrder.LITTLE_ENDIAN;
    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
    int t = 0;
    for (; t + 4 * L <= k; t += 4 * L) {
      long a = at + 4L * t;
      s0 =
          FloatVector.fromMemorySegment(F, seg, a, le).fma(FloatVector.fromArray(F, x, xo + t), s0);
      s1 =
          FloatVector.fromMemorySegment(F, seg, a + 4L * L, le)
              .fma(FloatVector.fromArray(F, x, xo + t + L), s1);
      s2 =
          FloatVector.fromMemorySegment(F, seg, a + 8L * L, le)
              .fma(FloatVector.fromArray(F, x, xo + t + 2 * L), s2);
      s3 =
          FloatVector.fromMemorySegment(F, seg, a + 12L * L, le)
              .fma(FloatVector.fromArray(F, x, xo + t + 3 * L), s3);
    }
    for (; t + L <= k; t += L) {
      s0 =
          FloatVector.fromMemorySegment(F, seg, at + 4L * t, le)
              .fma(FloatVector.fromArray(F, x, xo + t), s0);
    }
    float d = Simd.sumByHalves(s0.add(s1).add(s2.add(s3)));
    for (; t < k; t++) {
      d += x[xo + t] * seg.get(Simd.F32_LE, at + 4L * t);
    }
    return d;
  }

  // Σ_t even[t]·W[2t] + odd[t]·W[2t+1] over one BF16 row at byte {@code at}, K even
  private static float dotBf16(
      float[] even, float[] odd, int xo, MemorySegment seg, long at, int k) {
    ByteOrder le = ByteOrder.LITTLE_ENDIAN;
    int h = k / 2;
    FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0;
    FloatVector o0 = e0, o1 = e0, o2 = e0, o3 = e0;
    int t = 0;
    for (; t + 4 * L <= h; t += 4 * L) {
      long a = at + 4L * t;
      IntVector p0 = IntVector.fromMemorySegment(I, seg, a, le);
      IntVector p1 = IntVector.fromMemorySegment(I, seg, a + 4L * L, le);
      IntVector p2 = IntVector.fromMemorySegment(I, seg, a + 8L * L, le);
      IntVector p3 = IntVector.fromMemorySegment(I, seg, a + 12L * L, le);
      e0 = evens(p0).fma(FloatVector.fromArray(F, even, xo + t), e0);
      o0 = odds(p0).fma(FloatVector.fromArray(F, odd, xo + t), o0);
      e1 = evens(p1).fma(FloatVector.fromArray(F, even, xo + t + L), e1);
      o1 = odds(p1).fma(FloatVector.fromArray(F, odd, xo + t + L), o1);
      e2 = evens(p2).fma(FloatVector.fromArray(F, even, xo + t + 2 * L), e2);
      o2 = odds(p2).fma(FloatVector.fromArray(F, odd, xo + t + 2 * L), o2);
      e3 = evens(p3).fma(FloatVector.fromArray(F, even, xo + t + 3 * L), e3);
      o3 = odds(p3).fma(FloatVector.fromArray(F, odd, xo + t + 3 * L), o3);
    }
    for (; t + L <= h; t += L) {
      IntVector p0 = IntVector.fromMemorySegment(I, seg, at + 4L * t, le);
      e0 = evens(p0).fma(FloatVector.fromArray(F, even, xo + t), e0);
      o0 = odds(p0).fma(FloatVector.fromArray(F, odd, xo + t), o0);
    }
    float d = Simd.sumByHalves(e0.add(o0).add(e1.add(o1)).add(e2.add(o2).add(e3.add(o3))));
    for (; t < h; t++) {
      int q = seg.get(I32_LE, at + 4L * t);
      d +=
          even[xo + t] * Float.intBitsToFloat(q << 16)
              + odd[xo + t] * Float.intBitsToFloat(q & MASK_HI);
    }
    return d;
  }

  // the even (low) BF16 of each int lane as a float
  private static FloatVector evens(IntVector pairs) {
    return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
  }

  // the odd (high) BF16 of each int lane as a float
  private static FloatVector odds(IntVector pairs) {
    return pairs.and(MASK_HI).reinterpretAsFloats();
  }

  /** A small weight (a norm scale, a bias) as floats from index 0 (decoded once, at set-up). */
  public static float[] weightValues(Tensor w) {
    return Simd.weightArray(w);
  }

  /** {@code out[0..C) = table[id, 0..C)}: one embedding row, widened to F32. */
  public static void embeddingRow(Tensor table, int id, float[] out, int oo) {
    int c = table.dim(1);
    Simd.decode(table, (long) id * c, out, oo, c);
  }

  /**
   * {@code out = x · w / sqrt(mean(x²) + eps)} over {@code n} elements (RMSNorm of one row; also
   * the row kernel of the backend's batched RMSNorm).
   *
   * @return {@code 1 / sqrt(mean(x²) + eps)}
   */
  public static float rmsNorm(float[] x, int xo, float[] w, float eps, float[] out, int oo, int n) {
    float ss = Simd.dot(x, xo, x, xo, n);
    float rs = (float) (1.0 / Math.sqrt(ss / n + eps));
    int j = 0;
    for (; j + L <= n; j += L) {
      FloatVector.fromArray(F, x, xo + j)
          .mul(rs)
          .mul(FloatVector.fromArray(F, w, j))
          .intoArray(out, oo + j);
    }
    for (; j < n; j++) {
      out[oo + j] = x[xo + j] * rs * w[j];
    }
    return rs;
  }

  /**
   * Rotates one head {@code x[xo .. xo+D)} in place by position {@code p} (HF rotate-half: element
   * i pairs with i + D/2); {@code cos}/{@code sin} are a RoPE table's {@code [positions, D/2]}.
   */
  public static void rope(float[] x, int xo, int d, float[] cos, float[] sin, int p) {
    RopeEmbedding.rotateHead(x, xo, x, xo, cos, sin, p * (d / 2), d / 2, 1f);
  }

  /**
   * One query's attention over a KV cache: {@code out[D] = Σ_s softmax(scale · q·k_s) v_s} over the
   * key slots {@code s ∈ [from, to)} not flagged in {@code padding}. Keys and values are read in
   * place: slot s of this row and KV head starts at {@code base + s·stride}.
   *
   * @param scores at least {@code to - from} rounded up to the vector length, scratch
   * @return false when every key in the range is padding ({@code out} is then zero)
   */
  public static boolean attendOne(
      float[] q,
      int qo,
      float[] keys,
      float[] values,
      int base,
      int stride,
      int d,
      boolean[] padding,
      int padOffset,
      int from,
      int to,
      float scale,
      float[] scores,
      float[] out,
      int oo) {
    int n = to - from;
    float max = Float.NEGATIVE_INFINITY;
    for (int s = 0; s < n; s++) {
      int slot = from + s;
      float v =
          padding != null && padding[padOffset + slot]
              ? Float.NEGATIVE_INFINITY
              : scale * dot(q, qo, keys, base + slot * stride, d);
      scores[s] = v;
      max = Math.max(max, v);
    }
    java.util.Arrays.fill(out, oo, oo + d, 0f);
    if (max == Float.NEGATIVE_INFINITY) {
      return false;
    }
    // exp over whole vectors only (the tail padded with −∞, which gives 0): one exp everywhere
    int padded = (n + L - 1) / L * L;
    java.util.Arrays.fill(scores, n, padded, Float.NEGATIVE_INFINITY);
    FloatVector acc = FloatVector.zero(F);
    for (int s = 0; s < padded; s += L) {
      FloatVector e = Simd.exp(FloatVector.fromArray(F, scores, s).sub(max));
      e.intoArray(scores, s);
      acc = acc.add(e);
    }
    float inv = 1f / Simd.sum(acc);
    for (int s = 0; s < n; s++) {
      float p = scores[s];
      if (p != 0f) {
        Simd.axpy(p * inv, values, base + (from + s) * stride, out, oo, d);
      }
    }
    return true;
  }

  /** {@code Σ x[xo+i]·y[yo+i]} for {@code i < n} (short rows: one sum by halves at the end). */
  public static float dot(float[] x, int xo, float[] y, int yo, int n) {
    FloatVector s0 = FloatVector.zero(F), s1 = s0;
    int i = 0;
    for (; i + 2 * L <= n; i += 2 * L) {
      s0 = FloatVector.fromArray(F, x, xo + i).fma(FloatVector.fromArray(F, y, yo + i), s0);
      s1 = FloatVector.fromArray(F, x, xo + i + L).fma(FloatVector.fromArray(F, y, yo + i + L), s1);
    }
    for (; i + L <= n; i += L) {
      s0 = FloatVector.fromArray(F, x, xo + i).fma(FloatVector.fromArray(F, y, yo + i), s0);
    }
    float s = Simd.sumByHalves(s0.add(s1));
    for (; i < n; i++) {
      s += x[xo + i] * y[yo + i];
    }
    return s;
  }

  /** {@code out[i] = silu(g[i]) · u[i]} for {@code i ∈ [from, to)} (SwiGLU's gate). */
  public static void swiglu(float[] g, float[] u, float[] out, int from, int to) {
    int i = from;
    for (; i + L <= to; i += L) {
      FloatVector gv = FloatVector.fromArray(F, g, i);
      gv.div(Simd.exp(gv.neg()).add(1f)).mul(FloatVector.fromArray(F, u, i)).intoArray(out, i);
    }
    if (i < to) {
      // the tail through one vector as well, so every element gets the same exp
      float[] gt = new float[L], ut = new float[L];
      System.arraycopy(g, i, gt, 0, to - i);
      System.arraycopy(u, i, ut, 0, to - i);
      FloatVector gv = FloatVector.fromArray(F, gt, 0);
      gv.div(Simd.exp(gv.neg()).add(1f)).mul(FloatVector.fromArray(F, ut, 0)).intoArray(gt, 0);
      System.arraycopy(gt, 0, out, i, to - i);
    }
  }
}
