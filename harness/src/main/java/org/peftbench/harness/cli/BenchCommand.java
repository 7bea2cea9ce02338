package org.peftbench.harness.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code peftbench bench}: speed measurements; each kind is a subcommand. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Speed benchmarks (see the subcommands).",
    subcommands = {
      BenchGenerateCommand.class,
      BenchMatmulCommand.class,
      BenchMemoryCommand.class,
      BenchTrainCommand.class,
      BenchJmhReportCommand.class
    })
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }
}
