package org.peftbench.tokenizers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.tokenizers.jinja.TemplateException;

/**
 * Chat templates rendered by our sandboxed interpreter against Python Jinja2's output in
 * transformers' environment (committed fixtures from tools/gen_chat_template_fixtures.py): the
 * templates of the shared model folders and of other families, over conversations whose content
 * looks like template code.
 */
class ChatTemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @SuppressWarnings("unchecked")
  private static void check(ChatTemplate template, String name, JsonNode c) {
    List<Map<String, Object>> messages = JSON.convertValue(c.path("messages"), List.class);
    Map<String, Object> extra =
        c.has("extra") ? JSON.convertValue(c.get("extra"), Map.class) : Map.of();
    boolean prompt = c.path("add_generation_prompt").asBoolean();
    if (c.has("error_kind")) {
      TemplateException.Kind kind = TemplateException.Kind.valueOf(c.path("error_kind").asText());
      assertThatThrownBy(() -> template.render(messages, prompt, extra))
          .as("%s %s", name, c.path("messages"))
          .isInstanceOfSatisfying(
              ChatTemplate.ChatTemplateException.class,
              e -> {
                assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
                if (kind == TemplateException.Kind.RAISED) {
                  assertThat(e.getMessage()).endsWith(": " + c.path("error").asText());
                }
              });
    } else {
      assertThat(template.render(messages, prompt, extra))
          .as("%s %s", name, c.path("messages"))
          .isEqualTo(c.path("rendered").asText());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gemma-3-1b-it", "llama-3-8b-instruct", "qwen3-1.7b"})
  void modelTemplatesMatchJinja2(String name) {
    ChatTemplate template = ChatTemplate.load(TokenizerFixtures.model(name)).orElseThrow();
    JsonNode cases =
        TokenizerFixtures.resource("chat_template_fixtures.json").path("models").path(name);
    assertThat(cases.size()).isGreaterThanOrEqualTo(15);
    for (JsonNode c : cases) {
      check(template, name, c);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void otherFamiliesMatchJinja2() {
    JsonNode templates =
        TokenizerFixtures.resource("chat_template_fixtures.json").path("templates");
    assertThat(templates.size()).isGreaterThanOrEqualTo(8);
    int errors = 0;
    for (var entry : templates.properties()) {
      JsonNode spec = entry.getValue();
      ChatTemplate template =
          ChatTemplate.of(
              spec.path("template").asText(), JSON.convertValue(spec.path("special"), Map.class));
      for (JsonNode c : spec.path("cases")) {
        errors += c.has("error_kind") ? 1 : 0;
        check(template, entry.getKey(), c);
      }
    }
    assertThat(errors).isGreaterThanOrEqualTo(5);
  }

  @Test
  void deepSeekStyleKeepsTheGenerationPrompt() {
    // "not x is defined" is "not (x is defined)": the first line must not reset the flag.
    ChatTemplate t =
        ChatTemplate.of(
            "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
                + "{% for m in messages %}<U>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<A>{% endif %}",
            Map.of());
    assertThat(t.render(List.of(new ChatTemplate.Message("user", "q")), true)).isEqualTo("<U>q<A>");
  }

  @Test
  void contentThatLooksLikeTemplateCodeIsData() {
    ChatTemplate t =
        ChatTemplate.of("{% for m in messages %}[{{ m.content }}]{% endfor %}", Map.of());
    for (String content :
        List.of(
            "arr[3][4] = {{1,2,3,4},{5,6,7,8}};",
            "{{2}}",
            "{{ raise_exception('boom') }}",
            "{% for i in range(1000) %}{% for j in range(1000) %}x{% endfor %}{% endfor %}",
            "{% include 'x' %}{# c #}{% raw %}")) {
      assertThat(t.render(List.of(new ChatTemplate.Message("user", content)), false))
          .isEqualTo("[" + content + "]");
    }
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
        .hasMessage(
            "chat template: chat template raised an exception: Conversation must start with user");
  }

  @Test
  void strftimeNowPrintsTodaysYear() {
    String year = ChatTemplate.of("{{ strftime_now('%Y') }}", Map.of()).render(List.of(), false);
    assertThat(year).isEqualTo(String.valueOf(java.time.LocalDate.now().getYear()));
  }
}
