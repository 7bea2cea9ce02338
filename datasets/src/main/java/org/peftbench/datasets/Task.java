package org.peftbench.datasets;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.peftbench.datasets.io.Row;
import org.peftbench.datasets.metrics.Normalize;

/**
 * One PEFT-Bench task: where its data comes from (an HF dataset and two of its splits), how a
 * record becomes a prompt and a target, and how answers are scored.
 *
 * <p>Splits follow PEFT-Bench: the training split is cut 90/10 (seeded) into train and the
 * validation used for model selection; the dataset's own {@link #testSplit()} (its validation
 * split, or its test split where the test labels are public) is the test set.
 */
public abstract class Task {
  private final String name;
  private final String hfDataset;
  private final TaskKind kind;
  private final String instruction;
  private final List<String> labels;
  private final List<String> metrics;
  private final String primaryMetric;
  private final String trainSplit;
  private final String testSplit;

  protected Task(
      String name,
      String hfDataset,
      TaskKind kind,
      String instruction,
      List<String> labels,
      List<String> metrics,
      String primaryMetric,
      String trainSplit,
      String testSplit) {
    this.name = name;
    this.hfDataset = hfDataset;
    this.kind = kind;
    this.instruction = instruction;
    this.labels = List.copyOf(labels);
    this.metrics = List.copyOf(metrics);
    this.primaryMetric = primaryMetric;
    this.trainSplit = trainSplit;
    this.testSplit = testSplit;
    if (!metrics.contains(primaryMetric)) {
      throw new IllegalArgumentException(name + ": primary metric not among " + metrics);
    }
  }

  /** The task's name, also its folder name in the data directory. */
  public String name() {
    return name;
  }

  /** The canonical HF dataset (and config) whose schema the loader reads. */
  public String hfDataset() {
    return hfDataset;
  }

  public TaskKind kind() {
    return kind;
  }

  /** Our instruction, the first paragraph of every prompt. */
  public String instruction() {
    return instruction;
  }

  /** The answer texts of a classification / multiple-choice task, in label order; else empty. */
  public List<String> labels() {
    return labels;
  }

  /** The names of the scores {@link #score} returns, primary first. */
  public List<String> metrics() {
    return metrics;
  }

  public String primaryMetric() {
    return primaryMetric;
  }

  /** The HF split cut into train and validation. */
  public String trainSplit() {
    return trainSplit;
  }

  /** The HF split used as the test set. */
  public String testSplit() {
    return testSplit;
  }

  /**
   * Turns one record into an example, or returns null for a record that has no reference answer and
   * so can be neither trained on nor scored (only tasks that document it do this).
   *
   * @throws DatasetException naming the row when a field is missing or a label is unknown
   */
  public abstract Example toExample(Row row);

  /**
   * The examples one record gives under {@code protocol}: none (a record without a reference
   * answer, {@link Protocol#CORRECTED} only), one, or several where the reference repeats a record
   * once per answer (ReCoRD: one per gold answer; APPS: one per solution).
   *
   * <p>Under {@link Protocol#PEFT_FACTORY} the example's {@link Example#prompt()} is the user
   * message exactly as the reference's alpaca converter writes it (to be rendered as the only user
   * turn of the chat template, with no system prompt) and its {@link Example#target()} is the
   * reference's response text; under {@link Protocol#CORRECTED} both are {@link #toExample}'s.
   *
   * @param role whether the record is read for training or for evaluation (the reference's
   *     instruction can differ between the two)
   * @throws DatasetException naming the row when a field is missing or a label is unknown
   */
  public final List<Example> examples(Row row, Protocol protocol, SplitRole role) {
    return switch (protocol) {
      case CORRECTED -> {
        Example e = toExample(row);
        yield e == null ? List.of() : List.of(e);
      }
      case PEFT_FACTORY -> List.copyOf(referenceExamples(row, role));
    };
  }

  /**
   * The {@link Protocol#PEFT_FACTORY} examples of a record: the reference's preprocessing and
   * alpaca conversion (see {@code docs/protocol.md}, "Prompts and targets").
   */
  protected abstract List<Example> referenceExamples(Row row, SplitRole role);

  /**
   * Scores generated answers against the references, after PEFT-Bench's normalization (reasoning
   * block dropped, stripped, lower-cased) of both.
   *
   * @param golds the reference answers of each example (usually one)
   * @throws IllegalArgumentException when a reference is not a valid answer of this task (e.g. not
   *     a class name)
   */
  public final Map<String, Double> score(List<String> predictions, List<List<String>> golds) {
    if (predictions.size() != golds.size()) {
      throw new IllegalArgumentException(
          predictions.size() + " predictions for " + golds.size() + " references");
    }
    List<String> p = new ArrayList<>(predictions.size());
    for (String prediction : predictions) {
      p.add(Normalize.answer(prediction));
    }
    List<List<String>> g = new ArrayList<>(golds.size());
    for (List<String> answers : golds) {
      List<String> normalized = new ArrayList<>(answers.size());
      for (String answer : answers) {
        normalized.add(Normalize.answer(answer));
      }
      if (normalized.isEmpty()) {
        throw new IllegalArgumentException("an example has no reference answer");
      }
      g.add(normalized);
    }
    return scoreNormalized(p, g);
  }

  /** Scores already-normalized answers; keys in the order of {@link #metrics()}. */
  protected abstract Map<String, Double> scoreNormalized(
      List<String> predictions, List<List<String>> golds);

  /** The first reference of each example. */
  protected static List<String> first(List<List<String>> golds) {
    List<String> out = new ArrayList<>(golds.size());
    for (List<String> g : golds) {
      out.add(g.get(0));
    }
    return out;
  }

  @Override
  public String toString() {
    return name;
  }
}
