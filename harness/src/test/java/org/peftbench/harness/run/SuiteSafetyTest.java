package org.peftbench.harness.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.results.ResultsFolder;
import org.peftbench.harness.results.RunResult;
import org.peftbench.harness.suite.Suite;
import org.peftbench.harness.suite.SuiteLoader;

/**
 * Nothing is overwritten or mixed silently, and one run's failure (an Error included) never stops
 * the suite: ids that cannot collide, one suite and one writer per results folder, FAILED records
 * skipped until {@code --retry-failed}, damaged result files set aside. The runs themselves are
 * replaced by an instant executor: these are properties of the runner, not of training.
 */
class SuiteSafetyTest {
  static Suite suite(String name, String methods) {
    String yaml =
        """
        name: %s
        models: [%s]
        tasks: [copa]
        seeds: [7]
        data_dir: %s
        """
                .formatted(name, Stories.model(), Stories.data())
            + methods;
    return SuiteLoader.parse(
        new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "s.yaml");
  }

  static final String TWO_METHODS =
      """
      methods:
        - name: my lora
          peft: {peft_type: IA3}
        - name: my_lora
          peft: {peft_type: IA3}
      """;

  /** A run that "completes" instantly with a score of its own, and counts its executions. */
  static final class Instant implements SuiteRunner.CellExecutor {
    final List<String> executed = new ArrayList<>();
    final Set<String> throwFor = ConcurrentHashMap.newKeySet();
    Throwable toThrow;

    @Override
    public RunResult execute(
        Suite.RunSpec spec,
        Path modelDir,
        org.peftbench.datasets.DataDir data,
        Path work,
        Progress progress) {
      executed.add(spec.method().name());
      if (throwFor.contains(spec.method().name())) {
        sneaky(toThrow);
      }
      RunResult r = new RunResult();
      r.runId = spec.id();
      r.configHash = spec.configHash();
      r.suite = "x";
      r.model = spec.model();
      r.method = spec.method().name();
      r.peftType = spec.method().peftType();
      r.task = spec.task();
      r.seed = spec.seed();
      r.status = RunResult.Status.NONFINITE_LOSS; // a finished outcome that needs no metrics
      r.statusMessage = "instant " + spec.method().name();
      return r;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneaky(Throwable t) throws T {
      throw (T) t;
    }
  }

  static SuiteRunner runner(Suite s, Path out, StringWriter log, SuiteRunner.Options o, Instant x) {
    return new SuiteRunner(s, null, out, null, new PrintWriter(log, true), false, o)
        .withExecutor(x);
  }

  @Test
  void methodsWhoseNamesLookAlikeKeepBothResults(@TempDir Path tmp) {
    Instant x = new Instant();
    SuiteRunner.Summary sum =
        runner(suite("s", TWO_METHODS), tmp, new StringWriter(), SuiteRunner.Options.DEFAULTS, x)
            .run();
    assertThat(sum.total()).isEqualTo(2);
    List<RunResult> all = new ResultStore(tmp).readAll();
    assertThat(all).extracting(r -> r.method).containsExactlyInAnyOrder("my lora", "my_lora");
    // a rerun skips both: neither result hides the other
    Instant again = new Instant();
    assertThat(
            runner(
                    suite("s", TWO_METHODS),
                    tmp,
                    new StringWriter(),
                    SuiteRunner.Options.DEFAULTS,
                    again)
                .run()
                .skipped())
        .isEqualTo(2);
    assertThat(again.executed).isEmpty();
  }

  @Test
  void anErrorInOneRunIsRecordedAsFailedAndTheSuiteGoesOnToTheReport(@TempDir Path tmp) {
    for (Throwable error :
        List.of(
            new OutOfMemoryError("Java heap space"),
            new StackOverflowError(),
            new IllegalStateException("broken"))) {
      Path out = tmp.resolve(error.getClass().getSimpleName());
      Instant x = new Instant();
      x.throwFor.add("my lora");
      x.toThrow = error;
      StringWriter log = new StringWriter();
      SuiteRunner.Summary sum =
          runner(suite("s", TWO_METHODS), out, log, SuiteRunner.Options.DEFAULTS, x).run();
      assertThat(x.executed).containsExactly("my lora", "my_lora"); // went on after the failure
      assertThat(sum.failed()).isEqualTo(2); // the FAILED one and the instant NONFINITE one
      RunResult failed =
          new ResultStore(out)
              .readAll().stream().filter(r -> r.method.equals("my lora")).findFirst().orElseThrow();
      assertThat(failed.status).isEqualTo(RunResult.Status.FAILED);
      assertThat(failed.statusMessage).doesNotContain("\n");
      if (error instanceof OutOfMemoryError) {
        assertThat(failed.statusMessage).startsWith("out of memory (Java heap space)");
      } else if (error instanceof StackOverflowError) {
        assertThat(failed.statusMessage).startsWith("stack overflow");
      } else {
        assertThat(failed.statusMessage).isEqualTo("broken");
      }
      assertThat(out.resolve("report.md")).isRegularFile();
    }
  }

  @Test
  void failedRunsAreSkippedUntilRetryFailedAsksForThem(@TempDir Path tmp) {
    Instant x = new Instant();
    x.throwFor.add("my lora");
    x.toThrow = new OutOfMemoryError("Java heap space");
    runner(suite("s", TWO_METHODS), tmp, new StringWriter(), SuiteRunner.Options.DEFAULTS, x).run();

    Instant rerun = new Instant();
    StringWriter log = new StringWriter();
    SuiteRunner.Summary again =
        runner(suite("s", TWO_METHODS), tmp, log, SuiteRunner.Options.DEFAULTS, rerun).run();
    assertThat(rerun.executed).isEmpty();
    assertThat(again.skipped()).isEqualTo(2);
    assertThat(log.toString()).contains("1 run(s) FAILED before", "--retry-failed");

    Instant retry = new Instant();
    runner(
            suite("s", TWO_METHODS),
            tmp,
            new StringWriter(),
            new SuiteRunner.Options(true, false),
            retry)
        .run();
    assertThat(retry.executed).containsExactly("my lora");
    assertThat(new ResultStore(tmp).readAll()).noneMatch(r -> r.status == RunResult.Status.FAILED);
  }

  @Test
  void aDamagedResultFileIsSetAsideAndTheRunDoneAgain(@TempDir Path tmp) throws Exception {
    Suite s = suite("s", TWO_METHODS);
    runner(s, tmp, new StringWriter(), SuiteRunner.Options.DEFAULTS, new Instant()).run();
    String id = s.runs().getFirst().id();
    Path f = tmp.resolve("runs/" + id + ".json");
    Files.writeString(f, "{\"schema\": \"peftbench.run/1\", \"run_id\": "); // truncated
    Instant x = new Instant();
    StringWriter log = new StringWriter();
    runner(s, tmp, log, SuiteRunner.Options.DEFAULTS, x).run();
    assertThat(x.executed).containsExactly("my lora");
    assertThat(log.toString())
        .contains(
            "warning: " + f + ": unreadable result file",
            "moved aside to " + id + ".json.corrupt-");
    assertThat(new ResultStore(tmp).read(id)).isNotNull();
    try (var files = Files.list(tmp.resolve("runs"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.startsWith(id + ".json.corrupt-"));
    }
  }

  @Test
  void aFolderOfAnotherSuiteIsRefusedUnlessForced(@TempDir Path tmp) {
    runner(
            suite("first", TWO_METHODS),
            tmp,
            new StringWriter(),
            SuiteRunner.Options.DEFAULTS,
            new Instant())
        .run();
    Instant x = new Instant();
    assertThatThrownBy(
            () ->
                runner(
                        suite("second", TWO_METHODS),
                        tmp,
                        new StringWriter(),
                        SuiteRunner.Options.DEFAULTS,
                        x)
                    .run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds the results of suite 'first', not 'second'")
        .hasMessageContaining("--force");
    assertThat(x.executed).isEmpty();
    // --force runs into it; cells of identical configuration count as done (same result)
    SuiteRunner.Summary forced =
        runner(
                suite("second", TWO_METHODS),
                tmp,
                new StringWriter(),
                new SuiteRunner.Options(false, true),
                x)
            .run();
    assertThat(forced.skipped()).isEqualTo(2);
    // the same suite again is of course fine
    runner(
            suite("second", TWO_METHODS),
            tmp,
            new StringWriter(),
            SuiteRunner.Options.DEFAULTS,
            new Instant())
        .run();
  }

  @Test
  void aSecondRunIntoALockedFolderStopsAtOnceNamingTheHolder(@TempDir Path tmp) {
    try (ResultsFolder held = ResultsFolder.open(tmp, "s", false)) {
      Instant x = new Instant();
      assertThatThrownBy(
              () ->
                  runner(
                          suite("s", TWO_METHODS),
                          tmp,
                          new StringWriter(),
                          SuiteRunner.Options.DEFAULTS,
                          x)
                      .run())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(
              "is in use by another peftbench run (pid " + ProcessHandle.current().pid());
      assertThat(x.executed).isEmpty();
    }
    // released: the next run goes ahead
    Instant y = new Instant();
    runner(suite("s", TWO_METHODS), tmp, new StringWriter(), SuiteRunner.Options.DEFAULTS, y).run();
    assertThat(y.executed).hasSize(2);
  }
}
