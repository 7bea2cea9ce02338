package org.peftbench.tensor;

/** Conversions between F32 and the 16-bit float formats BF16 and F16 (IEEE binary16). */
public final class Half {
  private Half() {}

  /** BF16 bits → float: the BF16 value is the top half of an F32. */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /** float → BF16 bits, rounding to nearest even (as PyTorch does); NaN stays a quiet NaN. */
  public static short floatToBf16(float f) {
    int x = Float.floatToRawIntBits(f);
    if ((x & 0x7FFFFFFF) > 0x7F800000) {
      return (short) ((x >>> 16) | 0x0040);
    }
    int lsb = (x >>> 16) & 1;
    int rounded = x + 0x7FFF + lsb;
    return (short) (rounded >>> 16);
  }

  /** F16 bits → float (exact; Java's own conversion). */
  public static float f16ToFloat(short bits) {
    return Float.float16ToFloat(bits);
  }

  /** float → F16 bits, round to nearest even (Java's own conversion). */
  public static short floatToF16(float f) {
    return Float.floatToFloat16(f);
  }
}
