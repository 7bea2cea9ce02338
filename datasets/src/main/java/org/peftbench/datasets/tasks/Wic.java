package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** WiC (SuperGLUE): word sense disambiguation across two sentences. */
public final class Wic extends ClassificationTask {
  private static final List<String> LABELS = List.of("false", "true");

  public Wic() {
    super(
        "wic",
        "super_glue/wic",
        TaskKind.CLASSIFICATION,
        "Is the word used with the same meaning in both sentences? " + answerWith(LABELS),
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
        "Word",
        Fields.text(row, "word"),
        "Sentence 1",
        Fields.text(row, "sentence1"),
        "Sentence 2",
        Fields.text(row, "sentence2"));
  }
}
