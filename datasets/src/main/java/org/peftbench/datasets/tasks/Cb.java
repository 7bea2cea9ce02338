package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** CB (SuperGLUE): CommitmentBank three-class inference. */
public final class Cb extends ClassificationTask {
  private static final List<String> LABELS = List.of("entailment", "contradiction", "neutral");

  public Cb() {
    super(
        "cb",
        "super_glue/cb",
        TaskKind.CLASSIFICATION,
        "Does the premise entail the hypothesis, contradict it, or neither? " + answerWith(LABELS),
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
          + "contradiction, and neutral classes. Respond only with the "
          + "corresponding class.";

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(
        REFERENCE_INSTRUCTION, Fields.text(row, "premise"), Fields.text(row, "hypothesis"));
  }
}
