package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** QNLI (GLUE): does a sentence answer a question. */
public final class Qnli extends ClassificationTask {
  private static final List<String> LABELS = List.of("entailment", "not_entailment");

  public Qnli() {
    super(
        "qnli",
        "glue/qnli",
        TaskKind.CLASSIFICATION,
        "Does the sentence contain the answer to the question? " + answerWith(LABELS),
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
        "Question",
        Fields.text(row, "question"),
        "Sentence",
        Fields.text(row, "sentence"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Classify the following question and sentence pair into entailment and "
          + "not_entailment classes. Respond only with the corresponding class.";

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(
        REFERENCE_INSTRUCTION, Fields.text(row, "question"), Fields.text(row, "sentence"));
  }
}
