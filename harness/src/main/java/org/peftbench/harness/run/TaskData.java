package org.peftbench.harness.run;

import java.util.ArrayList;
import java.util.List;
import org.peftbench.datasets.Example;
import org.peftbench.tokenizers.Tokenizer;

/**
 * Turns task examples into training sequences: the prompt and its target as the model sees them
 * (see {@link PromptStyle}; the examples' prompts are already formatted), followed by EOS, with the
 * loss only on the target and EOS.
 *
 * <p>The prompt/target boundary is found by tokenizing the whole text and the prompt alone and
 * taking their common prefix, so tokenizers that merge across the boundary (SentencePiece's "▁"
 * prefix) still put every target token under the loss.
 */
public final class TaskData {
  private TaskData() {}

  public static List<TokenizedExample> tokenize(
      List<Example> examples, Tokenizer tok, PromptStyle style, int maxLen) {
    return tokenize(examples, tok, style, maxLen, Truncation.KEEP_END);
  }

  /** Every example as a training sequence, cut to {@code maxLen} as {@code truncation} says. */
  public static List<TokenizedExample> tokenize(
      List<Example> examples, Tokenizer tok, PromptStyle style, int maxLen, Truncation truncation) {
    List<TokenizedExample> out = new ArrayList<>(examples.size());
    for (Example e : examples) {
      out.add(tokenize(e.prompt(), e.target(), tok, style, maxLen, truncation));
    }
    return out;
  }

  public static TokenizedExample tokenize(
      String prompt, String target, Tokenizer tok, PromptStyle style, int maxLen) {
    return tokenize(prompt, target, tok, style, maxLen, Truncation.KEEP_END);
  }

  public static TokenizedExample tokenize(
      String prompt,
      String target,
      Tokenizer tok,
      PromptStyle style,
      int maxLen,
      Truncation truncation) {
    int[] full = continuation(prompt, target, tok, style);
    int[] p = tok.encode(prompt, style.addSpecialTokens());
    int n = commonPrefix(p, full);
    int eos = tok.eosId();
    int[] target1 = new int[full.length - n + (eos >= 0 ? 1 : 0)];
    System.arraycopy(full, n, target1, 0, full.length - n);
    if (eos >= 0) {
      target1[target1.length - 1] = eos;
    }
    int[] prompt1 = java.util.Arrays.copyOf(full, n);
    return truncation.promptTarget(prompt1, target1, maxLen);
  }

  /** The ids of the prompt followed by {@code answer}, as the style joins them. */
  public static int[] continuation(String prompt, String answer, Tokenizer tok, PromptStyle style) {
    return tok.encode(prompt + style.separator() + answer, style.addSpecialTokens());
  }

  public static int commonPrefix(int[] a, int[] b) {
    int n = Math.min(a.length, b.length);
    int i = 0;
    while (i < n && a[i] == b[i]) {
      i++;
    }
    return i;
  }

  /** Prompt ids for generation, keeping the last {@code maxLen} tokens (≤ 0: all). */
  public static int[] promptIds(String prompt, Tokenizer tok, PromptStyle style, int maxLen) {
    int[] p = tok.encode(prompt, style.addSpecialTokens());
    if (maxLen > 0 && p.length > maxLen) {
      p = java.util.Arrays.copyOfRange(p, p.length - maxLen, p.length);
    }
    return p;
  }
}
