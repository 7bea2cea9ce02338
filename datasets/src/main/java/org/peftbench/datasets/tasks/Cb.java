package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** CB (SuperGLUE): CommitmentBank three-class inference. */
public final class Cb extends ClassificationTask {
  private static final List<String> LABELS = List.of("entailment", "contradiction", "neutral");

  public Cb() {
    super(
        "cb",
        "super_glue/cb",
        TaskKind.CLASSIFICATION,
        "Does the premise entail the hypothesis, contradict it, or neither? " + answerWith(LABELS),
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
        "Premise",
        Fields.text(row, "premise"),
        "Hypothesis",
        Fields.text(row, "hypothesis"));
  }
}
