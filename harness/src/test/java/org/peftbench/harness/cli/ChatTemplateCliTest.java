package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model folder's chat template is untrusted: through the CLI, a runaway or forbidden template
 * ends with exit code 1 and one line naming the file and the problem, and message text that looks
 * like template code is passed through unchanged.
 */
class ChatTemplateCliTest {
  @TempDir Path dir;

  /** stories260K's tokenizer with {@code template} as its chat template. */
  private Path modelWith(String template) throws Exception {
    Path model = Files.createDirectories(dir.resolve("model-" + Math.abs(template.hashCode())));
    Files.copy(
        ModelCommandsTest.stories().resolve("tokenizer.model"), model.resolve("tokenizer.model"));
    new ObjectMapper()
        .writeValue(
            model.resolve("tokenizer_config.json").toFile(),
            Map.of(
                "tokenizer_class", "LlamaTokenizer",
                "bos_token", "<s>",
                "eos_token", "</s>",
                "chat_template", template));
    return model;
  }

  @Test
  void runawayTemplatesFailWithOneLineNamingTheFile() throws Exception {
    Map<String, String> cases =
        Map.of(
            "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}{% for d in range(1000) %}x{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
            "loop iterations",
            "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
            "characters, over the limit",
            "{{ 'ab'.repeat(50000000) }}",
            "has no attribute 'repeat'",
            "{% include 'META-INF/MANIFEST.MF' %}",
            "'include' tags are not allowed");
    long start = System.nanoTime();
    for (var c : cases.entrySet()) {
      Path model = modelWith(c.getKey());
      var r =
          ModelCommandsTest.run("tokenize", "--model", model.toString(), "--text", "hi", "--chat");
      assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.FAILURE);
      String first = r.err().lines().findFirst().orElseThrow();
      assertThat(first)
          .startsWith("peftbench: error: " + model.resolve("tokenizer_config.json") + ": ")
          .contains(c.getValue());
      assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }
    assertThat((System.nanoTime() - start) / 1e9).as("seconds for all cases").isLessThan(60);
  }

  @Test
  void templateCodeInTheTextIsData() throws Exception {
    Path model = modelWith("{% for m in messages %}[{{ m.content }}]{% endfor %}");
    for (String text :
        new String[] {"{{ raise_exception('boom') }}", "{{2}}", "arr[3][4] = {{1,2,3,4},{5,6}};"}) {
      var r =
          ModelCommandsTest.run(
              "tokenize", "--model", model.toString(), "--text", text, "--chat", "--json");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(new ObjectMapper().readTree(r.out()).get("text").asText())
          .isEqualTo("[" + text + "]");
    }
  }
}
