package org.peftbench.tokenizers.jinja;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/**
 * One small template per Jinja2 construct, rendered by Python Jinja2 in transformers' environment
 * (tools/gen_chat_template_fixtures.py): the output must match byte for byte, and a template that
 * fails in Jinja2 must fail here with the same class of error.
 */
class TemplateConstructsTest {

  static Stream<Arguments> constructs() throws IOException {
    try (InputStream in =
        TemplateConstructsTest.class.getResourceAsStream(
            "/tokenizer/chat_template_fixtures.json")) {
      JsonNode root = new ObjectMapper().readTree(in);
      List<Arguments> out = new ArrayList<>();
      for (JsonNode c : root.path("constructs")) {
        out.add(Arguments.of(c.path("name").asText(), c));
      }
      assertThat(out).hasSizeGreaterThanOrEqualTo(40);
      return out.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("constructs")
  @SuppressWarnings("unchecked")
  void matchesJinja2(String name, JsonNode c) {
    Map<String, Object> vars = new ObjectMapper().convertValue(c.path("variables"), Map.class);
    String text = c.path("template").asText();
    if (c.has("error_kind")) {
      TemplateException.Kind kind = TemplateException.Kind.valueOf(c.path("error_kind").asText());
      assertThatThrownBy(() -> Template.parse(text, Limits.DEFAULT).render(vars))
          .as(name)
          .isInstanceOfSatisfying(
              TemplateException.class,
              e -> {
                assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
                if (kind == TemplateException.Kind.RAISED
                    || kind == TemplateException.Kind.UNDEFINED) {
                  assertThat(e.getMessage()).isEqualTo(c.path("error").asText());
                }
              });
    } else {
      assertThat(Template.parse(text, Limits.DEFAULT).render(vars))
          .as(name)
          .isEqualTo(c.path("rendered").asText());
    }
  }
}
