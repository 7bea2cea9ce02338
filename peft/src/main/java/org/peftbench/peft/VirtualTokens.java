package org.peftbench.peft;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;
import org.peftbench.transformer.ModelInput;

/** How prompt tuning and P-tuning put their virtual tokens in front of the input. */
public final class VirtualTokens {
  private VirtualTokens() {}

  /**
   * {@code [prompts; inputs]} along time, as PEFT does: the virtual tokens come first in every row
   * (before any left padding), are never padding, and positions follow from the model's default.
   * Decoding steps (a KV cache that already holds tokens) pass through unchanged: the virtual
   * tokens are in the cache since prefill.
   *
   * @param prompts {@code [P, C]}
   */
  public static ModelInput prepend(ModelInput in, Var prompts) {
    if (in.cache() != null && in.cache().length() > 0) {
      return in;
    }
    int b = in.batch(), t = in.time(), p = prompts.dim(0), c = prompts.dim(1);
    Var one = Ops.reshape(prompts, 1, p, c);
    Var[] rows = new Var[b];
    java.util.Arrays.fill(rows, one);
    Var batch = b == 1 ? one : Ops.concat(0, rows);
    Var embeds = Ops.concat(1, batch, in.inputsEmbeds());
    boolean[] pad = null;
    if (in.padding() != null) {
      pad = new boolean[b * (p + t)];
      for (int r = 0; r < b; r++) {
        for (int i = 0; i < t; i++) {
          pad[r * (p + t) + p + i] = in.padding()[r * t + i];
        }
      }
    }
    int[] pos = null;
    if (in.positions() != null) {
      pos = new int[b * (p + t)];
      for (int r = 0; r < b; r++) {
        for (int i = 0; i < p; i++) {
          pos[r * (p + t) + i] = i;
        }
        for (int i = 0; i < t; i++) {
          pos[r * (p + t) + p + i] = in.positions()[r * t + i] + p;
        }
      }
    }
    // built at once: the padding and positions must match the new length
    ModelInput out = new ModelInput(embeds, pad, pos, in.prefix(), in.cache());
    return out;
  }
}
