package org.peftbench.harness.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.peftbench.harness.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peftbench report}: tables, CSV and the HTML report of a results folder. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Write results.csv, report.md, tables.tex and report.html for a results folder"
          + " (the --out of 'peftbench run') and print the Markdown tables."
    })
public final class ReportCommand implements Callable<Integer> {
  @Option(
      names = "--results",
      required = true,
      paramLabel = "DIR",
      description = "Results folder (holding runs/*.json).")
  Path results;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (!Files.isDirectory(results)) {
      throw new UserError("results folder " + results + " does not exist");
    }
    Report.Written w;
    try {
      w = Report.write(results);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    var out = spec.commandLine().getOut();
    out.print(w.markdown());
    out.println();
    for (Path f : w.files()) {
      out.println("wrote " + f);
    }
    return ExitCodes.OK;
  }
}
