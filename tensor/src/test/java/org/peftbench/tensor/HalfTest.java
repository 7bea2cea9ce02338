package org.peftbench.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfTest {
  private static short bf16(int floatBits) {
    return Half.floatToBf16(Float.intBitsToFloat(floatBits));
  }

  @Test
  void bf16ExactValuesRoundTrip() {
    for (float f : new float[] {0f, -0f, 1f, -2f, 0.5f, 3.140625f, Float.POSITIVE_INFINITY}) {
      assertThat(Half.bf16ToFloat(Half.floatToBf16(f))).isEqualTo(f);
    }
    assertThat(Half.floatToBf16(1f)).isEqualTo((short) 0x3F80);
    assertThat(Half.bf16ToFloat((short) 0xC000)).isEqualTo(-2f);
  }

  @Test
  void bf16RoundsToNearest() {
    assertThat(bf16(0x3F807FFF)).isEqualTo((short) 0x3F80); // just below half an ulp: down
    assertThat(bf16(0x3F808001)).isEqualTo((short) 0x3F81); // just above: up
    assertThat(bf16(0xBF808001)).isEqualTo((short) 0xBF81); // same for negatives (magnitude up)
  }

  @Test
  void bf16TiesGoToEven() {
    assertThat(bf16(0x3F808000)).isEqualTo((short) 0x3F80); // 0x3F80 is even: stays
    assertThat(bf16(0x3F818000)).isEqualTo((short) 0x3F82); // 0x3F81 is odd: up to even
    assertThat(bf16(0xBF818000)).isEqualTo((short) 0xBF82);
    // a tie that carries into the exponent
    assertThat(bf16(0x3FFF8000)).isEqualTo((short) 0x4000);
  }

  @Test
  void bf16OverflowsToInfinity() {
    assertThat(bf16(0x7F7FFFFF)).isEqualTo((short) 0x7F80); // Float.MAX_VALUE → +inf
    assertThat(bf16(0xFF7FFFFF)).isEqualTo((short) 0xFF80);
  }

  @Test
  void bf16NaNStaysQuietNaN() {
    for (int bits : new int[] {0x7FC00000, 0x7F800001, 0x7FFFFFFF, 0xFF800001, 0x7F80FFFF}) {
      short h = bf16(bits);
      assertThat(Float.isNaN(Half.bf16ToFloat(h))).as("0x%08X", bits).isTrue();
      assertThat(h & 0x0040).as("quiet bit of 0x%08X", bits).isNotZero();
    }
  }

  @Test
  void f16ConversionsMatchIeee() {
    assertThat(Half.floatToF16(1f)).isEqualTo((short) 0x3C00);
    assertThat(Half.floatToF16(-2f)).isEqualTo((short) 0xC000);
    assertThat(Half.f16ToFloat((short) 0x7BFF)).isEqualTo(65504f); // largest normal
    assertThat(Half.f16ToFloat((short) 0x0001)).isEqualTo(5.9604645e-8f); // smallest subnormal
    assertThat(Half.floatToF16(65520f)).isEqualTo((short) 0x7C00); // rounds up to +inf
    assertThat(Half.floatToF16(1f + 0x1p-11f)).isEqualTo((short) 0x3C00); // tie → even
    assertThat(Half.floatToF16(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3C02); // tie → even
    assertThat(Float.isNaN(Half.f16ToFloat(Half.floatToF16(Float.NaN)))).isTrue();
  }
}
