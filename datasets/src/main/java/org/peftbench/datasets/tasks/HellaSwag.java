package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/**
 * HellaSwag: commonsense sentence completion, four endings; the HF label is the string "0".."3".
 */
public final class HellaSwag extends ClassificationTask {
  private static final List<String> LABELS = List.of("ending1", "ending2", "ending3", "ending4");

  public HellaSwag() {
    super(
        "hellaswag",
        "Rowan/hellaswag",
        TaskKind.MULTIPLE_CHOICE,
        "Which ending continues the text best? Answer with ending1, ending2, ending3 or ending4.",
        LABELS,
        "label",
        List.of("0", "1", "2", "3"),
        true,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    List<String> endings = Fields.textList(row, "endings");
    if (endings.size() != 4) {
      throw new org.peftbench.datasets.DatasetException(
          row.where() + ": expected 4 endings, found " + endings.size());
    }
    return Prompts.build(
        instruction(),
        "Activity",
        Fields.text(row, "activity_label"),
        "Context",
        Fields.text(row, "ctx"),
        "ending1",
        endings.get(0),
        "ending2",
        endings.get(1),
        "ending3",
        endings.get(2),
        "ending4",
        endings.get(3));
  }
}
