package org.peftbench.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.peftbench.tensor.WorkerTeam;

/**
 * The machine's memory read bandwidth as a decode step sees it: {@code threads} workers each sum
 * their contiguous share of one off-heap buffer (much larger than the last-level cache), front to
 * back with vector loads, as the decode kernels stream weight rows. Token-by-token decode cannot
 * move weights faster than this, so {@code decode tokens/s × weight bytes per token} over this
 * figure is how much of the machine a decode path uses.
 */
public final class MemoryBench {
  private MemoryBench() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  private static volatile double sink;

  /** Best GB/s (10⁹ bytes per second) of {@code runs} passes over a buffer of {@code bytes}. */
  public static double readGbPerSecond(long bytes, int threads, int runs) {
    long floats = bytes / 4 / (4L * F.length()) * (4L * F.length());
    try (Arena arena = Arena.ofShared();
        WorkerTeam team = new WorkerTeam(threads)) {
      MemorySegment buf = arena.allocate(floats * 4, 64);
      // touch every page first: the first pass would otherwise measure page faults
      for (long i = 0; i < floats; i += 1024) {
        buf.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, 1f);
      }
      double[] sums = new double[threads];
      double best = 0;
      for (int r = 0; r < runs + 1; r++) {
        long t0 = System.nanoTime();
        team.run(
            (w, workers, t) -> {
              long per = floats / workers / F.length() * F.length();
              long from = w * per, to = w == workers - 1 ? floats : from + per;
              sums[w] = sum(buf, from, to);
            });
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (r > 0) {
          best = Math.max(best, floats * 4 / seconds / 1e9);
        }
      }
      double total = 0;
      for (double v : sums) {
        total += v;
      }
      sink = total; // keeps the sums (and so the loads) alive
      return best;
    }
  }

  // Σ of floats [from, to) with four independent vector accumulators
  private static double sum(MemorySegment buf, long from, long to) {
    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
    long step = F.length(), i = from;
    ByteOrder le = ByteOrder.nativeOrder();
    for (; i + 4 * step <= to; i += 4 * step) {
      s0 = s0.add(FloatVector.fromMemorySegment(F, buf, 4 * i, le));
      s1 = s1.add(FloatVector.fromMemorySegment(F, buf, 4 * (i + step), le));
      s2 = s2.add(FloatVector.fromMemorySegment(F, buf, 4 * (i + 2 * step), le));
      s3 = s3.add(FloatVector.fromMemorySegment(F, buf, 4 * (i + 3 * step), le));
    }
    return s0.add(s1).add(s2.add(s3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }
}
