package org.peftbench.tensor.safetensors;

import java.util.Arrays;
import org.peftbench.tensor.DType;

/**
 * One entry of a safetensors header.
 *
 * @param name the tensor's name
 * @param dtypeName the dtype as written in the header ("F32", "BF16", "F64", ...)
 * @param shape the dimensions (row-major)
 * @param begin first byte of the data, relative to the start of the data area
 * @param end one past the last byte, relative to the start of the data area
 */
public record TensorInfo(String name, String dtypeName, int[] shape, long begin, long end) {

  public TensorInfo {
    shape = shape.clone();
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** The dtype, or null when it is a valid safetensors dtype that this engine cannot compute on. */
  public DType dtype() {
    return DType.fromSafetensorsName(dtypeName);
  }

  /** Whether {@link #dtype()} is one the tensor engine supports. */
  public boolean supported() {
    return dtype() != null;
  }

  /** Number of elements (1 for a scalar). */
  public long numel() {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  public long byteSize() {
    return end - begin;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name)
        && dtypeName.equals(t.dtypeName)
        && Arrays.equals(shape, t.shape)
        && begin == t.begin
        && end == t.end;
  }

  @Override
  public int hashCode() {
    return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(begin);
  }

  @Override
  public String toString() {
    return name + " " + dtypeName + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
  }
}
