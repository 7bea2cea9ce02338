package org.peftbench.datasets;

/**
 * Wraps a plain prompt for a model, e.g. in its chat template. The tokenizer (and so the template)
 * lives model-side; the harness passes a formatter in and this module stays model-free.
 */
@FunctionalInterface
public interface PromptFormatter {
  /** The plain prompt unchanged: for base models without a chat template. */
  PromptFormatter PLAIN = prompt -> prompt;

  String format(String prompt);
}
