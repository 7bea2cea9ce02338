package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** CoLA (GLUE): grammatical acceptability; Matthews correlation is reported besides F1. */
public final class Cola extends ClassificationTask {
  private static final List<String> LABELS = List.of("unacceptable", "acceptable");

  public Cola() {
    super(
        "cola",
        "glue/cola",
        TaskKind.CLASSIFICATION,
        "Is the sentence grammatically acceptable English? " + answerWith(LABELS),
        LABELS,
        "label",
        LABELS,
        false,
        true,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(instruction(), "Sentence", Fields.text(row, "sentence"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Classify the following sentence into unacceptable and acceptable "
          + "classes. Respond only with the corresponding class.";

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(REFERENCE_INSTRUCTION, Fields.text(row, "sentence"), null);
  }
}
