package org.peftbench.harness.cost;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ProcessMemoryTest {
  static final long MB = 1L << 20;

  @Test
  void peakRssResetsAfterMemoryIsGivenBack() {
    Assumptions.assumeTrue(ProcessMemory.peakRssBytes() > 0, "no /proc/self/status");
    // 256 MB off-heap, touched, then freed: RSS rises and falls, the peak stays up
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment big = arena.allocate(256 * MB);
      big.fill((byte) 1);
    }
    long rss = ProcessMemory.rssBytes();
    long peak = ProcessMemory.peakRssBytes();
    assertThat(peak).isGreaterThan(rss + 128 * MB);
    Assumptions.assumeTrue(ProcessMemory.resetPeak(), "/proc/self/clear_refs not writable");
    long after = ProcessMemory.peakRssBytes();
    // the kernel's RSS counters lag a little: compare with a margin
    assertThat(after).isLessThan(peak - 128 * MB).isBetween(rss - 32 * MB, rss + 32 * MB);
  }
}
