package org.peftbench.harness.run;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * The progress display of a suite: one line per update with the run, its step, the loss and the ETA
 * of the whole suite. On a terminal the line is redrawn in place (carriage return); otherwise
 * (logs, CI) each update is a new line, printed at most every few seconds.
 */
public final class Progress implements Trainer.Listener {
  private final PrintWriter out;
  private final boolean tty;
  private final int totalRuns;
  private final long suiteStart = System.nanoTime();
  private int runIndex;
  private int runsDone;
  private double secondsDone;
  private String label = "";
  private long runStart;
  private long lastPrint;

  public Progress(PrintWriter out, boolean tty, int totalRuns) {
    this.out = out;
    this.tty = tty;
    this.totalRuns = totalRuns;
  }

  /** A run starts (1-based index among the runs still to do). */
  public void startRun(int index, String runLabel) {
    runIndex = index;
    label = runLabel;
    runStart = System.nanoTime();
    line(String.format(Locale.ROOT, "[%d/%d] %s: loading", index, totalRuns, label), true);
  }

  public void phase(String what) {
    line(String.format(Locale.ROOT, "[%d/%d] %s: %s", runIndex, totalRuns, label, what), true);
  }

  @Override
  public void onStep(int step, int totalSteps, double loss) {
    double runFraction = (double) step / totalSteps;
    double elapsedRun = (System.nanoTime() - runStart) / 1e9;
    // a run is ~80% training: estimate its length from the training rate
    double runEstimate = runFraction > 0 ? elapsedRun / runFraction / 0.8 : Double.NaN;
    double perRun = runsDone > 0 ? secondsDone / runsDone : runEstimate;
    double eta = Math.max(0, runEstimate - elapsedRun) + perRun * (totalRuns - runIndex);
    line(
        String.format(
            Locale.ROOT,
            "[%d/%d] %s: %s step %d/%d loss %.4f | ETA %s",
            runIndex,
            totalRuns,
            label,
            bar(runFraction),
            step,
            totalSteps,
            loss,
            fmt(eta)),
        step == totalSteps);
  }

  @Override
  public void onEvaluation(int step, double validationLoss) {
    line(
        String.format(
            Locale.ROOT,
            "[%d/%d] %s: step %d validation loss %.4f",
            runIndex,
            totalRuns,
            label,
            step,
            validationLoss),
        true);
  }

  /** A run ended with a one-line summary. */
  public void endRun(String summary) {
    double secs = (System.nanoTime() - runStart) / 1e9;
    runsDone++;
    secondsDone += secs;
    if (tty) {
      out.print("\r\033[K");
    }
    out.printf(Locale.ROOT, "[%d/%d] %s: %s (%.1f s)%n", runIndex, totalRuns, label, summary, secs);
    out.flush();
  }

  private void line(String s, boolean force) {
    long now = System.nanoTime();
    if (tty) {
      out.print("\r\033[K" + s);
      out.flush();
      return;
    }
    if (force || now - lastPrint > 5_000_000_000L) {
      out.println(s);
      out.flush();
      lastPrint = now;
    }
  }

  static String bar(double fraction) {
    int n = 20;
    int full = (int) Math.round(Math.max(0, Math.min(1, fraction)) * n);
    return "[" + "#".repeat(full) + ".".repeat(n - full) + "]";
  }

  static String fmt(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "?";
    }
    Duration d = Duration.ofSeconds(Math.round(seconds));
    return d.toHours() > 0
        ? String.format(Locale.ROOT, "%dh%02dm", d.toHours(), d.toMinutesPart())
        : String.format(Locale.ROOT, "%dm%02ds", d.toMinutes(), d.toSecondsPart());
  }
}
