package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class OptionRangesTest {
  /** Every option of every command in the tree, as "command path option". */
  private static List<Object[]> allOptions() {
    List<Object[]> out = new ArrayList<>();
    walk(Commands.commandLine(), out);
    return out;
  }

  private static void walk(CommandLine cl, List<Object[]> out) {
    for (OptionSpec o : cl.getCommandSpec().options()) {
      out.add(new Object[] {cl.getCommandSpec().qualifiedName(), o});
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      walk(sub, out);
    }
  }

  @Test
  void everyNumericOptionOfEveryCommandDeclaresARange() {
    List<String> missing = new ArrayList<>();
    int numeric = 0;
    for (Object[] c : allOptions()) {
      OptionSpec o = (OptionSpec) c[1];
      if (OptionRanges.isNumeric(o)) {
        numeric++;
        if (OptionRanges.rangeOf(o) == null) {
          missing.add(c[0] + " " + o.longestName());
        }
      }
    }
    assertThat(numeric).as("numeric options found").isGreaterThan(30);
    assertThat(missing).as("numeric options without @Range").isEmpty();
  }

  @Test
  void everyRangeRefusesNonFiniteAndOutOfRangeValuesAndAcceptsItsBounds() {
    for (Object[] c : allOptions()) {
      OptionSpec o = (OptionSpec) c[1];
      Range r = OptionRanges.rangeOf(o);
      if (r == null) {
        continue;
      }
      String where = c[0] + " " + o.longestName();
      assertThat(r.min()).as(where).isLessThanOrEqualTo(r.max());
      for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -1e300}) {
        assertThat(OptionRanges.violation(o, bad))
            .as(where + " " + bad)
            .startsWith(o.longestName() + " ")
            .contains("out of range");
      }
      assertThat(OptionRanges.violation(o, r.min())).as(where).isNull();
      if (r.max() < Double.MAX_VALUE) {
        assertThat(OptionRanges.violation(o, Math.nextUp(r.max()) * 1.5 + 1)).as(where).isNotNull();
      }
    }
  }

  /** The cases the hostile-input review found accepted, now refused before any work. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "train --model m --task boolq --peft p.json --out o --lr Infinity|--lr Infinity",
        "train --model m --task boolq --peft p.json --out o --lr NaN|--lr NaN",
        "train --model m --task boolq --peft p.json --out o --max-steps -5|--max-steps -5",
        "train --model m --task boolq --peft p.json --out o --max-seq-len 0|--max-seq-len 0",
        "pscp --performance -5 --params 1 --flops-delta 0 --memory-gb 1|--performance -5.0",
        "bench generate --model ../../shared/models/stories260K --prompt-tokens 100000000|--prompt-tokens 100000000",
        "generate --model ../../shared/models/stories260K --prompt hi --top-p 0|--top-p 0.0",
        "--threads 0 tasks|--threads",
      })
  void outOfRangeFlagsAreUsageErrorsOnOneLine(String args, String named) {
    MainTest.Run r = MainTest.run(args.split(" "));
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    String first = r.err().lines().findFirst().orElseThrow();
    assertThat(first).startsWith("peftbench: ").contains(named);
  }
}
