package org.peftbench.tensor;

/**
 * Element types a tensor can hold. Names match the safetensors header ({@link #safetensorsName}).
 * Computation is always F32; BF16 and F16 are storage formats decoded on the fly.
 */
public enum DType {
  F32(4, "F32"),
  BF16(2, "BF16"),
  F16(2, "F16"),
  I32(4, "I32"),
  I64(8, "I64");

  private final int byteSize;
  private final String safetensorsName;

  DType(int byteSize, String safetensorsName) {
    this.byteSize = byteSize;
    this.safetensorsName = safetensorsName;
  }

  public int byteSize() {
    return byteSize;
  }

  public String safetensorsName() {
    return safetensorsName;
  }

  public boolean isFloat() {
    return this == F32 || this == BF16 || this == F16;
  }

  /** The dtype named {@code name} in a safetensors header, or null when we do not know it. */
  public static DType fromSafetensorsName(String name) {
    for (DType d : values()) {
      if (d.safetensorsName.equals(name)) {
        return d;
      }
    }
    return null;
  }
}
