package org.peftbench.harness.suite;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * How test examples are scored: {@code generate} (greedy generation, then the task's metrics, as
 * PEFT-Bench) or {@code rank} (the option with the highest log-likelihood, as
 * lm-evaluation-harness; classification and multiple-choice tasks only, others fall back to
 * generation).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EvaluationSettings(String mode, Boolean measureThroughput) {
  public static final EvaluationSettings DEFAULTS = new EvaluationSettings("generate", true);

  public EvaluationSettings resolved() {
    String m = mode == null ? DEFAULTS.mode : mode.toLowerCase(java.util.Locale.ROOT);
    if (!m.equals("generate") && !m.equals("rank")) {
      throw new IllegalArgumentException("evaluation.mode must be generate or rank, got " + mode);
    }
    return new EvaluationSettings(
        m, measureThroughput == null ? DEFAULTS.measureThroughput : measureThroughput);
  }
}
