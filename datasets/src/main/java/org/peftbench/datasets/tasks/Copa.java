package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** COPA (SuperGLUE): choice of plausible alternatives. */
public final class Copa extends ClassificationTask {
  private static final List<String> LABELS = List.of("choice1", "choice2");

  public Copa() {
    super(
        "copa",
        "super_glue/copa",
        TaskKind.MULTIPLE_CHOICE,
        "Which choice is the more plausible cause or effect of the premise? Answer with choice1 or choice2.",
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
    String relation = Fields.text(row, "question").equals("cause") ? "cause" : "effect";
    return Prompts.build(
        instruction(),
        "Premise",
        Fields.text(row, "premise"),
        "Question",
        "What was the " + relation + "?",
        "choice1",
        Fields.text(row, "choice1"),
        "choice2",
        Fields.text(row, "choice2"));
  }
}
