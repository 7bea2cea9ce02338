package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** MNLI (GLUE): natural language inference over premise/hypothesis pairs, three classes. */
public final class Mnli extends ClassificationTask {
  private static final List<String> LABELS = List.of("entailment", "neutral", "contradiction");

  public Mnli() {
    super(
        "mnli",
        "glue/mnli",
        TaskKind.CLASSIFICATION,
        "Does the premise entail the hypothesis, contradict it, or neither? " + answerWith(LABELS),
        LABELS,
        "label",
        LABELS,
        false,
        false,
        "train",
        "validation_matched");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(
        instruction(),
        "Premise",
        Fields.text(row, "premise"),
        "Hypothesis",
        Fields.text(row, "hypothesis"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Classify the following premise and hypothesis pair into entailment, "
          + "neutral, and contradiction classes. Respond only with the "
          + "corresponding class.";

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(
        REFERENCE_INSTRUCTION, Fields.text(row, "premise"), Fields.text(row, "hypothesis"));
  }
}
