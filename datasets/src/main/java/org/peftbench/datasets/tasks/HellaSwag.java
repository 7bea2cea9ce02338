package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
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
    List<String> endings = endings(row);
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

  private static List<String> endings(Row row) {
    List<String> endings = Fields.textList(row, "endings");
    if (endings.size() != 4) {
      throw new org.peftbench.datasets.DatasetException(
          row.where() + ": expected 4 endings, found " + endings.size());
    }
    return endings;
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Based on the sentence and provided endings, select the correct ending "
          + "that finishes the sentence correctly. Respond only with the "
          + "corresponding ending1, ending2, ending3, and ending4.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    List<String> e = endings(row);
    String ctxA = Fields.optionalText(row, "ctx_a");
    String ctxB = Fields.optionalText(row, "ctx_b");
    if (ctxA == null || ctxB == null) {
      throw new org.peftbench.datasets.DatasetException(
          row.where()
              + ": the peft-factory protocol needs HellaSwag's ctx_a and ctx_b fields (this copy"
              + " has only the joined ctx)");
    }
    // The reference capitalizes ctx_b (lower-casing the rest of it) and adds a comma.
    return "Sentence: "
        + ctxA
        + " "
        + ReferenceText.capitalize(ctxB)
        + ",\n\nEnding1: "
        + e.get(0)
        + "\nEnding2: "
        + e.get(1)
        + "\nEnding3: "
        + e.get(2)
        + "\nEnding4: "
        + e.get(3);
  }

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(REFERENCE_INSTRUCTION, referenceInputs(row), null);
  }
}
