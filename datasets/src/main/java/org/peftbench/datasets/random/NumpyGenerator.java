package org.peftbench.datasets.random;

/**
 * The parts of numpy's {@code np.random.Generator} (over {@link Pcg64}) that HF datasets use to
 * split and shuffle: {@code default_rng(seed).permutation(n)}.
 */
public final class NumpyGenerator {
  private final Pcg64 bits;

  /** {@code np.random.default_rng(seed)}. */
  public static NumpyGenerator defaultRng(long seed) {
    return new NumpyGenerator(new Pcg64(seed));
  }

  public NumpyGenerator(Pcg64 bits) {
    this.bits = bits;
  }

  /**
   * A uniform integer in {@code [0, max]} by masked rejection (numpy's {@code random_interval}):
   * draw bits under the smallest all-ones mask covering {@code max} until the value is at most
   * {@code max}. 32-bit draws (buffered, see {@link Pcg64#nextInt()}) while {@code max} fits in 32
   * bits, else 64-bit draws.
   */
  public long randomInterval(long max) {
    if (max == 0) {
      return 0;
    }
    long mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask |= mask >>> 32;
    long value;
    if (Long.compareUnsigned(max, 0xFFFFFFFFL) <= 0) {
      do {
        value = (bits.nextInt() & 0xFFFFFFFFL) & mask;
      } while (value > max);
    } else {
      do {
        value = bits.nextLong() & mask;
      } while (Long.compareUnsigned(value, max) > 0);
    }
    return value;
  }

  /**
   * {@code permutation(n)}: {@code arange(n)} shuffled in place by Fisher-Yates from the last
   * position down, each swap partner drawn with {@link #randomInterval} (numpy's {@code
   * Generator.shuffle} on a one-dimensional array).
   */
  public int[] permutation(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i >= 1; i--) {
      int j = (int) randomInterval(i);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
