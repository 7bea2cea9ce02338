package org.peftbench.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class TensorTest {
  private static final ValueLayout.OfShort I16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat F32 =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static float[] range(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  @Test
  void shapeQueries() {
    Tensor t = Tensor.of(range(24), 2, 3, 4);
    assertThat(t.rank()).isEqualTo(3);
    assertThat(t.dim(0)).isEqualTo(2);
    assertThat(t.dim(-1)).isEqualTo(4);
    assertThat(t.rows()).isEqualTo(6);
    assertThat(t.cols()).isEqualTo(4);
    assertThat(t.numel()).isEqualTo(24);
    assertThat(t.dtype()).isEqualTo(DType.F32);
    assertThat(t.isHeapF32()).isTrue();
    assertThat(t.shape()).containsExactly(2, 3, 4);
  }

  @Test
  void ofRejectsWrongLength() {
    assertThatThrownBy(() -> Tensor.of(new float[5], 2, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs 6 values, got 5");
  }

  @Test
  void reshapeSharesStorageAndInfersOneDimension() {
    Tensor t = Tensor.of(range(24), 2, 3, 4);
    Tensor r = t.reshape(-1, 4);
    assertThat(r.shape()).containsExactly(6, 4);
    assertThat(r.storage()).isSameAs(t.storage());
    r.set(5, 100f);
    assertThat(t.get(5)).isEqualTo(100f);
    assertThat(t.reshape(4, -1).shape()).containsExactly(4, 6);
    assertThatThrownBy(() -> t.reshape(5, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.reshape(-1, -1)).hasMessageContaining("only one -1");
    assertThatThrownBy(() -> t.reshape(5, 5)).hasMessageContaining("cannot reshape");
  }

  @Test
  void slice0IsAViewAtTheRightOffset() {
    Tensor t = Tensor.of(range(24), 4, 6);
    Tensor s = t.slice0(1, 3);
    assertThat(s.shape()).containsExactly(2, 6);
    assertThat(s.offset()).isEqualTo(6);
    assertThat(s.get(0)).isEqualTo(6f);
    assertThat(s.get(11)).isEqualTo(17f);
    s.set(0, -1f);
    assertThat(t.get(6)).isEqualTo(-1f);
    // a slice of a slice composes offsets
    Tensor ss = s.slice0(1, 2);
    assertThat(ss.get(0)).isEqualTo(12f);
    assertThat(t.slice0(2, 2).numel()).isZero();
    assertThatThrownBy(() -> t.slice0(3, 5)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> t.slice0(2, 1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void viewMustFitStorage() {
    Storage st = new HeapFloatStorage(new float[10]);
    assertThat(Tensor.view(st, 4, 2, 3).get(0)).isZero();
    assertThatThrownBy(() -> Tensor.view(st, 5, 2, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not fit");
  }

  @Test
  void readAndToF32DecodeSegments() {
    try (Arena arena = Arena.ofConfined()) {
      float[] values = {1f, -2.5f, 0.375f, 65504f, 1e-3f, 3.140625f};
      MemorySegment bf = arena.allocate(2L * values.length);
      MemorySegment hf = arena.allocate(2L * values.length);
      MemorySegment f32 = arena.allocate(4L * values.length);
      for (int i = 0; i < values.length; i++) {
        bf.setAtIndex(I16, i, Half.floatToBf16(values[i]));
        hf.setAtIndex(I16, i, Half.floatToF16(values[i]));
        f32.setAtIndex(F32, i, values[i]);
      }
      Tensor tb = Tensor.ofSegment(bf, DType.BF16, 2, 3);
      Tensor th = Tensor.ofSegment(hf, DType.F16, 2, 3);
      Tensor tf = Tensor.ofSegment(f32, DType.F32, 2, 3);
      assertThat(tb.dtype()).isEqualTo(DType.BF16);
      assertThat(tb.isHeapF32()).isFalse();
      for (int i = 0; i < values.length; i++) {
        assertThat(tb.get(i)).isEqualTo(Half.bf16ToFloat(Half.floatToBf16(values[i])));
        assertThat(th.get(i)).isEqualTo(Half.f16ToFloat(Half.floatToF16(values[i])));
        assertThat(tf.get(i)).isEqualTo(values[i]);
      }
      float[] dst = new float[5];
      tb.slice0(1, 2).read(1, dst, 2, 2); // elements 4 and 5
      assertThat(dst).containsExactly(0f, 0f, tb.get(4), tb.get(5), 0f);
      Tensor conv = th.toF32();
      assertThat(conv.isHeapF32()).isTrue();
      assertThat(conv.shape()).containsExactly(2, 3);
      assertThat(conv.toFloatArray()).containsExactly(th.toFloatArray());
      assertThat(tf.toF32().toFloatArray()).containsExactly(values);
      assertThat(conv.toFloatArray()[3]).isEqualTo(65504f);
      assertThatThrownBy(tb::array).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> conv.segment()).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void setEncodesIntoSegmentsAndCopyFromDecodes() {
    try (Arena arena = Arena.ofConfined()) {
      Tensor tb = Tensor.ofSegment(arena.allocate(8), DType.BF16, 4);
      tb.set(0, 1.00390625f); // exact tie between 1.0 and 1.0078125 → even (1.0)
      assertThat(tb.get(0)).isEqualTo(1f);
      Tensor heap = Tensor.of(new float[] {1, 2, 3, 4}, 4);
      tb.copyFrom(heap);
      assertThat(tb.toFloatArray()).containsExactly(1, 2, 3, 4);
      Tensor back = Tensor.zeros(2, 2);
      back.copyFrom(tb);
      assertThat(back.toFloatArray()).containsExactly(1, 2, 3, 4);
      back.fill(7f);
      assertThat(back.toFloatArray()).containsOnly(7f);
      assertThatThrownBy(() -> back.copyFrom(Tensor.zeros(3)))
          .hasMessageContaining("copy of 3 elements");
    }
  }

  @Test
  void negativeDimensionRejected() {
    assertThatThrownBy(() -> Tensor.zeros(2, -1)).hasMessageContaining("negative dimension");
  }
}
