package org.peftbench.harness.cost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident set size (Linux {@code VmHWM}), for the training-memory cost. */
public final class ProcessMemory {
  private ProcessMemory() {}

  /** Peak RSS in bytes since the process started, or -1 where /proc is not available. */
  public static long peakRssBytes() {
    return readKb("VmHWM:");
  }

  /**
   * Starts a new peak-RSS measurement: Linux resets {@code VmHWM} to the current RSS when "5" is
   * written to {@code /proc/self/clear_refs} (kernel 4.0+). Without it, the peak would be the
   * process's since it started, so later runs of a suite would inherit earlier peaks.
   *
   * @return whether the reset worked
   */
  public static boolean resetPeak() {
    Path clear = Path.of("/proc/self/clear_refs");
    try {
      Files.writeString(clear, "5");
      return true;
    } catch (IOException | SecurityException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** Current RSS in bytes, or -1. */
  public static long rssBytes() {
    return readKb("VmRSS:");
  }

  private static long readKb(String key) {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(key)) {
          String v = line.substring(key.length()).trim(); // "12345 kB"
          return Long.parseLong(v.split("\\s+")[0]) * 1024L;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
