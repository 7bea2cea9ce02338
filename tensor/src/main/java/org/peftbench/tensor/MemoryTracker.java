package org.peftbench.tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the bytes of live tensor storage the process owns (heap arrays and off-heap segments we
 * allocated; memory-mapped weights are not counted) and the peak since the last {@link
 * #resetPeak()}. The harness reports the peak as the training memory.
 */
public final class MemoryTracker {
  private static final AtomicLong LIVE = new AtomicLong();
  private static final AtomicLong PEAK = new AtomicLong();

  private MemoryTracker() {}

  static void allocated(long bytes) {
    long now = LIVE.addAndGet(bytes);
    PEAK.accumulateAndGet(now, Math::max);
  }

  static void released(long bytes) {
    LIVE.addAndGet(-bytes);
  }

  public static long liveBytes() {
    return LIVE.get();
  }

  public static long peakBytes() {
    return PEAK.get();
  }

  /** Starts a new peak measurement from the current live bytes. */
  public static void resetPeak() {
    PEAK.set(LIVE.get());
  }
}
