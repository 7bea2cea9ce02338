package org.peftbench.harness.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command accepts, before or after the subcommand name. */
public final class GlobalOptions {
  @Option(
      names = "--threads",
      scope = ScopeType.INHERIT,
      paramLabel = "N",
      description = "Worker threads for the kernels (default: available cores).")
  void setThreads(int n) {
    if (n < 1) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(this), "--threads must be at least 1, got " + n);
    }
    Runtime.applyThreads(n);
  }

  @Option(
      names = "--debug",
      scope = ScopeType.INHERIT,
      description = "Print stack traces of errors.")
  boolean debug;

  /** Applies global settings to the process. */
  static final class Runtime {
    private Runtime() {}

    static void applyThreads(int n) {
      System.setProperty("peftbench.threads", Integer.toString(n));
    }
  }
}
