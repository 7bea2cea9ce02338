package org.peftbench.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The tracker is process-wide and the Cleaner may release unreachable tensors of other tests at any
 * moment (which only lowers the live count), so the checks are one-sided where that matters.
 */
class MemoryTrackerTest {
  private static final int MB = 1 << 20;

  @Test
  void heapTensorsCountUntilClosed() {
    MemoryTracker.resetPeak();
    Tensor t = Tensor.zeros(16 * MB / 4);
    assertThat(MemoryTracker.peakBytes()).isGreaterThanOrEqualTo(16L * MB);
    assertThat(MemoryTracker.liveBytes()).isGreaterThanOrEqualTo(16L * MB);
    long before = MemoryTracker.liveBytes();
    t.close();
    long after = MemoryTracker.liveBytes();
    assertThat(after).isLessThanOrEqualTo(before - 16L * MB);
    // closing again (or closing a view of the same storage) releases nothing more
    t.reshape(-1).close();
    assertThat(MemoryTracker.liveBytes()).isGreaterThan(after - 8L * MB);
    // the peak outlives the tensor until reset
    assertThat(MemoryTracker.peakBytes()).isGreaterThanOrEqualTo(16L * MB);
    MemoryTracker.resetPeak();
    assertThat(MemoryTracker.peakBytes()).isLessThan(before);
  }

  @Test
  void offHeapSegmentsCountUntilReleased() {
    MemoryTracker.resetPeak();
    SegmentStorage s = SegmentStorage.allocate(4L * MB, DType.BF16); // 8 MiB
    assertThat(s.size()).isEqualTo(4L * MB);
    assertThat(MemoryTracker.peakBytes()).isGreaterThanOrEqualTo(8L * MB);
    long before = MemoryTracker.liveBytes();
    Tensor t = Tensor.view(s, 0, 2, 2 * MB);
    t.close();
    long after = MemoryTracker.liveBytes();
    assertThat(after).isLessThanOrEqualTo(before - 8L * MB);
    s.release();
    assertThat(MemoryTracker.liveBytes()).isGreaterThan(after - 4L * MB);
  }

  @Test
  void viewsAreNotCountedTwice() {
    Tensor t = Tensor.zeros(8 * MB / 4);
    long before = MemoryTracker.liveBytes();
    Tensor v = t.reshape(2, -1).slice0(0, 1);
    assertThat(MemoryTracker.liveBytes()).isLessThanOrEqualTo(before);
    v.close();
    assertThat(MemoryTracker.liveBytes()).isLessThanOrEqualTo(before - 8L * MB);
  }
}
