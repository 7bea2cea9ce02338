package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** MNLI (GLUE): natural language inference over premise/hypothesis pairs, three classes. */
public final class Mnli extends ClassificationTask {
  private static final List<String> LABELS = List.of("entailment", "neutral", "contradiction");

  public Mnli() {
    super(
        "mnli",
        "glue/mnli",
        TaskKind.CLASSIFICATION,
        "Does the premise entail the hypothesis, contradict it, or neither? " + answerWith(LABELS),
        LABELS,
        "label",
        LABELS,
        false,
        false,
        "train",
        "validation_matched");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(
        instruction(),
        "Premise",
        Fields.text(row, "premise"),
        "Hypothesis",
        Fields.text(row, "hypothesis"));
  }
}
