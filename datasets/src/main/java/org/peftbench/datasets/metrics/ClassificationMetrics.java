package org.peftbench.datasets.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Scores of a classification or multiple-choice task whose answers are class names, the way
 * PEFT-Bench scores them.
 *
 * <p>An answer outside the label set is replaced by a wrong label (the first class when the gold is
 * the second, else the second: PEFT-Factory's {@code binary_reverse}), so it counts as wrong in
 * every metric. F1 treats the second label as the positive class (sklearn's {@code pos_label=1} on
 * the label order); macro-F1 averages the per-class F1 over the classes present in the golds or the
 * predictions, as sklearn does when no label list is given.
 */
public final class ClassificationMetrics {
  private ClassificationMetrics() {}

  /** Gold and predicted class ids after PEFT-Bench's handling of invalid answers. */
  public record Encoded(int[] gold, int[] predicted, int classes, int invalid) {}

  /**
   * Maps normalized answers to class ids.
   *
   * @param labels the class names, lower-case, in label order
   * @throws IllegalArgumentException when a gold answer is not a class name
   */
  public static Encoded encode(List<String> predictions, List<String> golds, List<String> labels) {
    if (predictions.size() != golds.size()) {
      throw new IllegalArgumentException(
          predictions.size() + " predictions for " + golds.size() + " labels");
    }
    int n = golds.size();
    int[] gold = new int[n];
    int[] predicted = new int[n];
    int invalid = 0;
    for (int i = 0; i < n; i++) {
      gold[i] = labels.indexOf(golds.get(i));
      if (gold[i] < 0) {
        throw new IllegalArgumentException(
            "label #" + (i + 1) + " '" + golds.get(i) + "' is not one of " + labels);
      }
      predicted[i] = labels.indexOf(predictions.get(i));
      if (predicted[i] < 0) {
        invalid++;
        predicted[i] = gold[i] == 1 ? 0 : 1; // PEFT-Factory's binary_reverse: always a wrong class
      }
    }
    return new Encoded(gold, predicted, labels.size(), invalid);
  }

  public static double accuracy(int[] gold, int[] predicted) {
    if (gold.length == 0) {
      return 0.0;
    }
    int correct = 0;
    for (int i = 0; i < gold.length; i++) {
      if (gold[i] == predicted[i]) {
        correct++;
      }
    }
    return (double) correct / gold.length;
  }

  /** F1 of class {@code positive}: 2TP / (2TP + FP + FN), 0 when that is 0/0 (sklearn's value). */
  public static double f1(int[] gold, int[] predicted, int positive) {
    long tp = 0;
    long fp = 0;
    long fn = 0;
    for (int i = 0; i < gold.length; i++) {
      boolean g = gold[i] == positive;
      boolean p = predicted[i] == positive;
      if (g && p) {
        tp++;
      } else if (p) {
        fp++;
      } else if (g) {
        fn++;
      }
    }
    long denominator = 2 * tp + fp + fn;
    return denominator == 0 ? 0.0 : 2.0 * tp / denominator;
  }

  /** Unweighted mean of the per-class F1 over the classes seen in gold or predicted. */
  public static double macroF1(int[] gold, int[] predicted) {
    TreeSet<Integer> present = new TreeSet<>();
    for (int i = 0; i < gold.length; i++) {
      present.add(gold[i]);
      present.add(predicted[i]);
    }
    if (present.isEmpty()) {
      return 0.0;
    }
    double sum = 0;
    for (int c : present) {
      sum += f1(gold, predicted, c);
    }
    return sum / present.size();
  }

  /**
   * Matthews correlation coefficient for any number of classes (Gorodkin's R_K, sklearn's formula);
   * 0 when it is undefined (a constant prediction or gold).
   */
  public static double matthews(int[] gold, int[] predicted, int classes) {
    long[] goldCount = new long[classes];
    long[] predCount = new long[classes];
    long correct = 0;
    long n = gold.length;
    for (int i = 0; i < n; i++) {
      goldCount[gold[i]]++;
      predCount[predicted[i]]++;
      if (gold[i] == predicted[i]) {
        correct++;
      }
    }
    double covYtYp = (double) correct * n;
    double covYpYp = (double) n * n;
    double covYtYt = (double) n * n;
    for (int k = 0; k < classes; k++) {
      covYtYp -= (double) goldCount[k] * predCount[k];
      covYpYp -= (double) predCount[k] * predCount[k];
      covYtYt -= (double) goldCount[k] * goldCount[k];
    }
    double denominator = Math.sqrt(covYtYt * covYpYp);
    return denominator == 0 ? 0.0 : covYtYp / denominator;
  }

  /**
   * PEFT-Bench's scores: {@code f1} (binary) or {@code macro_f1} (more classes), {@code accuracy}
   * (PEFT-Factory's exact match), {@code mcc} when asked for, and {@code invalid} (the fraction of
   * answers outside the label set).
   */
  public static Map<String, Double> score(
      List<String> predictions, List<String> golds, List<String> labels, boolean withMcc) {
    Encoded e = encode(predictions, golds, labels);
    Map<String, Double> out = new LinkedHashMap<>();
    if (labels.size() == 2) {
      out.put("f1", f1(e.gold(), e.predicted(), 1));
    } else {
      out.put("macro_f1", macroF1(e.gold(), e.predicted()));
    }
    out.put("accuracy", accuracy(e.gold(), e.predicted()));
    if (withMcc) {
      out.put("mcc", matthews(e.gold(), e.predicted(), e.classes()));
    }
    out.put("invalid", golds.isEmpty() ? 0.0 : (double) e.invalid() / golds.size());
    return out;
  }
}
