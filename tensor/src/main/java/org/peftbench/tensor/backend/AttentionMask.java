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
 * <p>A sliding window ({@code window > 0}, Mistral, Gemma 3's local layers) further hides every key
 * {@code window} or more slots behind the query on the whole key axis, as transformers' {@code
 * sliding_window_overlay} does with cache positions ({@code kv_idx > q_idx - window}): the query's
 * slot is {@code prefix + queryOffset + t}, and prefix keys count as slots {@code 0..prefix-1}
 * (they are HF's {@code past_key_values}), so a long enough input slides past them too.
 *
 * @param prefix number of always-visible leading keys (unless a window slides past them)
 * @param queryOffset real position of the first query (the KV-cache length when decoding)
 * @param causal whether to hide future positions
 * @param keyPadding optional {@code [B, Sbuf]} flags ({@code Sbuf} = {@code k.dim(1)}), true = key
 *     is padding and must be ignored; null when no key is padding
 * @param keyLength how many keys of each row are in use ({@code <= k.dim(1)}, e.g. the filled part
 *     of a KV-cache buffer); {@code -1} means all {@code k.dim(1)}
 * @param window sliding-window length in key slots ({@code 0} = no window)
 */
public record AttentionMask(
    int prefix, int queryOffset, boolean causal, boolean[] keyPadding, int keyLength, int window) {

  public AttentionMask {
    if (window < 0) {
      throw new IllegalArgumentException("sliding window must be >= 0, got " + window);
    }
  }

  /** A mask without a sliding window. */
  public AttentionMask(
      int prefix, int queryOffset, boolean causal, boolean[] keyPadding, int keyLength) {
    this(prefix, queryOffset, causal, keyPadding, keyLength, 0);
  }

  /** Plain causal self-attention over one sequence chunk, no prefix, no padding. */
  public static AttentionMask causalSelf() {
    return new AttentionMask(0, 0, true, null, -1);
  }

  /** The same mask with a sliding window of {@code window} key slots (0 = none). */
  public AttentionMask withWindow(int window) {
    return new AttentionMask(prefix, queryOffset, causal, keyPadding, keyLength, window);
  }

  /** The same mask with other padding flags (e.g. a private copy). */
  public AttentionMask withKeyPadding(boolean[] padding) {
    return new AttentionMask(prefix, queryOffset, causal, padding, keyLength, window);
  }

  /** Keys in use per batch row when the key buffer holds {@code bufferLength}. */
  public int keys(int bufferLength) {
    return keyLength < 0 ? bufferLength : keyLength;
  }

  /**
   * The first key slot the window leaves visible to query {@code t} (0 without a window): keys
   * {@code s} with {@code (prefix + queryOffset + t) − s < window}.
   */
  public int windowStart(int t) {
    if (window == 0) {
      return 0;
    }
    long start = (long) prefix + queryOffset + t - window + 1;
    return (int) Math.max(0, Math.min(Integer.MAX_VALUE, start));
  }

  /**
   * Whether the window hides any key from any of {@code queries} queries (when not, kernels may
   * ignore it).
   */
  public boolean windowCuts(int queries) {
    return window > 0 && windowStart(queries - 1) > 0;
  }

  /**
   * Whether query {@code t} of batch row {@code b} may see key {@code s}, for a key buffer of
   * {@code bufferLength} rows per batch entry.
   */
  public boolean visible(int b, int t, int s, int bufferLength) {
    if (keyPadding != null && keyPadding[b * bufferLength + s]) {
      return false;
    }
    if (s < windowStart(t)) {
      return false;
    }
    if (s < prefix) {
      return true;
    }
    return !causal || (s - prefix) <= queryOffset + t;
  }
}
