package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.io.Row;

/**
 * CoNaLa (curated): one line of Python for a Stack Overflow intent. The prompt uses the rewritten
 * intent (with the variable names quoted) and falls back to the raw intent where it is null.
 */
public final class Conala extends CodeTask {
  public Conala() {
    super(
        "conala",
        "neulab/conala:curated",
        "Write a Python snippet that does what the intent asks. Answer with the code only.",
        "train",
        "test");
  }

  @Override
  public Example toExample(Row row) {
    String intent = Fields.optionalText(row, "rewritten_intent");
    if (intent == null || intent.isBlank()) {
      intent = Fields.text(row, "intent");
    }
    String snippet = Fields.text(row, "snippet");
    String prompt = Prompts.build(instruction(), "Intent", intent);
    return new Example(Long.toString(row.index()), prompt, snippet, List.of(), List.of(snippet));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the following instruction, generate a valid Python code that " + "answers it.";

  /** The rewritten intent as the prompt; a row without one gets the instruction alone. */
  @Override
  protected List<Example> referenceExamples(Row row, SplitRole role) {
    String snippet = Fields.text(row, "snippet");
    String user =
        ReferenceText.userMessage(
            REFERENCE_INSTRUCTION, Fields.optionalText(row, "rewritten_intent"), null);
    return List.of(
        new Example(Long.toString(row.index()), user, snippet, List.of(), List.of(snippet)));
  }
}
