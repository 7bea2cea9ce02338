package org.peftbench.harness.cli;

import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.backend.Backends;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command accepts, before or after the subcommand name. */
public final class GlobalOptions {
  @Range(min = 1, max = 4096)
  @Option(
      names = "--threads",
      scope = ScopeType.INHERIT,
      paramLabel = "N",
      description = "Worker threads for the kernels (default: available cores).")
  void setThreads(int n) {
    // picocli calls this while parsing; an out-of-range n is refused by its @Range right after
    // parsing (one usage line), before any command runs, so it is simply not applied here
    if (n >= 1 && n <= 4096) {
      Runtime.applyThreads(n);
    }
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
      if (name.equalsIgnoreCase(TORNADO)) {
        // as documented: without TornadoVM the run goes on, on the CPU backend, with one line
        mixee
            .commandLine()
            .getErr()
            .println(
                "peftbench: warning: backend tornado is not in this build (build with"
                    + " TORNADOVM_HOME set to include tensor-tornado); using cpu");
        Backends.use(Backends.byName("cpu"));
        return;
      }
      throw new picocli.CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
    }
  }

  private static final String TORNADO = "tornado";

  /** The command this mixin belongs to: errors go to its error stream. */
  @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
  picocli.CommandLine.Model.CommandSpec mixee;

  /** Applies global settings to the process. */
  static final class Runtime {
    private Runtime() {}

    static void applyThreads(int n) {
      System.setProperty("peftbench.threads", Integer.toString(n));
      Parallel.setThreads(n);
    }
  }
}
