package org.peftbench.datasets;

import java.util.List;

/**
 * A task's examples as PEFT-Bench uses them: train (90% of the training split), validation (the
 * held-out 10%, for model selection) and test (the dataset's validation or test split).
 */
public record BenchmarkSplits(
    Task task, List<Example> train, List<Example> validation, List<Example> test) {
  public BenchmarkSplits {
    train = List.copyOf(train);
    validation = List.copyOf(validation);
    test = List.copyOf(test);
  }
}
