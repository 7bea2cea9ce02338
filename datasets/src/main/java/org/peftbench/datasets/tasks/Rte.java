package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** RTE (GLUE): recognizing textual entailment, two classes. */
public final class Rte extends ClassificationTask {
  private static final List<String> LABELS = List.of("entailment", "not_entailment");

  public Rte() {
    super(
        "rte",
        "glue/rte",
        TaskKind.CLASSIFICATION,
        "Does the first sentence entail the second? " + answerWith(LABELS),
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
        "Sentence 1",
        Fields.text(row, "sentence1"),
        "Sentence 2",
        Fields.text(row, "sentence2"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Classify the following sentence pair into entailment and "
          + "not_entailment classes. Respond only with the corresponding class.";

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(
        REFERENCE_INSTRUCTION, Fields.text(row, "sentence1"), Fields.text(row, "sentence2"));
  }
}
