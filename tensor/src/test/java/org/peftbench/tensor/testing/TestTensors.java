package org.peftbench.tensor.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;

/**
 * Random inputs for kernel tests, shared by every module's tests through the {@code tensor}
 * test-jar: uniform and Gaussian tensors from a seeded {@link Random}, and weights in each storage
 * a checkpoint can have (heap F32, mapped F32, BF16/F16 segments).
 */
public final class TestTensors {
  private TestTensors() {}

  private static final ValueLayout.OfShort I16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat F32 =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final Arena ARENA = Arena.ofAuto();

  /** How a weight is stored. */
  public enum Store {
    HEAP_F32,
    SEGMENT_F32,
    BF16_HEAP_SEGMENT,
    BF16_HEAP_BYTES,
    BF16_NATIVE,
    F16_NATIVE
  }

  /** n values drawn uniformly from {@code [lo, hi)}. */
  public static float[] uniform(Random rnd, int n, float lo, float hi) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = lo + (hi - lo) * rnd.nextFloat();
    }
    return a;
  }

  /** A heap F32 tensor of this shape with values uniform in {@code [-1, 1)}. */
  public static Tensor rand(Random rnd, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return Tensor.of(uniform(rnd, n, -1f, 1f), shape);
  }

  /** A heap F32 tensor of this shape with values {@code std · N(0, 1)}. */
  public static Tensor gaussian(Random rnd, float std, int... shape) {
    Tensor t = Tensor.zeros(shape);
    float[] a = t.array();
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (std * rnd.nextGaussian());
    }
    return t;
  }

  /** A copy of {@code t} as a little-endian segment of {@code dtype}, like a mapped weight. */
  public static Tensor asSegment(Tensor t, DType dtype) {
    MemorySegment seg = ARENA.allocate((long) t.size() * dtype.byteSize(), 16);
    Tensor w = Tensor.ofSegment(seg, dtype, t.shape());
    for (int i = 0; i < t.size(); i++) {
      w.set(i, t.get(i));
    }
    return w;
  }

  /** A weight with these values (rounded to the storage's precision) in the given storage. */
  public static Tensor weight(float[] values, Store store, int... shape) {
    int n = values.length;
    switch (store) {
      case HEAP_F32 -> {
        return Tensor.of(values.clone(), shape);
      }
      case SEGMENT_F32 -> {
        MemorySegment seg = ARENA.allocate(4L * n);
        for (int i = 0; i < n; i++) {
          seg.setAtIndex(F32, i, values[i]);
        }
        return Tensor.ofSegment(seg, DType.F32, shape);
      }
      case BF16_HEAP_SEGMENT, BF16_HEAP_BYTES, BF16_NATIVE, F16_NATIVE -> {
        MemorySegment seg =
            switch (store) {
              case BF16_HEAP_SEGMENT -> MemorySegment.ofArray(new short[n]);
              case BF16_HEAP_BYTES -> MemorySegment.ofArray(new byte[2 * n]);
              default -> ARENA.allocate(2L * n);
            };
        boolean f16 = store == Store.F16_NATIVE;
        for (int i = 0; i < n; i++) {
          seg.setAtIndex(I16, i, f16 ? Half.floatToF16(values[i]) : Half.floatToBf16(values[i]));
        }
        return Tensor.ofSegment(seg, f16 ? DType.F16 : DType.BF16, shape);
      }
      default -> throw new AssertionError(store);
    }
  }
}
