package org.peftbench.datasets.tasks;

import java.util.List;
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
}
