package org.peftbench.datasets.tasks;

import java.util.List;
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
}
