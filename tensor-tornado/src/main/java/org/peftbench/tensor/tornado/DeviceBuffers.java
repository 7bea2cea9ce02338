package org.peftbench.tensor.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Moving tensors in and out of TornadoVM's off-heap arrays. Buffers are sized to a {@link
 * #capacity} (the next power of two) so a plan compiled for one size serves every smaller one.
 */
final class DeviceBuffers {
  private DeviceBuffers() {}

  /** Buffer size for {@code n} elements: a power of two, at least 64. */
  static int capacity(int n) {
    int c = 64;
    while (c < n) {
      c <<= 1;
    }
    return c;
  }

  static int roundUp(int n, int multiple) {
    return (n + multiple - 1) / multiple * multiple;
  }

  /** Copies heap F32 tensor {@code t} to the start of {@code dst}. */
  static void put(Tensor t, FloatArray dst) {
    if (t.isHeapF32()) {
      MemorySegment.copy(
          t.array(), t.offset(), dst.getSegment(), ValueLayout.JAVA_FLOAT, 0, t.size());
    } else {
      float[] values = t.toFloatArray();
      MemorySegment.copy(values, 0, dst.getSegment(), ValueLayout.JAVA_FLOAT, 0, values.length);
    }
  }

  /** Copies the first {@code t.size()} elements of {@code src} into heap F32 tensor {@code t}. */
  static void get(FloatArray src, Tensor t) {
    MemorySegment.copy(
        src.getSegment(), ValueLayout.JAVA_FLOAT, 0, t.array(), t.offset(), t.size());
  }

  static void putInts(int[] values, IntArray dst) {
    MemorySegment.copy(values, 0, dst.getSegment(), ValueLayout.JAVA_INT, 0, values.length);
  }

  /** A weight's values as F32 (segment F32 copied as is; anything else decoded). */
  static FloatArray weightF32(Tensor w) {
    FloatArray out = new FloatArray(w.size());
    if (!w.isHeapF32() && w.dtype() == DType.F32) {
      // safetensors files are little-endian, like every host TornadoVM runs on (x86-64, AArch64)
      MemorySegment.copy(w.segment(), w.longOffset() * 4, out.getSegment(), 0, w.numel() * 4);
    } else {
      put(w, out);
    }
    return out;
  }

  /** A BF16/F16 weight's raw 16-bit patterns, undecoded (the kernel decodes them). */
  static ShortArray weightBits(Tensor w) {
    ShortArray out = new ShortArray(w.size());
    MemorySegment.copy(w.segment(), w.longOffset() * 2, out.getSegment(), 0, w.numel() * 2);
    return out;
  }

  /** The exact float of every 16-bit pattern of {@code dtype} (BF16 or F16): 65,536 entries. */
  static FloatArray decodeTable(DType dtype) {
    FloatArray table = new FloatArray(1 << 16);
    for (int bits = 0; bits < 1 << 16; bits++) {
      short s = (short) bits;
      table.set(bits, dtype == DType.BF16 ? Half.bf16ToFloat(s) : Half.f16ToFloat(s));
    }
    return table;
  }
}
