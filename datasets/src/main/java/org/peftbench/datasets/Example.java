package org.peftbench.datasets;

import java.util.List;
import java.util.Objects;

/**
 * One benchmark example as the harness sees it.
 *
 * @param id stable id within its source file (the HF {@code idx} where there is one, else the row
 *     number)
 * @param prompt the full input text: our instruction, the input fields and an answer cue
 * @param target the text the model is trained to produce (a class name, an option label, a worked
 *     answer, code)
 * @param choices the candidate targets of a classification / multiple-choice example, in label
 *     order, so the harness can rank them by log-likelihood; empty for generation tasks
 * @param gold the reference answers used for scoring (one for most tasks; every accepted answer for
 *     ReCoRD)
 */
public record Example(
    String id, String prompt, String target, List<String> choices, List<String> gold) {
  public Example {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(target, "target");
    choices = List.copyOf(choices);
    gold = List.copyOf(gold);
  }

  /** The index of the target among the choices, or -1 for generation tasks. */
  public int targetChoice() {
    return choices.indexOf(target);
  }

  /**
   * Prompt and target as one text for a plain (template-free) model: joined by one space, since
   * every prompt ends with "Answer:". With a chat template the harness places the target after the
   * formatted prompt itself.
   */
  public String plainText() {
    return prompt + " " + target;
  }

  /** This example with its prompt wrapped by {@code formatter} (e.g. a chat template). */
  public Example formatted(PromptFormatter formatter) {
    return new Example(id, formatter.format(prompt), target, choices, gold);
  }
}
