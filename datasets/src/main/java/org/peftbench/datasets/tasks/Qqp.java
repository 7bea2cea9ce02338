package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** QQP (GLUE): are two Quora questions duplicates. */
public final class Qqp extends ClassificationTask {
  private static final List<String> LABELS = List.of("not_duplicate", "duplicate");

  public Qqp() {
    super(
        "qqp",
        "glue/qqp",
        TaskKind.CLASSIFICATION,
        "Are the two questions asking the same thing? " + answerWith(LABELS),
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
        "Question 1",
        Fields.text(row, "question1"),
        "Question 2",
        Fields.text(row, "question2"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Classify the following question pair into duplicate and not_duplicate "
          + "classes. Respond only with the corresponding class.";

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(
        REFERENCE_INSTRUCTION, Fields.text(row, "question1"), Fields.text(row, "question2"));
  }
}
