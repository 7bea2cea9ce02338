package org.peftbench.datasets.tasks;

import java.util.List;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;

/** WinoGrande (winogrande_xl): fill the blank with one of two options; the HF answer is "1"/"2". */
public final class Winogrande extends ClassificationTask {
  private static final List<String> LABELS = List.of("option1", "option2");

  public Winogrande() {
    super(
        "winogrande",
        "allenai/winogrande:winogrande_xl",
        TaskKind.MULTIPLE_CHOICE,
        "Which option fills the blank (_) in the sentence? Answer with option1 or option2.",
        LABELS,
        "answer",
        List.of("1", "2"),
        true,
        false,
        "train",
        "validation");
  }

  @Override
  protected String prompt(Row row) {
    return Prompts.build(
        instruction(),
        "Sentence",
        Fields.text(row, "sentence"),
        "option1",
        Fields.text(row, "option1"),
        "option2",
        Fields.text(row, "option2"));
  }

  /**
   * The instruction of the reference's training entry: empty, so training prompts have none
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION = "";

  /**
   * The instruction of the reference's {@code _eval} entry, which differs (data/dataset_info.json).
   */
  private static final String REFERENCE_EVAL_INSTRUCTION =
      "Based on the sentence and provided options, select the best option "
          + "that replaces the '_' character in the sentence. Respond only with "
          + "the corresponding option1 or option2.";

  /**
   * The reference's preprocessed {@code inputs} column (scripts/peftbench/preprocess_datasets.py).
   */
  static String referenceInputs(Row row) {
    // The reference labels both options "Option1:".
    return "Sentence: "
        + Fields.text(row, "sentence")
        + "\n\nOption1: "
        + Fields.text(row, "option1")
        + "\nOption1: "
        + Fields.text(row, "option2");
  }

  @Override
  protected String referenceUserMessage(Row row, SplitRole role) {
    return ReferenceText.userMessage(
        (role == SplitRole.EVAL ? REFERENCE_EVAL_INSTRUCTION : REFERENCE_INSTRUCTION),
        referenceInputs(row),
        null);
  }
}
