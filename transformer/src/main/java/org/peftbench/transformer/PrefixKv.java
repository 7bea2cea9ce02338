package org.peftbench.transformer;

import org.peftbench.autograd.Var;

/**
 * One layer's prefix-tuning keys and values: extra leading keys every query may attend to. Like
 * HF's {@code past_key_values}, they are used as given (no RoPE is applied to them), and the real
 * tokens' positions start after them.
 *
 * @param keys {@code [B, P, Hkv, D]}
 * @param values {@code [B, P, Hkv, D]}
 */
public record PrefixKv(Var keys, Var values) {
  public PrefixKv {
    if (keys.rank() != 4
        || values.rank() != 4
        || !java.util.Arrays.equals(keys.shape(), values.shape())) {
      throw new IllegalArgumentException(
          "prefix keys and values must both be [B, P, Hkv, D], got " + keys + " and " + values);
    }
  }

  /** P, the number of virtual key positions. */
  public int length() {
    return keys.dim(1);
  }
}
