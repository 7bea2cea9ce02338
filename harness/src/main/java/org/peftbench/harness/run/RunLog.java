package org.peftbench.harness.run;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Locale;

/**
 * The log file of one run ({@code work/<run id>/run.log}): timestamped lines for every phase,
 * training step and evaluation; appended to, so a resumed run's log shows both attempts.
 */
public final class RunLog implements Trainer.Listener, AutoCloseable {
  private final PrintWriter out;

  public RunLog(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      out =
          new PrintWriter(
              Files.newBufferedWriter(
                  file,
                  StandardCharsets.UTF_8,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.APPEND),
              true);
    } catch (IOException e) {
      throw new IllegalStateException("cannot open run log " + file + ": " + e, e);
    }
  }

  public void info(String message) {
    out.println(Instant.now() + " " + message);
  }

  @Override
  public void onStep(int step, int totalSteps, double loss) {
    info(String.format(Locale.ROOT, "step %d/%d loss %.6f", step, totalSteps, loss));
  }

  @Override
  public void onEvaluation(int step, double validationLoss) {
    info(String.format(Locale.ROOT, "step %d validation loss %.6f", step, validationLoss));
  }

  @Override
  public void onWarning(String message) {
    info("warning: " + message);
  }

  @Override
  public void close() {
    out.close();
  }

  /** Both listeners in turn. */
  public static Trainer.Listener both(Trainer.Listener a, Trainer.Listener b) {
    return new Trainer.Listener() {
      @Override
      public void onStep(int step, int totalSteps, double loss) {
        a.onStep(step, totalSteps, loss);
        b.onStep(step, totalSteps, loss);
      }

      @Override
      public void onEvaluation(int step, double validationLoss) {
        a.onEvaluation(step, validationLoss);
        b.onEvaluation(step, validationLoss);
      }

      @Override
      public void onWarning(String message) {
        a.onWarning(message);
        b.onWarning(message);
      }
    };
  }
}
