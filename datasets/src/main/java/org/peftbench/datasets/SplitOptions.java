package org.peftbench.datasets;

/**
 * How a task's examples are split and sampled.
 *
 * @param seed seeds the train/validation cut (HF datasets' {@code train_test_split(seed=...)}, so
 *     non-negative) and the sampling of a capped test split
 * @param trainCap at most this many training examples (0: all)
 * @param validationCap at most this many validation examples (0: all)
 * @param testCap at most this many test examples (0: all)
 * @param validationFraction the share of the training split held out for validation (PEFT-Factory's
 *     {@code val_size}: 0.1, 0.2 in its prefix-tuning configs)
 */
public record SplitOptions(
    long seed, int trainCap, int validationCap, int testCap, double validationFraction) {
  /** PEFT-Bench holds out 10% of the training split for model selection. */
  public static final double VALIDATION_FRACTION = 0.1;

  public SplitOptions {
    if (trainCap < 0 || validationCap < 0 || testCap < 0) {
      throw new IllegalArgumentException("caps must be >= 0 (0 means no cap)");
    }
    if (!(validationFraction > 0 && validationFraction < 1)) {
      throw new IllegalArgumentException(
          "the validation fraction must be in (0, 1), got " + validationFraction);
    }
    if (seed < 0) {
      throw new IllegalArgumentException(
          "a split seed must be non-negative (numpy's default_rng), got " + seed);
    }
  }

  /** The default 10% validation share. */
  public SplitOptions(long seed, int trainCap, int validationCap, int testCap) {
    this(seed, trainCap, validationCap, testCap, VALIDATION_FRACTION);
  }

  /** Seed 42, no caps. */
  public static SplitOptions defaults() {
    return new SplitOptions(42, 0, 0, 0);
  }

  public SplitOptions withSeed(long newSeed) {
    return new SplitOptions(newSeed, trainCap, validationCap, testCap, validationFraction);
  }

  public SplitOptions withCaps(int train, int validation, int test) {
    return new SplitOptions(seed, train, validation, test, validationFraction);
  }

  public SplitOptions withValidationFraction(double fraction) {
    return new SplitOptions(seed, trainCap, validationCap, testCap, fraction);
  }
}
