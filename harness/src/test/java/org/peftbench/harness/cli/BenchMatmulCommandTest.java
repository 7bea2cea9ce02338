package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BenchMatmulCommandTest {
  private static String[] run(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @ParameterizedTest
  @CsvSource({"nn, f32", "nt, bf16", "tn, f16"})
  void printsJsonWithShapeAndSpeed(String variant, String dtype) throws Exception {
    String[] r =
        run(
            "bench",
            "matmul",
            "--m",
            "67",
            "--n",
            "70",
            "--k",
            "50",
            "--variant",
            variant,
            "--dtype",
            dtype,
            "--warmup",
            "1",
            "--warmup-time",
            "0",
            "--runs",
            "1",
            "--min-time",
            "0",
            "--json");
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    JsonNode json = new ObjectMapper().readTree(r[1]);
    assertThat(json.get("gflops").asDouble()).isPositive();
    assertThat(json.get("m").asInt()).isEqualTo(67);
    assertThat(json.get("n").asInt()).isEqualTo(70);
    assertThat(json.get("k").asInt()).isEqualTo(50);
    assertThat(json.get("threads").asInt()).isPositive();
    assertThat(json.get("dtype").asText()).isEqualTo(dtype);
    assertThat(json.get("variant").asText()).isEqualTo(variant);
  }

  @Test
  void rejectsNegativeWarmupTime() {
    String[] r = run("bench", "matmul", "--m", "4", "--n", "4", "--k", "4", "--warmup-time", "-1");
    assertThat(r[0]).isEqualTo("2"); // a usage error: the option's @Range
    assertThat(r[2]).contains("--warmup-time -1.0 is out of range: must be between 0 and 3600");
  }

  @Test
  void rejectsEmptyShapes() {
    String[] r = run("bench", "matmul", "--m", "0", "--n", "4", "--k", "4");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--m 0 is out of range: must be between 1 and 1048576");
  }
}
