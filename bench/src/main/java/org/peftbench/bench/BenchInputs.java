package org.peftbench.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;

/** Seeded random inputs shared by the benchmarks (the values do not matter, only the shapes). */
final class BenchInputs {
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private BenchInputs() {}

  /** A heap F32 tensor of the given shape with values uniform in [-1, 1). */
  static Tensor random(SplittableRandom rnd, int... shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] v = new float[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return Tensor.of(v, shape);
  }

  /**
   * A segment-backed tensor in {@code dtype} (F32, BF16 or F16), as memory-mapped weights are
   * stored: the kernels decode BF16/F16 while packing, so this is what a frozen weight looks like.
   */
  static Tensor weight(SplittableRandom rnd, Arena arena, String dtype, int rows, int cols) {
    if (dtype.equals("f32")) {
      return random(rnd, rows, cols);
    }
    DType type =
        switch (dtype) {
          case "bf16" -> DType.BF16;
          case "f16" -> DType.F16;
          default -> throw new IllegalArgumentException("weight dtype f32, bf16 or f16: " + dtype);
        };
    long count = (long) rows * cols;
    MemorySegment seg = arena.allocate(2 * count, 64);
    for (long i = 0; i < count; i++) {
      float x = (float) (rnd.nextDouble() * 2 - 1);
      seg.setAtIndex(LE_SHORT, i, type == DType.BF16 ? Half.floatToBf16(x) : Half.floatToF16(x));
    }
    return Tensor.ofSegment(seg, type, rows, cols);
  }

  /** {@code n} token ids below {@code vocab}. */
  static int[] ids(SplittableRandom rnd, int n, int vocab) {
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = rnd.nextInt(vocab);
    }
    return ids;
  }

  /** Parses "AxBxC" into its numbers. */
  static int[] dims(String shape) {
    String[] parts = shape.split("x");
    int[] d = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      d[i] = Integer.parseInt(parts[i]);
    }
    return d;
  }
}
