package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.peftbench.tensor.Parallel;

/**
 * {@code bench generate} sweeps (threads × batch × context: one JSON object per configuration,
 * naming the decode path) and {@code bench memory}, through the CLI on stories260K.
 */
class BenchSweepCommandsTest {
  private static List<JsonNode> jsonLines(String out) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("{")) {
        nodes.add(mapper.readTree(line));
      }
    }
    return nodes;
  }

  @Test
  void generateSweepsEveryConfigurationAndRestoresTheThreads() throws Exception {
    int before = Parallel.threads();
    ModelCommandsTest.Run r =
        ModelCommandsTest.run(
            "bench",
            "generate",
            "--model",
            ModelCommandsTest.stories().toString(),
            "--threads-sweep",
            "1,2",
            "--batch",
            "1,3",
            "--context",
            "4,9",
            "--new-tokens",
            "3",
            "--json");
    assertThat(r.code()).as(r.err()).isZero();
    List<JsonNode> rows = jsonLines(r.out());
    assertThat(rows).hasSize(8);
    List<String> seen = new ArrayList<>();
    for (JsonNode n : rows) {
      seen.add(
          n.get("threads").asInt()
              + "/"
              + n.get("batch").asInt()
              + "/"
              + n.get("prompt_tokens").asInt());
      assertThat(n.get("decode_path").asText()).isEqualTo("cpu-decode");
      assertThat(n.get("decode_tokens_per_s").asDouble()).isPositive();
      assertThat(n.get("weight_bytes_per_step").asLong()).isPositive();
    }
    assertThat(seen)
        .containsExactly("1/1/4", "1/1/9", "1/3/4", "1/3/9", "2/1/4", "2/1/9", "2/3/4", "2/3/9");
    assertThat(Parallel.threads()).isEqualTo(before);
  }

  @Test
  void memoryReportsOneFigurePerThreadCount() throws Exception {
    ModelCommandsTest.Run r =
        ModelCommandsTest.run(
            "bench", "memory", "--mib", "8", "--threads-sweep", "1,2", "--runs", "1", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    List<JsonNode> rows = jsonLines(r.out());
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).get("threads").asInt()).isEqualTo(1);
    assertThat(rows.get(1).get("read_gb_per_s").asDouble()).isPositive();
  }
}
