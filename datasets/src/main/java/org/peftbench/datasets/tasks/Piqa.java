package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** PIQA: physical commonsense, two candidate solutions. */
public final class Piqa extends ClassificationTask {
  private static final List<String> LABELS = List.of("solution1", "solution2");

  public Piqa() {
    super(
        "piqa",
        "ybisk/piqa",
        TaskKind.MULTIPLE_CHOICE,
        "Which solution achieves the goal? Answer with solution1 or solution2.",
        LABELS,
        "label",
        List.of("0", "1"),
        false,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(
        instruction(),
        "Goal",
        Fields.text(row, "goal"),
        "solution1",
        Fields.text(row, "sol1"),
        "solution2",
        Fields.text(row, "sol2"));
  }
}
