package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's {@code --help} renders without picocli warnings: descriptions are format strings,
 * so a bare {@code %} (as in "20% low") printed a warning and the raw text on every help call.
 */
class HelpTextTest {
  @Test
  void everyHelpTextRendersCleanly() {
    List<CommandLine> all = new ArrayList<>();
    collect(Commands.commandLine(), all);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    List<String> usage = new ArrayList<>();
    try {
      for (CommandLine cl : all) {
        usage.add(cl.getUsageMessage());
      }
    } finally {
      System.setErr(err);
    }
    assertThat(all.size()).as("commands").isGreaterThan(15);
    assertThat(captured.toString(StandardCharsets.UTF_8)).as("picocli warnings").isEmpty();
    assertThat(usage).noneMatch(u -> u.contains("%n") || u.contains("[picocli"));
  }

  private static void collect(CommandLine cl, List<CommandLine> out) {
    out.add(cl);
    for (CommandLine sub : cl.getSubcommands().values()) {
      collect(sub, out);
    }
  }
}
