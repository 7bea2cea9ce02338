package org.peftbench.datasets.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.SplitRole;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskKind;
import org.peftbench.datasets.io.Row;
import org.peftbench.datasets.metrics.ClassificationMetrics;

/**
 * A task whose answer is one of a fixed set of texts: class names, or option labels for multiple
 * choice. Scored with F1 (two labels, the second positive) or macro-F1 (more), and accuracy.
 */
public abstract class ClassificationTask extends Task {
  private final String labelField;
  private final List<String> hfNames;
  private final boolean stringValued;
  private final boolean withMcc;

  /**
   * @param labels our answer texts, in the HF label order
   * @param labelField the HF label column
   * @param hfNames the HF class names (or, for string labels, the values) in label order
   */
  protected ClassificationTask(
      String name,
      String hfDataset,
      TaskKind kind,
      String instruction,
      List<String> labels,
      String labelField,
      List<String> hfNames,
      boolean stringValued,
      boolean withMcc,
      String trainSplit,
      String testSplit) {
    super(
        name,
        hfDataset,
        kind,
        instruction,
        labels,
        metricNames(labels.size(), withMcc),
        labels.size() == 2 ? "f1" : "macro_f1",
        trainSplit,
        testSplit);
    this.labelField = labelField;
    this.hfNames = List.copyOf(hfNames);
    this.stringValued = stringValued;
    this.withMcc = withMcc;
  }

  private static List<String> metricNames(int classes, boolean withMcc) {
    List<String> names = new ArrayList<>();
    names.add(classes == 2 ? "f1" : "macro_f1");
    names.add("accuracy");
    if (withMcc) {
      names.add("mcc");
    }
    names.add("invalid");
    return names;
  }

  /** The prompt of a row (instruction and input fields). */
  protected abstract String prompt(Row row);

  /** The row's id; the HF idx where there is one. */
  protected String id(Row row) {
    return Fields.id(row, null);
  }

  @Override
  public Example toExample(Row row) {
    int label = Fields.classIndex(row, labelField, hfNames, stringValued);
    String target = labels().get(label);
    return new Example(id(row), prompt(row), target, labels(), List.of(target));
  }

  /**
   * The reference's answer texts in label order: its class names or label strings, in its casing
   * (BoolQ's "False" / "True" where ours are lower case). By default our labels.
   */
  protected List<String> referenceLabels() {
    return labels();
  }

  /**
   * The reference's user message for a row: the instruction of the task's {@code dataset_info.json}
   * entry for {@code role}, then its prompt and query columns (after the task's preprocessing),
   * joined as the alpaca converter does.
   */
  protected abstract String referenceUserMessage(Row row, SplitRole role);

  @Override
  protected List<Example> referenceExamples(Row row, SplitRole role) {
    // Rows without a label (-1, "") stop here as under the corrected protocol: the reference would
    // train on an empty or wrong answer, but none of the splits it runs has such rows.
    int label = Fields.classIndex(row, labelField, hfNames, stringValued);
    String target = referenceLabels().get(label);
    return List.of(
        new Example(
            id(row), referenceUserMessage(row, role), target, referenceLabels(), List.of(target)));
  }

  @Override
  protected Map<String, Double> scoreNormalized(
      List<String> predictions, List<List<String>> golds) {
    List<String> lower = labels().stream().map(l -> l.toLowerCase(java.util.Locale.ROOT)).toList();
    return ClassificationMetrics.score(predictions, first(golds), lower, withMcc);
  }

  /** "Answer with one of: a, b." */
  protected static String answerWith(List<String> labels) {
    return "Answer with one of: " + String.join(", ", labels) + ".";
  }
}
