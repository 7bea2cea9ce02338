package org.peftbench.peft.prompttuning;

/**
 * numpy's legacy global generator as PEFT-Factory's prompt-tuning init uses it: {@code
 * np.random.seed(seed)} (what {@code transformers.set_seed} does) followed by {@code
 * np.random.permutation(range(n))}. The generator is MT19937 seeded with the classic {@code
 * init_genrand} recurrence (numpy's {@code mt19937_seed}); the permutation is {@code
 * RandomState.shuffle}'s Fisher-Yates from the end, each index drawn by numpy's {@code
 * random_interval}: the smallest all-ones mask covering {@code i}, then 32-bit draws masked until
 * one is {@code <= i}. Checked against numpy by {@code NumpyLegacyPermutationTest}.
 */
public final class NumpyLegacyPermutation {
  private static final int N = 624;
  private static final int M = 397;
  private final int[] state = new int[N];
  private int pos;

  private NumpyLegacyPermutation(long seed) {
    if (seed < 0 || seed > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("numpy's legacy seed must be in [0, 2^32-1], got " + seed);
    }
    int s = (int) seed;
    for (int i = 0; i < N; i++) {
      state[i] = s;
      s = 1812433253 * (s ^ (s >>> 30)) + i + 1;
    }
    pos = N;
  }

  /** {@code np.random.seed(seed); np.random.permutation(range(n))[:k]}. */
  public static int[] firstOfPermutation(long seed, int n, int k) {
    if (n <= 0 || k < 0 || k > n) {
      throw new IllegalArgumentException("need 0 <= k <= n and n > 0, got n=" + n + " k=" + k);
    }
    NumpyLegacyPermutation g = new NumpyLegacyPermutation(seed);
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i >= 1; i--) {
      int j = (int) g.interval(i);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    int[] out = new int[k];
    System.arraycopy(a, 0, out, 0, k);
    return out;
  }

  /** numpy's {@code random_interval(max)} for max below 2^32: a uniform value in [0, max]. */
  private long interval(long max) {
    long mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    long value;
    do {
      value = (nextInt() & 0xFFFFFFFFL) & mask;
    } while (value > max);
    return value;
  }

  /** MT19937's {@code genrand_int32}. */
  private int nextInt() {
    if (pos >= N) {
      regenerate();
    }
    int y = state[pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y;
  }

  private void regenerate() {
    for (int i = 0; i < N; i++) {
      int y = (state[i] & 0x80000000) | (state[(i + 1) % N] & 0x7fffffff);
      int next = state[(i + M) % N] ^ (y >>> 1);
      state[i] = (y & 1) != 0 ? next ^ 0x9908b0df : next;
    }
    pos = 0;
  }
}
