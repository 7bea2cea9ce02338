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
