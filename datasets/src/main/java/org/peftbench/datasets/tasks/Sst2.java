package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** SST-2 (GLUE): binary sentiment of movie review sentences. */
public final class Sst2 extends ClassificationTask {
  private static final List<String> LABELS = List.of("negative", "positive");

  public Sst2() {
    super(
        "sst2",
        "glue/sst2",
        TaskKind.CLASSIFICATION,
        "What is the sentiment of the sentence? " + answerWith(LABELS),
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
    return Prompts.build(instruction(), "Sentence", Fields.text(row, "sentence"));
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Classify the following sentence into negative and positive classes. "
          + "Respond only with the corresponding class.";

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(REFERENCE_INSTRUCTION, Fields.text(row, "sentence"), null);
  }
}
