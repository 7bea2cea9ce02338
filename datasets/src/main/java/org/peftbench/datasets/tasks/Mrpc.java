package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** MRPC (GLUE): are two news sentences paraphrases. */
public final class Mrpc extends ClassificationTask {
  private static final List<String> LABELS = List.of("not_equivalent", "equivalent");

  public Mrpc() {
    super(
        "mrpc",
        "glue/mrpc",
        TaskKind.CLASSIFICATION,
        "Do the two sentences mean the same thing? " + answerWith(LABELS),
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
}
