package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** BoolQ (SuperGLUE): yes/no questions about a Wikipedia passage. */
public final class BoolQ extends ClassificationTask {
  private static final List<String> LABELS = List.of("false", "true");

  public BoolQ() {
    super(
        "boolq",
        "super_glue/boolq",
        TaskKind.CLASSIFICATION,
        "Read the passage and answer the yes/no question. " + answerWith(LABELS),
        LABELS,
        "label",
        List.of("False", "True"),
        false,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(
        instruction(),
        "Passage",
        Fields.text(row, "passage"),
        "Question",
        Fields.text(row, "question"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the passage, respond to the following question with true or "
          + "false. Respond only with the corresponding true or false.";

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(
        REFERENCE_INSTRUCTION, Fields.text(row, "question"), Fields.text(row, "passage"));
  }

  @Override
  protected List<String> referenceLabels() {
    return List.of("False", "True");
  }
}
