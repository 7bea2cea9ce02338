package org.peftbench.datasets;

/**
 * How a task's examples are split and sampled.
 *
 * @param seed seeds the 90/10 train/validation cut and the sampling of capped splits
 * @param trainCap at most this many training examples (0: all)
 * @param validationCap at most this many validation examples (0: all)
 * @param testCap at most this many test examples (0: all)
 */
public record SplitOptions(long seed, int trainCap, int validationCap, int testCap) {
  /** PEFT-Bench holds out 10% of the training split for model selection. */
  public static final double VALIDATION_FRACTION = 0.1;

  public SplitOptions {
    if (trainCap < 0 || validationCap < 0 || testCap < 0) {
      throw new IllegalArgumentException("caps must be >= 0 (0 means no cap)");
    }
  }

  /** Seed 42, no caps. */
  public static SplitOptions defaults() {
    return new SplitOptions(42, 0, 0, 0);
  }

  public SplitOptions withSeed(long newSeed) {
    return new SplitOptions(newSeed, trainCap, validationCap, testCap);
  }

  public SplitOptions withCaps(int train, int validation, int test) {
    return new SplitOptions(seed, train, validation, test);
  }
}
