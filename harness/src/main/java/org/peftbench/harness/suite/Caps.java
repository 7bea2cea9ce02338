package org.peftbench.harness.suite;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * CPU-sized limits on a run; null = unlimited. Example caps take a seeded sample of each split (the
 * same sample for every method, so methods are compared on the same data); {@code maxSeqLen}
 * truncates prompt + target from the left of the prompt.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Caps(
    Integer maxSteps,
    Integer maxTrainExamples,
    Integer maxValidationExamples,
    Integer maxTestExamples,
    Integer maxSeqLen,
    Integer maxNewTokens) {

  public static final Caps NONE = new Caps(null, null, null, null, null, null);

  public Caps overriddenBy(Caps o) {
    if (o == null) {
      return this;
    }
    return new Caps(
        o.maxSteps != null ? o.maxSteps : maxSteps,
        o.maxTrainExamples != null ? o.maxTrainExamples : maxTrainExamples,
        o.maxValidationExamples != null ? o.maxValidationExamples : maxValidationExamples,
        o.maxTestExamples != null ? o.maxTestExamples : maxTestExamples,
        o.maxSeqLen != null ? o.maxSeqLen : maxSeqLen,
        o.maxNewTokens != null ? o.maxNewTokens : maxNewTokens);
  }

  void validate() {
    for (Integer v :
        new Integer[] {
          maxSteps,
          maxTrainExamples,
          maxValidationExamples,
          maxTestExamples,
          maxSeqLen,
          maxNewTokens
        }) {
      if (v != null && v < 1) {
        throw new IllegalArgumentException("caps must be >= 1 when given, got " + v);
      }
    }
  }
}
