package org.peftbench.harness.cli;

import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.backend.Backends;
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

  @Option(
      names = "--backend",
      scope = ScopeType.INHERIT,
      paramLabel = "NAME",
      description =
          "Kernel backend: cpu (Vector API, default), scalar (reference), or tornado (TornadoVM;"
              + " needs TORNADOVM_HOME and the tensor-tornado module).")
  void setBackend(String name) {
    try {
      Backends.use(Backends.byName(name));
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(this), e.getMessage());
    }
  }

  /** Applies global settings to the process. */
  static final class Runtime {
    private Runtime() {}

    static void applyThreads(int n) {
      System.setProperty("peftbench.threads", Integer.toString(n));
      Parallel.setThreads(n);
    }
  }
}
