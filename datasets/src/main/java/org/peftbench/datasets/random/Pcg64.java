package org.peftbench.datasets.random;

/**
 * numpy's default bit generator {@code np.random.PCG64}: a 128-bit linear congruential generator
 * whose output is the "XSL-RR" permutation of its state (xor the two halves, rotate right by the
 * top 6 bits), as in Melissa O'Neill's PCG family.
 *
 * <p>Seeding follows numpy: four 64-bit words from a {@link SeedSequence} give the initial state
 * {@code (w0 << 64) | w1} and the stream increment {@code (w2 << 64) | w3}, then PCG's {@code
 * srandom}: state 0, increment {@code 2·seq + 1}, one step, add the initial state, one step. Each
 * draw steps the state first, then outputs. {@link #nextInt()} draws 64 bits and returns the low
 * half, keeping the high half for the next call (numpy's buffered {@code next_uint32}).
 */
public final class Pcg64 {
  /** The 128-bit LCG multiplier, high and low halves. */
  private static final long MULT_HI = 0x2360ED051FC65DA4L;

  private static final long MULT_LO = 0x4385DF649FCCF645L;

  private long stateHi;
  private long stateLo;
  private final long incHi;
  private final long incLo;

  private boolean hasBufferedInt;
  private int bufferedInt;

  /** {@code PCG64(seed)}: seeded through {@code SeedSequence(seed)}. */
  public Pcg64(long seed) {
    this(new SeedSequence(seed));
  }

  public Pcg64(SeedSequence seeds) {
    long[] w = seeds.generateState(4);
    // inc = (initseq << 1) | 1, in 128 bits
    incHi = (w[2] << 1) | (w[3] >>> 63);
    incLo = (w[3] << 1) | 1L;
    stateHi = 0;
    stateLo = 0;
    step();
    long lo = stateLo + w[1];
    stateHi = stateHi + w[0] + (Long.compareUnsigned(lo, stateLo) < 0 ? 1 : 0);
    stateLo = lo;
    step();
  }

  /** state = state · MULT + inc (mod 2¹²⁸). */
  private void step() {
    // (hi·2⁶⁴ + lo)(MH·2⁶⁴ + ML) mod 2¹²⁸ = lo·ML + 2⁶⁴·(hi·ML + lo·MH)
    long productLo = stateLo * MULT_LO;
    long productHi =
        Math.unsignedMultiplyHigh(stateLo, MULT_LO) + stateHi * MULT_LO + stateLo * MULT_HI;
    long lo = productLo + incLo;
    long carry = Long.compareUnsigned(lo, productLo) < 0 ? 1 : 0;
    stateHi = productHi + incHi + carry;
    stateLo = lo;
  }

  /** The next 64 random bits. */
  public long nextLong() {
    step();
    int rotation = (int) (stateHi >>> 58); // state >> 122
    return Long.rotateRight(stateHi ^ stateLo, rotation);
  }

  /** The next 32 random bits: halves of one 64-bit draw, low half first. */
  public int nextInt() {
    if (hasBufferedInt) {
      hasBufferedInt = false;
      return bufferedInt;
    }
    long next = nextLong();
    hasBufferedInt = true;
    bufferedInt = (int) (next >>> 32);
    return (int) next;
  }
}
