package org.peftbench.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Chat templates rendered by Jinjava against Python Jinja2's output (committed fixtures). */
class ChatTemplateTest {

  @ParameterizedTest
  @ValueSource(strings = {"llama-3-8b-instruct", "qwen3-1.7b"})
  @SuppressWarnings("unchecked")
  void matchesJinja2(String name) {
    ChatTemplate template = ChatTemplate.load(TokenizerFixtures.model(name)).orElseThrow();
    JsonNode cases =
        TokenizerFixtures.resource("chat_template_fixtures.json").path("models").path(name);
    assertThat(cases.size()).isGreaterThanOrEqualTo(4);
    ObjectMapper json = new ObjectMapper();
    for (JsonNode c : cases) {
      List<Map<String, Object>> messages = json.convertValue(c.path("messages"), List.class);
      Map<String, Object> extra =
          c.has("extra") ? json.convertValue(c.get("extra"), Map.class) : Map.of();
      assertThat(template.render(messages, c.path("add_generation_prompt").asBoolean(), extra))
          .as("%s %s", name, c.path("messages"))
          .isEqualTo(c.path("rendered").asText());
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void otherFamiliesMatchJinja2() {
    JsonNode templates =
        TokenizerFixtures.resource("chat_template_fixtures.json").path("templates");
    assertThat(templates.size()).isGreaterThanOrEqualTo(5);
    ObjectMapper json = new ObjectMapper();
    int errors = 0;
    for (var entry : templates.properties()) {
      JsonNode spec = entry.getValue();
      ChatTemplate template =
          ChatTemplate.of(
              spec.path("template").asText(), json.convertValue(spec.path("special"), Map.class));
      for (JsonNode c : spec.path("cases")) {
        List<Map<String, Object>> messages = json.convertValue(c.path("messages"), List.class);
        boolean prompt = c.path("add_generation_prompt").asBoolean();
        if (c.has("error")) {
          errors++;
          assertThatThrownBy(() -> template.render(messages, prompt, Map.of()))
              .as("%s %s", entry.getKey(), c.path("messages"))
              .isInstanceOf(ChatTemplate.ChatTemplateException.class)
              .hasMessageContaining(c.path("error").asText());
        } else {
          assertThat(template.render(messages, prompt, Map.of()))
              .as("%s %s", entry.getKey(), c.path("messages"))
              .isEqualTo(c.path("rendered").asText());
        }
      }
    }
    assertThat(errors).isGreaterThanOrEqualTo(3);
  }

  @Test
  void llama3PromptTokenizes() {
    var dir = TokenizerFixtures.model("llama-3-8b-instruct");
    ChatTemplate template = ChatTemplate.load(dir).orElseThrow();
    String prompt = template.render(List.of(new ChatTemplate.Message("user", "Hi")), true);
    assertThat(prompt)
        .isEqualTo(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    Tokenizer tok = Tokenizers.load(dir);
    int[] ids = tok.encode(prompt, false); // the template already holds BOS
    assertThat(ids[0]).isEqualTo(tok.bosId());
    assertThat(ids).contains(tok.eosId());
  }

  @Test
  void raiseExceptionFailsWithTheTemplatesMessage() {
    ChatTemplate t =
        ChatTemplate.of(
            "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation must start with user') }}{% endif %}"
                + "{{ bos_token }}{% for m in messages %}{{ m['content'] | trim }};{% endfor %}",
            Map.of("bos_token", "<s>"));
    assertThat(t.render(List.of(new ChatTemplate.Message("user", "  a  ")), false))
        .isEqualTo("<s>a;");
    assertThatThrownBy(() -> t.render(List.of(new ChatTemplate.Message("assistant", "x")), false))
        .isInstanceOf(ChatTemplate.ChatTemplateException.class)
        .hasMessageContaining("Conversation must start with user");
  }

  @Test
  void strftimeLikePython() {
    var t = java.time.LocalDateTime.of(2024, 7, 26, 9, 5, 3);
    assertThat(ChatTemplate.strftime(t, "%d %b %Y")).isEqualTo("26 Jul 2024");
    assertThat(ChatTemplate.strftime(t, "%A %B %H:%M:%S %% %q"))
        .isEqualTo("Friday July 09:05:03 % %q");
    String year = ChatTemplate.of("{{ strftime_now('%Y') }}", Map.of()).render(List.of(), false);
    assertThat(year).isEqualTo(String.valueOf(java.time.LocalDate.now().getYear()));
  }

  @Test
  void pythonStringMethodsAndJson() {
    ChatTemplate t =
        ChatTemplate.of(
            "{% set c = messages[0].content %}{{ c.strip() }}|{{ c.lstrip(' x') }}|{{ c.split('|')[-1] }}|"
                + "{{ c.startswith('  x') }}|{{ {'a': [1, 'é']} | tojson }}|{% for m in messages[::-1] %}{{ m.role }}{% endfor %}",
            Map.of());
    String out =
        t.render(
            List.of(
                new ChatTemplate.Message("user", "  x|y  "),
                new ChatTemplate.Message("assistant", "z")),
            false);
    assertThat(out).isEqualTo("x|y||y  |y  |true|{\"a\": [1, \"é\"]}|assistantuser");
  }
}
