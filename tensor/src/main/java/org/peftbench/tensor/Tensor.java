package org.peftbench.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense, row-major, contiguous n-dimensional array. Computation happens in F32 on heap arrays;
 * BF16/F16 (and F32) weights may instead live in a memory-mapped {@link MemorySegment} and are
 * decoded on the fly by the kernels that read them.
 *
 * <p>Views ({@link #reshape}, {@link #rows}) share the storage and copy nothing. {@link #close()}
 * releases the storage for all views; call it on tensors you own when you are done, so the {@link
 * MemoryTracker} sees the memory go. Inside an open {@link TensorArena} (a training loop) closing
 * also hands a heap array back for reuse, so a closed tensor must not be read there any more.
 */
public final class Tensor implements AutoCloseable {
  static final ValueLayout.OfFloat F32_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfShort I16_LE =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final int[] shape;
  private final Storage storage;
  private final long offset; // in elements
  private final long numel;

  private Tensor(int[] shape, Storage storage, long offset) {
    this.shape = shape;
    this.storage = storage;
    this.offset = offset;
    this.numel = count(shape);
    if (offset < 0 || offset + numel > storage.size()) {
      throw new IllegalArgumentException(
          "view "
              + Arrays.toString(shape)
              + " at offset "
              + offset
              + " does not fit a storage of "
              + storage.size()
              + " elements");
    }
  }

  // ---- creation ----

  /** A new zero-filled F32 tensor on the heap. */
  public static Tensor zeros(int... shape) {
    long n = count(shape);
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "tensor too large for the heap: " + Arrays.toString(shape));
    }
    return new Tensor(shape.clone(), HeapFloatStorage.zeros((int) n), 0);
  }

  /**
   * A new F32 heap tensor for an output that a kernel overwrites entirely: zero-filled outside a
   * {@link TensorArena}, but inside one its values are whatever a recycled array held (clearing it
   * first would write every byte twice).
   */
  public static Tensor empty(int... shape) {
    long n = count(shape);
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "tensor too large for the heap: " + Arrays.toString(shape));
    }
    return new Tensor(shape.clone(), HeapFloatStorage.empty((int) n), 0);
  }

  /** Wraps {@code data} (not copied) as an F32 tensor of the given shape. */
  public static Tensor of(float[] data, int... shape) {
    if (count(shape) != data.length) {
      throw new IllegalArgumentException(
          "shape "
              + Arrays.toString(shape)
              + " needs "
              + count(shape)
              + " values, got "
              + data.length);
    }
    return new Tensor(shape.clone(), new HeapFloatStorage(data), 0);
  }

  /** A tensor over {@code storage} starting at element {@code offset}. */
  public static Tensor view(Storage storage, long offset, int... shape) {
    return new Tensor(shape.clone(), storage, offset);
  }

  /** A tensor over a segment holding values of {@code dtype} (e.g. a mapped weight). */
  public static Tensor ofSegment(MemorySegment segment, DType dtype, int... shape) {
    return new Tensor(shape.clone(), new SegmentStorage(segment, dtype), 0);
  }

  // ---- shape ----

  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  /** Size of dimension {@code i}; negative {@code i} counts from the end. */
  public int dim(int i) {
    return shape[i < 0 ? shape.length + i : i];
  }

  public long numel() {
    return numel;
  }

  /** Number of elements as an int (heap tensors always fit). */
  public int size() {
    return Math.toIntExact(numel);
  }

  /** Product of all dimensions but the last: the number of rows of the matrix view. */
  public int rows() {
    return shape.length == 0 ? 1 : Math.toIntExact(numel / shape[shape.length - 1]);
  }

  /** Size of the last dimension. */
  public int cols() {
    return shape.length == 0 ? 1 : shape[shape.length - 1];
  }

  public DType dtype() {
    return storage.dtype();
  }

  public Storage storage() {
    return storage;
  }

  public boolean isHeapF32() {
    return storage instanceof HeapFloatStorage;
  }

  // ---- raw access for kernels ----

  /** The backing array of a heap F32 tensor; elements start at {@link #offset()}. */
  public float[] array() {
    if (storage instanceof HeapFloatStorage h) {
      return h.array();
    }
    throw new IllegalStateException(
        "tensor "
            + Arrays.toString(shape)
            + " is "
            + dtype()
            + " in a segment, not a heap F32 array");
  }

  /** Offset of the first element within the storage, in elements. */
  public int offset() {
    return Math.toIntExact(offset);
  }

  /** Offset in elements as a long (segments can exceed 2^31 elements). */
  public long longOffset() {
    return offset;
  }

  /** The backing segment of a segment tensor (its first element at {@link #longOffset()}). */
  public MemorySegment segment() {
    if (storage instanceof SegmentStorage s) {
      return s.segment();
    }
    throw new IllegalStateException("tensor " + Arrays.toString(shape) + " is on the heap");
  }

  /** Element {@code i} of the flattened tensor, decoded to float. */
  public float get(long i) {
    long at = offset + i;
    return switch (storage) {
      case HeapFloatStorage h -> h.array()[(int) at];
      case SegmentStorage s ->
          switch (s.dtype()) {
            case F32 -> s.segment().getAtIndex(F32_LE, at);
            case BF16 -> Half.bf16ToFloat(s.segment().getAtIndex(I16_LE, at));
            case F16 -> Half.f16ToFloat(s.segment().getAtIndex(I16_LE, at));
            case I32 ->
                s.segment()
                    .getAtIndex(
                        ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at);
            case I64 ->
                s.segment()
                    .getAtIndex(
                        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at);
          };
    };
  }

  /**
   * Sets element {@code i} of the flattened tensor (heap F32 or a writable F32/BF16/F16 segment).
   */
  public void set(long i, float v) {
    long at = offset + i;
    switch (storage) {
      case HeapFloatStorage h -> h.array()[(int) at] = v;
      case SegmentStorage s -> {
        switch (s.dtype()) {
          case F32 -> s.segment().setAtIndex(F32_LE, at, v);
          case BF16 -> s.segment().setAtIndex(I16_LE, at, Half.floatToBf16(v));
          case F16 -> s.segment().setAtIndex(I16_LE, at, Half.floatToF16(v));
          default -> throw new IllegalStateException("cannot store a float in " + s.dtype());
        }
      }
    }
  }

  /**
   * Decodes {@code count} elements starting at flat index {@code from} into {@code dst[dstOff..]}.
   */
  public void read(long from, float[] dst, int dstOff, int count) {
    if (storage instanceof HeapFloatStorage h) {
      System.arraycopy(h.array(), (int) (offset + from), dst, dstOff, count);
      return;
    }
    SegmentStorage s = (SegmentStorage) storage;
    MemorySegment seg = s.segment();
    long base = offset + from;
    switch (s.dtype()) {
      case F32 -> MemorySegment.copy(seg, F32_LE, base * 4, dst, dstOff, count);
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          dst[dstOff + i] = Half.bf16ToFloat(seg.getAtIndex(I16_LE, base + i));
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          dst[dstOff + i] = Half.f16ToFloat(seg.getAtIndex(I16_LE, base + i));
        }
      }
      default -> {
        for (int i = 0; i < count; i++) {
          dst[dstOff + i] = get(from + i);
        }
      }
    }
  }

  // ---- views and copies ----

  /** The same elements with another shape (one dimension may be -1). No copy. */
  public Tensor reshape(int... newShape) {
    int[] s = newShape.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < s.length; i++) {
      if (s[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException("only one -1 allowed in " + Arrays.toString(newShape));
        }
        infer = i;
      } else {
        known *= s[i];
      }
    }
    if (infer >= 0) {
      if (known == 0 || numel % known != 0) {
        throw new IllegalArgumentException(
            "cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
      }
      s[infer] = (int) (numel / known);
    }
    if (count(s) != numel) {
      throw new IllegalArgumentException(
          "cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
    }
    return new Tensor(s, storage, offset);
  }

  /** Rows {@code [from, to)} along the first dimension, as a view. */
  public Tensor slice0(int from, int to) {
    if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
      throw new IndexOutOfBoundsException(
          "slice [" + from + ", " + to + ") of dimension 0 of " + Arrays.toString(shape));
    }
    long inner = shape[0] == 0 ? 0 : numel / shape[0];
    int[] s = shape.clone();
    s[0] = to - from;
    return new Tensor(s, storage, offset + from * inner);
  }

  /** A new heap F32 tensor with the same shape and values (decoded if 16-bit). */
  public Tensor toF32() {
    Tensor t = empty(shape);
    read(0, t.array(), 0, t.size());
    return t;
  }

  /** A copy of the values as a fresh array. */
  public float[] toFloatArray() {
    float[] a = new float[size()];
    read(0, a, 0, a.length);
    return a;
  }

  /** Copies the values of {@code src} (same number of elements) into this tensor. */
  public void copyFrom(Tensor src) {
    if (src.numel != numel) {
      throw new IllegalArgumentException(
          "copy of " + src.numel + " elements into " + numel + " (" + Arrays.toString(shape) + ")");
    }
    if (isHeapF32()) {
      src.read(0, array(), offset(), size());
    } else {
      for (long i = 0; i < numel; i++) {
        set(i, src.get(i));
      }
    }
  }

  /** Sets every element to {@code v}. */
  public void fill(float v) {
    if (isHeapF32()) {
      Arrays.fill(array(), offset(), offset() + size(), v);
    } else {
      for (long i = 0; i < numel; i++) {
        set(i, v);
      }
    }
  }

  @Override
  public void close() {
    storage.release();
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape) + " " + dtype();
  }

  static long count(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      n *= d;
    }
    return n;
  }
}
