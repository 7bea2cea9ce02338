package org.peftbench.harness.run;

import java.util.SplittableRandom;

/**
 * The order in which training examples are consumed: epoch after epoch, each a permutation of the
 * examples (seeded by the run's seed and the epoch number, so it is the same on every machine and
 * after a resume) or the file order when shuffling is off. Micro-batch {@code m} is the {@code m %
 * batchesPerEpoch}-th slice of epoch {@code m / batchesPerEpoch}; the last micro-batch of an epoch
 * may be smaller (as a PyTorch DataLoader without drop_last).
 */
public final class DataOrder {
  private final int examples;
  private final int batchSize;
  private final boolean shuffle;
  private final long seed;
  private int cachedEpoch = -1;
  private int[] cachedPermutation;

  public DataOrder(int examples, int batchSize, boolean shuffle, long seed) {
    if (examples < 1) {
      throw new IllegalArgumentException("no training examples");
    }
    this.examples = examples;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
  }

  public int batchesPerEpoch() {
    return (examples + batchSize - 1) / batchSize;
  }

  /** The example indices of micro-batch {@code m} (0-based, counting across epochs). */
  public int[] microBatch(long m) {
    int epoch = (int) (m / batchesPerEpoch());
    int slot = (int) (m % batchesPerEpoch());
    int[] perm = permutation(epoch);
    int from = slot * batchSize;
    int to = Math.min(examples, from + batchSize);
    int[] out = new int[to - from];
    System.arraycopy(perm, from, out, 0, out.length);
    return out;
  }

  /** The order of epoch {@code e}: Fisher–Yates with a generator seeded by (seed, e). */
  public int[] permutation(int epoch) {
    if (epoch == cachedEpoch) {
      return cachedPermutation;
    }
    int[] p = new int[examples];
    for (int i = 0; i < examples; i++) {
      p[i] = i;
    }
    if (shuffle) {
      SplittableRandom rnd = new SplittableRandom(mix(seed, epoch));
      for (int i = examples - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int tmp = p[i];
        p[i] = p[j];
        p[j] = tmp;
      }
    }
    cachedEpoch = epoch;
    cachedPermutation = p;
    return p;
  }

  /** A well-spread 64-bit seed from two numbers (SplitMix64 finaliser). */
  public static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
