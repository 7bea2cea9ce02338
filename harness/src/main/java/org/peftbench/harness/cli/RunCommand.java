package org.peftbench.harness.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peftbench run}: runs a benchmark suite (the default job). */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run a benchmark suite (default: the bundled 'smoke' suite).")
public final class RunCommand implements Callable<Integer> {
  @Option(
      names = "--suite",
      paramLabel = "FILE|NAME",
      defaultValue = "smoke",
      description = "Suite YAML file or bundled suite name (default: ${DEFAULT-VALUE}).")
  String suite;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    org.peftbench.harness.suite.Suite s;
    try {
      s = org.peftbench.harness.suite.SuiteLoader.load(suite);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    spec.commandLine()
        .getOut()
        .println("Suite '" + s.name() + "': " + s.runs().size() + " runs (runner not wired yet).");
    return ExitCodes.OK;
  }
}
