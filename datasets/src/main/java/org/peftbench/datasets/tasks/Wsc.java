package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** WSC (SuperGLUE, the wsc.fixed config): Winograd coreference as a true/false question. */
public final class Wsc extends ClassificationTask {
  private static final List<String> LABELS = List.of("false", "true");

  public Wsc() {
    super(
        "wsc",
        "super_glue/wsc.fixed",
        TaskKind.CLASSIFICATION,
        "Does the pronoun refer to the given noun phrase in the text? " + answerWith(LABELS),
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
        "Text",
        Fields.text(row, "text"),
        "Pronoun",
        Fields.text(row, "span2_text"),
        "Noun phrase",
        Fields.text(row, "span1_text"));
  }
}
