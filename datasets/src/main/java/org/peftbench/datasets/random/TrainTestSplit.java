package org.peftbench.datasets.random;

/**
 * HF datasets' {@code Dataset.train_test_split(test_size=f, seed=s)} (shuffle on, no generator
 * given, no train_size), on row indices: {@code n_test = ceil(f·n)}, {@code n_train = n − n_test};
 * the permutation is {@code np.random.default_rng(s).permutation(n)}; the test rows are its first
 * {@code n_test} entries and the train rows the rest, each in permutation order (that is the order
 * {@code select} gives the rows).
 *
 * <p>LLaMA-Factory (so PEFT-Factory) calls it with {@code test_size = val_size} and the run's seed
 * and names the two parts train and validation.
 *
 * @param test the held-out row indices, in order
 * @param train the remaining row indices, in order
 */
public record TrainTestSplit(int[] test, int[] train) {

  /**
   * Splits {@code n} rows.
   *
   * @throws IllegalArgumentException when the fraction is not in (0, 1) or leaves no train row (HF
   *     raises there too)
   */
  public static TrainTestSplit of(int n, double testFraction, long seed) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("test_size must be in (0, 1), got " + testFraction);
    }
    if (n <= 0) {
      throw new IllegalArgumentException("cannot split " + n + " rows");
    }
    int nTest = (int) Math.ceil(testFraction * n);
    int nTrain = n - nTest;
    if (nTrain == 0) {
      throw new IllegalArgumentException(
          "with " + n + " rows and test_size=" + testFraction + " the train part is empty");
    }
    int[] permutation = NumpyGenerator.defaultRng(seed).permutation(n);
    return new TrainTestSplit(
        java.util.Arrays.copyOfRange(permutation, 0, nTest),
        java.util.Arrays.copyOfRange(permutation, nTest, n));
  }
}
