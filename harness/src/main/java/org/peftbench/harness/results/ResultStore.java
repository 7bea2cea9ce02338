package org.peftbench.harness.results;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The results folder of a suite:
 *
 * <pre>
 * DIR/
 *   suite.yaml              the suite as run
 *   runs/&lt;run id&gt;.json      one RunResult per run (written atomically)
 *   work/&lt;run id&gt;/          checkpoints, the best adapter and the log of a run
 *   results.csv             every run, one row each (written by the report)
 *   report.md, tables.tex, report.html
 * </pre>
 */
public final class ResultStore {
  public static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path dir;
  private final Consumer<String> warnings;

  /** A store whose warnings (a damaged result file moved aside) go to standard error. */
  public ResultStore(Path dir) {
    this(dir, w -> System.err.println("peftbench: warning: " + w));
  }

  /** A store that reports warnings, one line each, to {@code warnings}. */
  public ResultStore(Path dir, Consumer<String> warnings) {
    this.dir = dir;
    this.warnings = warnings;
  }

  public Path dir() {
    return dir;
  }

  public Path runsDir() {
    return dir.resolve("runs");
  }

  public Path resultFile(String runId) {
    return runsDir().resolve(runId + ".json");
  }

  public Path workDir(String runId) {
    return dir.resolve("work").resolve(runId);
  }

  /**
   * The stored result of a run, or null when there is none. A damaged file (truncated, not a
   * result) is moved aside to {@code <name>.corrupt-<time>} with one warning and counts as none, so
   * the run is simply done again instead of blocking every rerun.
   */
  public RunResult read(String runId) {
    Path f = resultFile(runId);
    return Files.isRegularFile(f) ? readOrSetAside(f) : null;
  }

  private RunResult readOrSetAside(Path f) {
    try {
      return readFile(f);
    } catch (IllegalArgumentException e) {
      Path aside = setAside(f);
      warnings.accept(
          e.getMessage()
              + "; moved aside to "
              + aside.getFileName()
              + ", the run counts as not run");
      return null;
    }
  }

  /** Renames a damaged file or folder to {@code <name>.corrupt-<UTC time>} beside it. */
  public static Path setAside(Path damaged) {
    String stamp =
        java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(java.time.ZoneOffset.UTC)
            .format(java.time.Instant.now());
    Path aside = damaged.resolveSibling(damaged.getFileName() + ".corrupt-" + stamp);
    try {
      Files.move(damaged, aside);
    } catch (IOException e) {
      throw new IllegalStateException(
          damaged + " is damaged and cannot be moved aside: " + e.getMessage(), e);
    }
    return aside;
  }

  public void write(RunResult r) {
    try {
      writeAtomically(resultFile(r.runId), JSON.writeValueAsString(r) + "\n");
    } catch (IOException e) {
      throw new IllegalStateException("cannot write result of " + r.runId + ": " + e, e);
    }
  }

  /** Every result in {@code runs/}, sorted by run id. */
  public List<RunResult> readAll() {
    Path runs = runsDir();
    if (!Files.isDirectory(runs)) {
      throw new IllegalArgumentException(
          "no results in " + dir + " (expected a runs/ folder of <run id>.json files)");
    }
    List<RunResult> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(runs)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        RunResult r = readOrSetAside(f);
        if (r != null) {
          out.add(r);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + runs + ": " + e.getMessage());
    }
    return out;
  }

  public static RunResult readFile(Path f) {
    try {
      RunResult r = JSON.readValue(f.toFile(), RunResult.class);
      if (r == null || !RunResult.SCHEMA.equals(r.schema)) {
        throw new IllegalArgumentException(
            f + ": not a peftbench run result (schema " + (r == null ? null : r.schema) + ")");
      }
      return r;
    } catch (IOException e) {
      throw new IllegalArgumentException(f + ": unreadable result file: " + e.getMessage());
    }
  }

  /** Deletes a folder and everything in it (nothing when absent). */
  public static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  /** Writes {@code text} to a temp file beside {@code target} and renames it over the target. */
  public static void writeAtomically(Path target, String text) throws IOException {
    writeAtomically(target, text.getBytes(StandardCharsets.UTF_8));
  }

  public static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, "." + target.getFileName() + ".", ".tmp");
    try {
      Files.write(tmp, bytes);
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
