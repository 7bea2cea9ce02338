package org.peftbench.harness.run;

import org.peftbench.datasets.Protocol;
import org.peftbench.harness.suite.Caps;

/**
 * The sequence limits of a run.
 *
 * <p>{@code peft-factory}: LLaMA-Factory's defaults, which PEFT-Bench's configs keep: {@code
 * cutoff_len: 2048} for training and test prompts and {@code max_new_tokens} 1024 for every test
 * generation (GeneratingArguments' default; the eval configs set no other). The suite's {@code
 * caps.max_seq_len} / {@code caps.max_new_tokens} replace them when given.
 *
 * <p>{@code corrected}: no limit unless the caps give one, and room for the longest reference
 * answer (+ 2) rather than a fixed 1024 new tokens (capped by {@code max_new_tokens}).
 *
 * @param cutoff the sequence limit (≤ 0: none)
 * @param maxNewTokens the generation limit when {@code fixedNewTokens}, else its cap (≤ 0: none)
 * @param fixedNewTokens whether every test generation gets exactly this limit
 */
public record GenerationLengths(int cutoff, int maxNewTokens, boolean fixedNewTokens) {
  /** LLaMA-Factory's {@code cutoff_len} default, kept by PEFT-Bench's configs. */
  public static final int REFERENCE_CUTOFF = 2048;

  /** LLaMA-Factory's {@code max_new_tokens} default (PEFT-Bench's eval configs set none). */
  public static final int REFERENCE_MAX_NEW_TOKENS = 1024;

  public static GenerationLengths of(Protocol protocol, Caps caps) {
    if (protocol == Protocol.PEFT_FACTORY) {
      return new GenerationLengths(
          caps.maxSeqLen() != null ? caps.maxSeqLen() : REFERENCE_CUTOFF,
          caps.maxNewTokens() != null ? caps.maxNewTokens() : REFERENCE_MAX_NEW_TOKENS,
          true);
    }
    return new GenerationLengths(
        caps.maxSeqLen() == null ? 0 : caps.maxSeqLen(),
        caps.maxNewTokens() == null ? 0 : caps.maxNewTokens(),
        false);
  }
}
