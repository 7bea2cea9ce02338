package org.peftbench.harness.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.peftbench.transformer.tokenizer.ChatTemplate;

/**
 * The peft-factory prompt fixtures (datasets module, written by tools/gen_prompt_fixtures.py)
 * through this harness's chat formatting with Llama-3-8B-Instruct's own template: one user turn, no
 * system prompt, the generation header. The reference renders with LLaMA-Factory's {@code llama3}
 * template instead, which is the same text except that the model's Jinja template trims the
 * message; this test pins exactly that one difference (docs/protocol.md).
 */
class ReferencePromptRenderingTest {
  private static final Path FIXTURES =
      Path.of(
          "../datasets/src/test/resources/org/peftbench/datasets/prompts/peft_factory_prompts.json");

  @Test
  void llama3ChatTemplateRendersTheReferencePromptUpToTrimming() throws Exception {
    Path model =
        Path.of(
            System.getProperty("peftbench.shared", "../../shared"), "models/llama-3-8b-instruct");
    assumeTrue(Files.isDirectory(model), "no Llama-3-8B-Instruct tokenizer at " + model);
    assumeTrue(Files.isRegularFile(FIXTURES), "no prompt fixtures at " + FIXTURES);
    PromptStyle chat = PromptStyle.chat(ChatTemplate.load(model).orElseThrow());

    int same = 0;
    int trimmed = 0;
    for (JsonNode c : new ObjectMapper().readTree(FIXTURES.toFile()).get("cases")) {
      for (JsonNode e : c.get("examples")) {
        String user = e.get("user").asText();
        String reference = e.get("llama3_prompt").asText();
        String ours = chat.formatter().format(user);
        if (user.equals(user.strip())) {
          assertThat(ours).as(c.get("task").asText()).isEqualTo(reference);
          same++;
        } else {
          assertThat(ours).isNotEqualTo(reference);
          assertThat(ours).isEqualTo(reference.replace(user, user.strip()));
          trimmed++;
        }
      }
    }
    assertThat(same).isGreaterThan(40);
    assertThat(trimmed).isPositive(); // SST-2's sentences end with a space
  }
}
