package org.peftbench.tensor.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.peftbench.tensor.Tensor;

/**
 * Small Vector API building blocks shared by the CPU kernels: the species, dot products, and
 * decoding of weights (heap F32, or a segment in F32/BF16/F16) into float arrays.
 */
final class Simd {
  private Simd() {}

  /** The widest float vector of this CPU (16 lanes with AVX-512). */
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  static final int L = F.length();

  /** The widest double vector: sums of floats accumulate in its lanes. */
  static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

  /** Shorts with as many lanes as {@link #F}: one BF16/F16 value per float lane. */
  static final VectorSpecies<Short> S16 =
      ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(L * 16));

  static final VectorSpecies<Integer> I32 = IntVector.SPECIES_PREFERRED;

  // ---------------------------------------------------------------- deterministic building blocks
  //
  // The Vector API leaves the order of a floating-point reduceLanes(ADD) unspecified, and its
  // EXP/TANH may differ by an ulp between the JIT's intrinsic and the interpreter's fallback, so a
  // kernel using them could change its last bits with JIT state (or thread timing). Everything
  // below is built from lanewise IEEE operations only, which give the same bits everywhere.

  private static final VectorShuffle<Float> SWAP_HALF = VectorShuffle.fromOp(F, i -> i ^ (L / 2));
  private static final VectorShuffle<Float> SWAP_QUARTER =
      VectorShuffle.fromOp(F, i -> i ^ Math.max(1, L / 4));
  private static final VectorShuffle<Float> SWAP_EIGHTH =
      VectorShuffle.fromOp(F, i -> i ^ Math.max(1, L / 8));
  private static final VectorShuffle<Float> SWAP_SIXTEENTH =
      VectorShuffle.fromOp(F, i -> i ^ Math.max(1, L / 16));

  /** Σ of the lanes of v, by a fixed pairwise tree. */
  static float sum(FloatVector v) {
    v = v.add(v.rearrange(SWAP_HALF));
    if (L >= 4) {
      v = v.add(v.rearrange(SWAP_QUARTER));
    }
    if (L >= 8) {
      v = v.add(v.rearrange(SWAP_EIGHTH));
    }
    if (L >= 16) {
      v = v.add(v.rearrange(SWAP_SIXTEENTH));
    }
    return v.lane(0);
  }

  private static final VectorSpecies<Float> F128 = FloatVector.SPECIES_128;
  private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
  private static final VectorShuffle<Float> SWAP2_128 = VectorShuffle.fromOp(F128, i -> i ^ 2);
  private static final VectorShuffle<Float> SWAP1_128 = VectorShuffle.fromOp(F128, i -> i ^ 1);

  /**
   * Σ of the lanes of v by another fixed tree: the vector's halves are added (an extract, not a
   * cross-lane shuffle) down to 128 bits, then two in-lane swaps. Cheaper than {@link
   * #sum(FloatVector)} where the vector is wider than 128 bits; the kernels that sum once per
   * weight row use it. Same bits everywhere (lanewise IEEE additions in a fixed order).
   */
  static float sumByHalves(FloatVector v) {
    if (L == 16) {
      v =
          ((FloatVector) v.reinterpretShape(F256, 0))
              .add((FloatVector) v.reinterpretShape(F256, 1));
    }
    if (L >= 8) {
      v =
          ((FloatVector) v.reinterpretShape(F128, 0))
              .add((FloatVector) v.reinterpretShape(F128, 1));
    } else if (L != 4) {
      return sum(v);
    }
    v = v.add(v.rearrange(SWAP2_128));
    v = v.add(v.rearrange(SWAP1_128));
    return v.lane(0);
  }

  /** Σ of the lanes of v, in lane order. */
  static double sum(DoubleVector v) {
    double s = 0;
    for (int i = 0; i < v.length(); i++) {
      s += v.lane(i);
    }
    return s;
  }

  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;

  /** 1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer in the low bits. */
  private static final float ROUNDER = 12582912f;

  private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

  /**
   * e^x on every lane (Cephes' expf polynomial: within about 2 ulp of the exact value, 0 below −104
   * and for −∞, +∞ above 89, NaN for NaN). x = n·ln2 + r with |r| ≤ ln2/2; e^r by a degree-7
   * polynomial; 2^n applied in two halves so that results down in the subnormals stay right.
   */
  static FloatVector exp(FloatVector x) {
    FloatVector xc = x.max(-104f).min(89f);
    FloatVector t = xc.fma(LOG2E, ROUNDER);
    FloatVector n = t.sub(ROUNDER);
    FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
    r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
    FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
    p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
    p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
    p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
    p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
    p = p.fma(r.mul(r), r).add(1f);
    IntVector ni = t.reinterpretAsInts().sub(ROUNDER_BITS);
    IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
    FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    FloatVector e = p.mul(s1).mul(s2);
    return e.blend(0f, x.compare(VectorOperators.LT, -104f));
  }

  /** Bounds within which {@link #expNormal} computes e^x: 2ⁿ of its range reduction is normal. */
  private static final float EXP_NORMAL_LO = -87f, EXP_NORMAL_HI = 88f;

  /**
   * e^x on every lane for x clamped to [−87, 88]: {@link #exp}'s polynomial with one scaling by a
   * normal 2ⁿ instead of its handling of subnormal and zero results (7 vector operations fewer).
   * For sigmoids, where e^−87 and e^88 round 1 + e^x as 0 and +∞ would (to 1, and to a huge value
   * whose reciprocal is ~0).
   */
  static FloatVector expNormal(FloatVector x) {
    FloatVector xc = x.max(EXP_NORMAL_LO).min(EXP_NORMAL_HI);
    FloatVector t = xc.fma(LOG2E, ROUNDER);
    FloatVector n = t.sub(ROUNDER);
    FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
    r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
    FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
    p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
    p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
    p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
    p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
    p = p.fma(r.mul(r), r).add(1f);
    // the low bits of t hold n; n + 127 shifted into the exponent field is 2ⁿ (n in [−126, 127])
    IntVector biased = t.reinterpretAsInts().sub(ROUNDER_BITS - 127);
    return p.mul(biased.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
  }

  /**
   * tanh on every lane: Cephes' odd polynomial below |x| = 0.625 (where 1 − 2/(e^{2x}+1) would lose
   * relative precision), else 1 − 2/(e^{2|x|}+1) with x's sign.
   */
  static FloatVector tanh(FloatVector x) {
    FloatVector ax = x.abs();
    FloatVector big =
        FloatVector.broadcast(F, 1f).sub(FloatVector.broadcast(F, 2f).div(exp(ax.mul(2f)).add(1f)));
    big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
    FloatVector z = x.mul(x);
    FloatVector p = z.fma(-5.70498872745e-3f, 2.06390887954e-2f);
    p = p.fma(z, FloatVector.broadcast(F, -5.37397155531e-2f));
    p = p.fma(z, FloatVector.broadcast(F, 1.33314422036e-1f));
    p = p.fma(z, FloatVector.broadcast(F, -3.33332819422e-1f));
    FloatVector small = p.mul(z).fma(x, x);
    return big.blend(small, ax.compare(VectorOperators.LT, 0.625f));
  }

  /** Σ x[xo+i]·y[yo+i] for i < n, vectorised (fixed order for fixed n). */
  static float dot(float[] x, int xo, float[] y, int yo, int n) {
    FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
    int i = 0;
    for (; i + 2 * L <= n; i += 2 * L) {
      acc0 = FloatVector.fromArray(F, x, xo + i).fma(FloatVector.fromArray(F, y, yo + i), acc0);
      acc1 =
          FloatVector.fromArray(F, x, xo + i + L)
              .fma(FloatVector.fromArray(F, y, yo + i + L), acc1);
    }
    for (; i + L <= n; i += L) {
      acc0 = FloatVector.fromArray(F, x, xo + i).fma(FloatVector.fromArray(F, y, yo + i), acc0);
    }
    float s = sum(acc0.add(acc1));
    for (; i < n; i++) {
      s += x[xo + i] * y[yo + i];
    }
    return s;
  }

  /** y[yo+i] += a·x[xo+i] for i < n. */
  static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
    int i = 0;
    if (n >= L) {
      FloatVector va = FloatVector.broadcast(F, a);
      for (; i + L <= n; i += L) {
        FloatVector.fromArray(F, x, xo + i)
            .fma(va, FloatVector.fromArray(F, y, yo + i))
            .intoArray(y, yo + i);
      }
    }
    for (; i < n; i++) {
      y[yo + i] += a * x[xo + i];
    }
  }

  /** x[xo+i] *= a for i < n. */
  static void scale(float[] x, int xo, float a, int n) {
    int i = 0;
    for (; i + L <= n; i += L) {
      FloatVector.fromArray(F, x, xo + i).mul(a).intoArray(x, xo + i);
    }
    for (; i < n; i++) {
      x[xo + i] *= a;
    }
  }

  /**
   * Decodes elements {@code [from, from+count)} of {@code t}'s flattened storage view into {@code
   * dst[dstOff..]}: F32 is copied, BF16 widened with vector shifts, F16 converted by the CPU's
   * half-float instruction (Java intrinsic).
   */
  static void decode(Tensor t, long from, float[] dst, int dstOff, int count) {
    if (t.isHeapF32()) {
      System.arraycopy(t.array(), t.offset() + (int) from, dst, dstOff, count);
      return;
    }
    MemorySegment seg = t.segment();
    long at = t.longOffset() + from;
    switch (t.dtype()) {
      case F32 -> MemorySegment.copy(seg, F32_LE, at * 4, dst, dstOff, count);
      case BF16 -> {
        int i = 0;
        // vector loads from a heap segment need a byte[] behind it (not e.g. a short[])
        boolean vectorLoads =
            seg.isNative() || seg.heapBase().map(base -> base instanceof byte[]).orElse(true);
        for (; vectorLoads && i + L <= count; i += L) {
          ShortVector s =
              ShortVector.fromMemorySegment(S16, seg, (at + i) * 2, ByteOrder.LITTLE_ENDIAN);
          ((IntVector) s.convertShape(VectorOperators.S2I, I32, 0))
              .lanewise(VectorOperators.LSHL, 16)
              .reinterpretAsFloats()
              .intoArray(dst, dstOff + i);
        }
        for (; i < count; i++) {
          dst[dstOff + i] = Float.intBitsToFloat((seg.getAtIndex(I16_LE, at + i) & 0xFFFF) << 16);
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          dst[dstOff + i] = Float.float16ToFloat(seg.getAtIndex(I16_LE, at + i));
        }
      }
      default -> throw new IllegalArgumentException("not a float tensor: " + t);
    }
  }

  /** The values of a small weight (a norm scale, a bias) as a float array starting at index 0. */
  static float[] weightArray(Tensor w) {
    if (w.isHeapF32() && w.offset() == 0 && w.array().length == w.size()) {
      return w.array();
    }
    float[] a = new float[w.size()];
    decode(w, 0, a, 0, a.length);
    return a;
  }

  static final java.lang.foreign.ValueLayout.OfFloat F32_LE =
      java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final java.lang.foreign.ValueLayout.OfShort I16_LE =
      java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
}
