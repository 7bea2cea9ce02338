package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** COPA (SuperGLUE): choice of plausible alternatives. */
public final class Copa extends ClassificationTask {
  private static final List<String> LABELS = List.of("choice1", "choice2");

  public Copa() {
    super(
        "copa",
        "super_glue/copa",
        TaskKind.MULTIPLE_CHOICE,
        "Which choice is the more plausible cause or effect of the premise? Answer with choice1 or choice2.",
        LABELS,
        "label",
        LABELS,
        false,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    String relation = Fields.text(row, "question").equals("cause") ? "cause" : "effect";
    return Prompts.build(
        instruction(),
        "Premise",
        Fields.text(row, "premise"),
        "Question",
        "What was the " + relation + "?",
        "choice1",
        Fields.text(row, "choice1"),
        "choice2",
        Fields.text(row, "choice2"));
  }

  /** The instruction of the reference's training entry for this task (data/dataset_info.json). */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the following premise and choice pair, select the plausible "
          + "alternative from choice pair. Respond only with the corresponding "
          + "choice1 or choice2.";

  /**
   * The instruction of the reference's {@code _eval} entry, which differs (data/dataset_info.json).
   */
  private static final String REFERENCE_EVAL_INSTRUCTION =
      "Based on the following premise and choice pair, select the plausible "
          + "alternative from the choice pair. Respond only with the corresponding "
          + "choice1 or choice2.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    // The reference leaves out whether the cause or the effect is asked for.
    return "Premise: "
        + Fields.text(row, "premise")
        + "\n\nChoice1: "
        + Fields.text(row, "choice1")
        + "\n\nChoice2: "
        + Fields.text(row, "choice2");
  }

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(
        (role == SplitRole.EVAL ? REFERENCE_EVAL_INSTRUCTION : REFERENCE_INSTRUCTION),
        referenceInputs(row),
        null);
  }
}
