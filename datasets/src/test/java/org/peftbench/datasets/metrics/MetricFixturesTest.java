package org.peftbench.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peftbench.datasets.Task;
import org.peftbench.datasets.TaskRegistry;

/**
 * Every task's scores on fixed prediction files against values computed independently (sklearn,
 * scipy, nltk and Python ports of the reference procedures; see tools/gen_metric_fixtures.py).
 */
class MetricFixturesTest {
  static Stream<Arguments> cases() throws IOException {
    try (InputStream in = MetricFixturesTest.class.getResourceAsStream("metric_fixtures.json")) {
      JsonNode root = new ObjectMapper().readTree(in);
      List<Arguments> out = new ArrayList<>();
      for (JsonNode c : root) {
        out.add(Arguments.of(c.get("name").asText(), c));
      }
      return out.stream();
    }
  }

  static List<String> names(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesIndependentImplementation(String name, JsonNode c) {
    Task task = TaskRegistry.byName(c.get("task").asText());
    List<String> predictions = new ArrayList<>();
    c.get("predictions").forEach(p -> predictions.add(p.asText()));
    List<List<String>> labels = new ArrayList<>();
    for (JsonNode gold : c.get("labels")) {
      List<String> answers = new ArrayList<>();
      gold.forEach(a -> answers.add(a.asText()));
      labels.add(answers);
    }
    Map<String, Double> scores = task.score(predictions, labels);
    c.get("expected")
        .properties()
        .forEach(
            e ->
                assertThat(scores.get(e.getKey()))
                    .as("%s %s", name, e.getKey())
                    .isCloseTo(e.getValue().asDouble(), within(1e-9)));
    assertThat(scores.keySet()).containsExactlyElementsOf(task.metrics());
    assertThat(task.metrics()).containsAll(names(c.get("expected")));
  }
}
