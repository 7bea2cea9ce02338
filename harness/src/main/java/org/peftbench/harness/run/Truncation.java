package org.peftbench.harness.run;

import java.util.Arrays;
import org.peftbench.datasets.Protocol;

/**
 * How a prompt and its target are cut to a sequence limit ({@code cutoff_len}).
 *
 * <ul>
 *   <li>{@link #KEEP_START} (protocol {@code peft-factory}): LLaMA-Factory's {@code infer_seqlen}:
 *       the target keeps up to the whole limit when it is short (under half the limit), else the
 *       prompt keeps its length when it is short, else both shrink in proportion to their lengths;
 *       the prompt then keeps its <em>first</em> tokens, so a long prompt loses its end (the
 *       question and the chat template's assistant header). Generation prompts are cut the same way
 *       against their reference answer (its unsupervised processor).
 *   <li>{@link #KEEP_END} (protocol {@code corrected}): the prompt keeps its last tokens (the
 *       question and the assistant header stay, the instruction goes); a target longer than the
 *       limit keeps its start after one prompt token.
 * </ul>
 */
public enum Truncation {
  KEEP_START,
  KEEP_END;

  public static Truncation of(Protocol protocol) {
    return protocol == Protocol.PEFT_FACTORY ? KEEP_START : KEEP_END;
  }

  /**
   * LLaMA-Factory's {@code infer_seqlen(source_len, target_len, cutoff_len)}: the lengths a prompt
   * and a target keep under the limit, {@code {source, target}}.
   */
  public static int[] inferSeqlen(int sourceLen, int targetLen, int cutoffLen) {
    int maxTargetLen;
    if (targetLen * 2L < cutoffLen) {
      maxTargetLen = cutoffLen; // truncate the source
    } else if (sourceLen * 2L < cutoffLen) {
      maxTargetLen = cutoffLen - sourceLen; // truncate the target
    } else { // truncate both; Python's int() of the float product truncates toward zero
      maxTargetLen = (int) (cutoffLen * ((double) targetLen / (sourceLen + targetLen)));
    }
    int newTargetLen = Math.min(maxTargetLen, targetLen);
    int maxSourceLen = Math.max(cutoffLen - newTargetLen, 0);
    int newSourceLen = Math.min(maxSourceLen, sourceLen);
    return new int[] {newSourceLen, newTargetLen};
  }

  /** A training sequence of {@code prompt} and {@code target} within {@code maxLen} (≤ 0: all). */
  public TokenizedExample promptTarget(int[] prompt, int[] target, int maxLen) {
    if (this == KEEP_END || maxLen <= 0) {
      return TokenizedExample.promptTarget(prompt, target, maxLen);
    }
    int[] keep = inferSeqlen(prompt.length, target.length, maxLen);
    int[] p = Arrays.copyOf(prompt, keep[0]);
    int[] t = Arrays.copyOf(target, keep[1]);
    if (p.length + t.length == 0) {
      throw new IllegalArgumentException("cutoff " + maxLen + " leaves no token");
    }
    int[] ids = new int[p.length + t.length];
    int[] labels = new int[ids.length];
    System.arraycopy(p, 0, ids, 0, p.length);
    System.arraycopy(t, 0, ids, p.length, t.length);
    Arrays.fill(labels, 0, p.length, TokenizedExample.IGNORE);
    System.arraycopy(t, 0, labels, p.length, t.length);
    return new TokenizedExample(ids, labels);
  }

  /**
   * A generation prompt within {@code maxLen} (≤ 0: all). {@link #KEEP_START} cuts as the
   * reference's unsupervised processor does: {@code infer_seqlen} against the reference answer's
   * length ({@code targetLen}, with its end token), keeping the prompt's first tokens; {@link
   * #KEEP_END} keeps the last {@code maxLen} tokens.
   */
  public int[] prompt(int[] prompt, int targetLen, int maxLen) {
    if (maxLen <= 0 || prompt.length <= (this == KEEP_END ? maxLen : 0)) {
      return prompt;
    }
    if (this == KEEP_END) {
      return Arrays.copyOfRange(prompt, prompt.length - maxLen, prompt.length);
    }
    int keep = inferSeqlen(prompt.length, targetLen, maxLen)[0];
    return keep >= prompt.length ? prompt : Arrays.copyOf(prompt, Math.max(1, keep));
  }
}
