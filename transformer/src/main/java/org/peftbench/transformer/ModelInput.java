package org.peftbench.transformer;

import java.util.List;
import org.peftbench.autograd.Var;

/**
 * Everything a forward pass reads besides the weights. Build with {@link #of} and the {@code with*}
 * methods; fields left null take their defaults.
 *
 * @param inputsEmbeds {@code [B, T, C]} input embeddings ({@link CausalLM#embedTokens}), possibly
 *     with virtual-token embeddings spliced in (prompt tuning, P-tuning)
 * @param padding {@code [B·T]}, true where the token is padding (never attended to); null = none
 * @param positions {@code [B·T]} position ids; null = each row counts its non-padding tokens from
 *     the prefix length plus the tokens already in the cache (HF's {@code cumsum(attention_mask) −
 *     1}, shifted by P for prefix tuning as HF does when the prefix is passed as past_key_values)
 * @param prefix per-layer prefix-tuning keys/values ({@code numLayers} entries), or null
 * @param cache a KV cache to extend (inference); null = attend only within this input
 */
public record ModelInput(
    Var inputsEmbeds, boolean[] padding, int[] positions, List<PrefixKv> prefix, KvCache cache) {

  public ModelInput {
    if (inputsEmbeds.rank() != 3) {
      throw new IllegalArgumentException(
          "inputsEmbeds must be [B, T, C], got " + java.util.Arrays.toString(inputsEmbeds.shape()));
    }
    int n = inputsEmbeds.dim(0) * inputsEmbeds.dim(1);
    if (padding != null && padding.length != n) {
      throw new IllegalArgumentException(
          "padding mask has " + padding.length + " entries for B·T = " + n + " tokens");
    }
    if (positions != null && positions.length != n) {
      throw new IllegalArgumentException(
          "positions has " + positions.length + " entries for B·T = " + n + " tokens");
    }
  }

  /** Input embeddings alone: no padding, default positions, no prefix, no cache. */
  public static ModelInput of(Var inputsEmbeds) {
    return new ModelInput(inputsEmbeds, null, null, null, null);
  }

  public ModelInput withEmbeds(Var embeds) {
    return new ModelInput(embeds, padding, positions, prefix, cache);
  }

  public ModelInput withPadding(boolean[] padding) {
    return new ModelInput(inputsEmbeds, padding, positions, prefix, cache);
  }

  public ModelInput withPositions(int[] positions) {
    return new ModelInput(inputsEmbeds, padding, positions, prefix, cache);
  }

  public ModelInput withPrefix(List<PrefixKv> prefix) {
    return new ModelInput(inputsEmbeds, padding, positions, prefix, cache);
  }

  public ModelInput withCache(KvCache cache) {
    return new ModelInput(inputsEmbeds, padding, positions, prefix, cache);
  }

  /** B. */
  public int batch() {
    return inputsEmbeds.dim(0);
  }

  /** T. */
  public int time() {
    return inputsEmbeds.dim(1);
  }

  /** P, the prefix length (0 without prefix tuning). */
  public int prefixLength() {
    return prefix == null || prefix.isEmpty() ? 0 : prefix.get(0).length();
  }

  /** Whether token {@code i} (flat index b·T + t) is padding. */
  public boolean isPad(int i) {
    return padding != null && padding[i];
  }

  /**
   * A padding mask {@code [B·T]} from HF's {@code attention_mask} ({@code 1} = real token, {@code
   * 0} = padding).
   */
  public static boolean[] paddingFromAttentionMask(int[] attentionMask) {
    boolean[] pad = new boolean[attentionMask.length];
    for (int i = 0; i < pad.length; i++) {
      pad[i] = attentionMask[i] == 0;
    }
    return pad;
  }
}
