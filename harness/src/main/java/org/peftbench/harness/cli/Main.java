package org.peftbench.harness.cli;

import java.io.PrintWriter;
import org.peftbench.harness.run.FailureReason;
import picocli.CommandLine;

/**
 * Entry point of the {@code peftbench} command line.
 *
 * <p>Exit codes: 0 success, 1 failure, 2 usage error. Failures print one clear line; {@code
 * --debug} adds the stack trace.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI and returns the exit code, without exiting the JVM (tests call this). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    boolean debug = java.util.Arrays.asList(args).contains("--debug");
    CommandLine cli = Commands.commandLine();
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          CommandLine cmd = ex.getCommandLine();
          cmd.getErr().println("peftbench: " + ex.getMessage());
          CommandLine.UnmatchedArgumentException.printSuggestions(ex, cmd.getErr());
          cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
          return ExitCodes.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          cmd.getErr().println("peftbench: error: " + describe(ex));
          if (debug) {
            ex.printStackTrace(cmd.getErr());
          } else {
            cmd.getErr().println("(run with --debug for the stack trace)");
          }
          return ExitCodes.FAILURE;
        });
    cli.setExecutionStrategy(OptionRanges.checkingThen(new CommandLine.RunLast()));
    try {
      return cli.execute(args);
    } catch (Throwable t) {
      // Errors (OutOfMemoryError, StackOverflowError, ...) pass picocli's handler: still one line
      err.println("peftbench: error: " + FailureReason.of(t));
      if (debug) {
        t.printStackTrace(err);
      }
      err.flush();
      return ExitCodes.FAILURE;
    }
  }

  /** One line naming the problem: the message, or the exception type when there is none. */
  static String describe(Throwable t) {
    String msg = t.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = t.getClass().getSimpleName();
      if (t.getCause() != null) {
        msg += ": " + describe(t.getCause());
      }
    }
    return msg;
  }
}
