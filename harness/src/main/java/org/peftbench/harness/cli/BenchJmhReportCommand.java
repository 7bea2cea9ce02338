package org.peftbench.harness.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.peftbench.bench.JmhResults;
import org.peftbench.harness.report.JmhReport;
import org.peftbench.harness.results.ResultStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench bench jmh-report BEFORE.json [AFTER.json ...]}: JMH's JSON results side by side
 * (Markdown on standard output, optionally an HTML page with a chart of the ratios). {@code
 * ./peftbench bench jmh} writes such files.
 */
@Command(
    name = "jmh-report",
    mixinStandardHelpOptions = true,
    description = {
      "Compare JMH JSON result files (e.g. before and after a change): a Markdown table of",
      "every benchmark's score in each file and the ratio last/first; --html also writes a",
      "self-contained page with a bar chart of the ratios."
    })
public final class BenchJmhReportCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "RESULT.json", description = "JMH -rf json files.")
  List<Path> files;

  @Option(
      names = "--labels",
      split = ",",
      description = "Column names, one per file (default: the file names).")
  List<String> labels;

  @Option(names = "--html", paramLabel = "FILE", description = "Also write the HTML page here.")
  Path html;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (labels != null && labels.size() != files.size()) {
      throw new UserError(
          "--labels has " + labels.size() + " names for " + files.size() + " files", null);
    }
    List<String> names = new ArrayList<>();
    List<List<JmhResults.Result>> results = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      Path f = files.get(i);
      try {
        results.add(JmhResults.read(f));
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage(), e);
      }
      names.add(labels != null ? labels.get(i) : f.getFileName().toString());
    }
    JmhResults.Comparison c = JmhResults.compare(names, results);
    var out = spec.commandLine().getOut();
    out.print(JmhResults.markdown(c));
    out.flush(); // print() does not flush a PrintWriter; without it the table could be lost
    if (html != null) {
      try {
        ResultStore.writeAtomically(html, JmhReport.html(c));
      } catch (IOException e) {
        throw new UserError(html + ": cannot write (" + e.getMessage() + ")", e);
      }
    }
    return ExitCodes.OK;
  }
}
