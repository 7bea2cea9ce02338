package org.peftbench.tokenizers.jinja;

/**
 * What one render may spend. A chat template is untrusted input (it ships with a downloaded model
 * folder), so every way it could run away is bounded: evaluation steps, loop iterations, the length
 * of any string or list it builds (which bounds the output and the memory), macro-call depth, the
 * nesting depth of the parsed template, and wall-clock time. Real chat templates stay orders of
 * magnitude below the defaults.
 *
 * @param maxSteps evaluated expressions and statements per render
 * @param maxIterations loop iterations per render, all loops together
 * @param maxChars characters of the output and of any single string value
 * @param maxTotalChars characters of all strings built during a render together (bounds the memory
 *     a template can hold on to, e.g. many large strings in a list)
 * @param maxItems elements of any single list, tuple or range, and (times ten) of all lists built
 *     during a render together
 * @param maxCallDepth nested macro calls
 * @param maxNesting nesting depth of statements and expressions in the template text
 * @param maxMillis wall-clock time per render
 */
public record Limits(
    long maxSteps,
    long maxIterations,
    int maxChars,
    long maxTotalChars,
    int maxItems,
    int maxCallDepth,
    int maxNesting,
    long maxMillis) {

  /** Generous for real templates (they render in well under a millisecond), fatal to abuse. */
  public static final Limits DEFAULT =
      new Limits(2_000_000, 100_000, 8_000_000, 128_000_000, 100_000, 64, 200, 5_000);
}
