package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** PIQA: physical commonsense, two candidate solutions. */
public final class Piqa extends ClassificationTask {
  private static final List<String> LABELS = List.of("solution1", "solution2");

  public Piqa() {
    super(
        "piqa",
        "ybisk/piqa",
        TaskKind.MULTIPLE_CHOICE,
        "Which solution achieves the goal? Answer with solution1 or solution2.",
        LABELS,
        "label",
        List.of("0", "1"),
        false,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(
        instruction(),
        "Goal",
        Fields.text(row, "goal"),
        "solution1",
        Fields.text(row, "sol1"),
        "solution2",
        Fields.text(row, "sol2"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the question and provided solutions, select the right "
          + "solution. Respond only with the corresponding solution1 or solution2.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    return "Question: "
        + Fields.text(row, "goal")
        + "\n\nSolution1: "
        + Fields.text(row, "sol1")
        + "\nSolution2: "
        + Fields.text(row, "sol2");
  }

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(REFERENCE_INSTRUCTION, referenceInputs(row), null);
  }
}
