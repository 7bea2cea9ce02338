package org.peftbench.harness.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void plainOutputIsOneLinePerUpdateWithAnEta() {
    StringWriter sw = new StringWriter();
    Progress p = new Progress(new PrintWriter(sw), false, 3);
    p.startRun(1, "lora · sst2 · seed 42");
    p.onStep(10, 10, 1.2345);
    p.onEvaluation(10, 1.5);
    p.endRun("f1 50.00%");
    String out = sw.toString();
    assertThat(out).doesNotContain("\r");
    assertThat(out.lines())
        .contains("[1/3] lora · sst2 · seed 42: loading")
        .contains("[1/3] lora · sst2 · seed 42: step 10 validation loss 1.5000")
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches(
                        "\\[1/3\\] .*\\[#{20}\\] step 10/10 loss 1\\.2345 \\| ETA \\d+m\\d\\ds"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches("\\[1/3\\] lora · sst2 · seed 42: f1 50\\.00% \\(\\d+\\.\\d s\\)"));
  }

  @Test
  void terminalOutputRedrawsInPlace() {
    StringWriter sw = new StringWriter();
    Progress p = new Progress(new PrintWriter(sw), true, 1);
    p.startRun(1, "x");
    p.onStep(1, 4, 2.0);
    assertThat(sw.toString())
        .startsWith("\r\033[K[1/1] x: loading")
        .contains("\r\033[K[1/1] x: [#####");
  }

  @Test
  void durations() {
    assertThat(Progress.fmt(59)).isEqualTo("0m59s");
    assertThat(Progress.fmt(3725)).isEqualTo("1h02m");
    assertThat(Progress.fmt(Double.NaN)).isEqualTo("?");
  }
}
