package org.peftbench.datasets.tasks;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;
import org.peftbench.datasets.metrics.Correlation;

/**
 * STS-B (GLUE): sentence similarity from 0 to 5, generated as a number and scored with Pearson and
 * Spearman correlation (an answer that is not a number counts as -1, as in PEFT-Bench).
 */
public final class Stsb extends Task {
  public Stsb() {
    super(
        "stsb",
        "glue/stsb",
        TaskKind.REGRESSION,
        "How similar are the two sentences in meaning, from 0 (unrelated) to 5 (equivalent)? Answer"
            + " with a number.",
        List.of(),
        List.of("pearson", "spearman"),
        "pearson",
        "train",
        "validation");
  }

  /**
   * The score as text: rounded to 3 decimals (HF stores float32, so 3.8 arrives as 3.7999999...)
   * and written like Python's str(float): "3.8", "5.0".
   */
  static String formatScore(double score) {
    BigDecimal d =
        BigDecimal.valueOf(score).setScale(3, RoundingMode.HALF_EVEN).stripTrailingZeros();
    String s = d.toPlainString();
    return s.contains(".") ? s : s + ".0";
  }

  @Override
  public Example toExample(Row row) {
    double score = Fields.number(row, "label");
    if (score < 0 || score > 5) {
      throw new org.peftbench.datasets.DatasetException(
          row.where()
              + ": STS-B label "
              + score
              + " is outside 0..5 (-1 marks the unlabeled test"
              + " split)");
    }
    String target = formatScore(score);
    String prompt =
        Prompts.build(
            instruction(),
            "Sentence 1",
            Fields.text(row, "sentence1"),
            "Sentence 2",
            Fields.text(row, "sentence2"));
    return new Example(Fields.id(row, null), prompt, target, List.of(), List.of(target));
  }

  @Override
  protected Map<String, Double> scoreNormalized(
      List<String> predictions, List<List<String>> golds) {
    double[] p = Correlation.parse(predictions);
    double[] g = Correlation.parse(first(golds));
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("pearson", Correlation.pearson(p, g));
    out.put("spearman", Correlation.spearman(p, g));
    return out;
  }

  /**
   * The instruction of the reference's entries for this task, training and {@code _eval} alike
   * (data/dataset_info.json).
   */
  private static final String REFERENCE_INSTRUCTION =
      "Assign a similarity score from 0 to 5 to the following sentence pair. "
          + "Respond only with the corresponding score.";

  /** The reference's target is {@code str()} of the float32 score widened to a double. */
  @Override
  protected List<Example> referenceExamples(Row row, SplitRole role) {
    double score = Fields.number(row, "label");
    if (score < 0 || score > 5) {
      throw new org.peftbench.datasets.DatasetException(
          row.where()
              + ": STS-B label "
              + score
              + " is outside 0..5 (-1 marks the unlabeled test"
              + " split)");
    }
    String target = ReferenceText.pythonFloat32(score);
    String user =
        ReferenceText.userMessage(
            REFERENCE_INSTRUCTION, Fields.text(row, "sentence1"), Fields.text(row, "sentence2"));
    return List.of(new Example(Fields.id(row, null), user, target, List.of(), List.of(target)));
  }
}
