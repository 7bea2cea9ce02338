package org.peftbench.tensor.backend;

/**
 * Which keys each query may attend to in {@link Backend#attention}.
 *
 * <p>The key axis (length S) is laid out as {@code [prefix | past | current]}: the first {@code
 * prefix} keys (prefix tuning's virtual keys) are visible to every query; the remaining keys are
 * real positions {@code 0..S-prefix-1}. Query {@code t} (0-based within this call) sits at real
 * position {@code queryOffset + t} and, when {@code causal}, sees real keys at positions {@code <=}
 * its own.
 *
 * @param prefix number of always-visible leading keys
 * @param queryOffset real position of the first query (the KV-cache length when decoding)
 * @param causal whether to hide future positions
 * @param keyPadding optional {@code [B, Sbuf]} flags ({@code Sbuf} = {@code k.dim(1)}), true = key
 *     is padding and must be ignored; null when no key is padding
 * @param keyLength how many keys of each row are in use ({@code <= k.dim(1)}, e.g. the filled part
 *     of a KV-cache buffer); {@code -1} means all {@code k.dim(1)}
 */
public record AttentionMask(
    int prefix, int queryOffset, boolean causal, boolean[] keyPadding, int keyLength) {
  /** Plain causal self-attention over one sequence chunk, no prefix, no padding. */
  public static AttentionMask causalSelf() {
    return new AttentionMask(0, 0, true, null, -1);
  }

  /** Keys in use per batch row when the key buffer holds {@code bufferLength}. */
  public int keys(int bufferLength) {
    return keyLength < 0 ? bufferLength : keyLength;
  }

  /**
   * Whether query {@code t} of batch row {@code b} may see key {@code s}, for a key buffer of
   * {@code bufferLength} rows per batch entry.
   */
  public boolean visible(int b, int t, int s, int bufferLength) {
    if (keyPadding != null && keyPadding[b * bufferLength + s]) {
      return false;
    }
    if (s < prefix) {
      return true;
    }
    return !causal || (s - prefix) <= queryOffset + t;
  }
}
