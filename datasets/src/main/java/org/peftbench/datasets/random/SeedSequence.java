package org.peftbench.datasets.random;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * numpy's {@code np.random.SeedSequence}: turns a user's seed (any non-negative integer) into
 * well-mixed words of state for a bit generator. Only what {@code default_rng(seed)} needs: no
 * spawn keys, the default pool of four 32-bit words.
 *
 * <p>The algorithm (Melissa O'Neill's "seed_seq" design as numpy implements it):
 *
 * <ol>
 *   <li>The seed is split into 32-bit words, least significant first ({@code 0} is one word).
 *   <li>Each word is hashed into a pool of 4 words ({@link #hashMix}, whose multiplier advances on
 *       every call); then every pool word is mixed into every other ({@link #mix}); words beyond
 *       the fourth are mixed into all four.
 *   <li>{@link #generateState} cycles over the pool and hashes each word again with a second
 *       constant pair, giving as many 32-bit words as asked.
 * </ol>
 *
 * All arithmetic is modulo 2³², as numpy's {@code uint32} arrays.
 */
public final class SeedSequence {
  private static final int INIT_A = 0x43b0d7e5;
  private static final int MULT_A = 0x931e8875;
  private static final int INIT_B = 0x8b51f9dd;
  private static final int MULT_B = 0x58f38ded;
  private static final int MIX_MULT_L = 0xca01f9dd;
  private static final int MIX_MULT_R = 0x4973f715;

  /** Half the bits of a 32-bit word. */
  private static final int XSHIFT = 16;

  private static final int POOL_SIZE = 4;

  private final int[] pool = new int[POOL_SIZE];

  /** The sequence of a non-negative seed, as {@code SeedSequence(seed)}. */
  public SeedSequence(long seed) {
    this(BigInteger.valueOf(seed));
  }

  public SeedSequence(BigInteger seed) {
    if (seed.signum() < 0) {
      throw new IllegalArgumentException("a seed must be non-negative, got " + seed);
    }
    mixEntropy(words(seed));
  }

  /** The seed's 32-bit words, least significant first; zero is the single word 0. */
  static int[] words(BigInteger seed) {
    List<Integer> out = new ArrayList<>();
    BigInteger mask = BigInteger.valueOf(0xFFFFFFFFL);
    BigInteger rest = seed;
    do {
      out.add(rest.and(mask).intValue());
      rest = rest.shiftRight(32);
    } while (rest.signum() > 0);
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** State of the hash that feeds the pool; its multiplier changes on every use. */
  private int hashConst = INIT_A;

  private int hashMix(int value) {
    value ^= hashConst;
    hashConst *= MULT_A;
    value *= hashConst;
    value ^= value >>> XSHIFT;
    return value;
  }

  private static int mix(int x, int y) {
    int result = MIX_MULT_L * x - MIX_MULT_R * y;
    result ^= result >>> XSHIFT;
    return result;
  }

  private void mixEntropy(int[] entropy) {
    // Seed the pool: one hashed word each (missing words hash 0).
    for (int i = 0; i < POOL_SIZE; i++) {
      pool[i] = hashMix(i < entropy.length ? entropy[i] : 0);
    }
    // Every pool word influences every other one.
    for (int src = 0; src < POOL_SIZE; src++) {
      for (int dst = 0; dst < POOL_SIZE; dst++) {
        if (src != dst) {
          pool[dst] = mix(pool[dst], hashMix(pool[src]));
        }
      }
    }
    // Entropy words that did not fit into the pool are mixed into all of it.
    for (int src = POOL_SIZE; src < entropy.length; src++) {
      for (int dst = 0; dst < POOL_SIZE; dst++) {
        pool[dst] = mix(pool[dst], hashMix(entropy[src]));
      }
    }
  }

  /** {@code generate_state(n, np.uint32)}: {@code n} 32-bit words of state. */
  public int[] generateState32(int n) {
    int[] state = new int[n];
    int hash = INIT_B;
    for (int i = 0; i < n; i++) {
      int value = pool[i % POOL_SIZE];
      value ^= hash;
      hash *= MULT_B;
      value *= hash;
      value ^= value >>> XSHIFT;
      state[i] = value;
    }
    return state;
  }

  /**
   * {@code generate_state(n, np.uint64)}: {@code 2n} 32-bit words viewed as {@code n} little-endian
   * 64-bit words (the even word is the low half).
   */
  public long[] generateState(int n) {
    int[] words = generateState32(2 * n);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = (words[2 * i] & 0xFFFFFFFFL) | ((long) words[2 * i + 1] << 32);
    }
    return out;
  }
}
