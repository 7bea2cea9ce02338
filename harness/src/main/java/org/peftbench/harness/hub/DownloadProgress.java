package org.peftbench.harness.hub;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A download's progress bar on stderr: redrawn in place on a terminal, else one line at the start
 * and one at the end (so logs of batch jobs stay short).
 */
final class DownloadProgress {
  private static final int WIDTH = 24;
  private static final long REDRAW_NANOS = 200_000_000L;

  private final PrintStream out;
  private final boolean tty;
  private final String name;
  private final long total;
  private long lastDraw;

  DownloadProgress(PrintStream out, boolean tty, String name, long total, long resumedAt) {
    this.out = out;
    this.tty = tty;
    this.name = name;
    this.total = total;
    if (!tty) {
      out.printf(
          Locale.ROOT,
          "downloading %s (%s)%s%n",
          name,
          mb(total),
          resumedAt > 0 ? ", resuming at " + mb(resumedAt) : "");
    }
  }

  void update(long done) {
    long now = System.nanoTime();
    if (tty && now - lastDraw > REDRAW_NANOS) {
      lastDraw = now;
      draw(done);
    }
  }

  void finish(long done) {
    if (tty) {
      draw(done);
      out.println();
    } else {
      out.printf(Locale.ROOT, "downloaded %s (%s)%n", name, mb(done));
    }
  }

  private void draw(long done) {
    double f = total > 0 ? Math.min(1.0, (double) done / total) : 0;
    int filled = (int) Math.round(f * WIDTH);
    out.printf(
        Locale.ROOT,
        "\r%s [%s%s] %3.0f%% %s / %s",
        name,
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        100 * f,
        mb(done),
        mb(total));
    out.flush();
  }

  private static String mb(long bytes) {
    return bytes < 0 ? "? MB" : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
