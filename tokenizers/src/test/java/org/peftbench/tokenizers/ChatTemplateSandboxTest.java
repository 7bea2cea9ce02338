package org.peftbench.tokenizers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.tokenizers.ChatTemplate.ChatTemplateException;
import org.peftbench.tokenizers.jinja.Limits;
import org.peftbench.tokenizers.jinja.TemplateException.Kind;

/**
 * A chat template is untrusted code from a model folder: every way to run away (time, memory,
 * recursion) or to reach outside the template must stop fast, with one line naming the file and the
 * limit or the forbidden construct.
 */
class ChatTemplateSandboxTest {
  @TempDir Path dir;

  private ChatTemplate model(String template) throws IOException {
    Path model = Files.createDirectories(dir.resolve("evil-model"));
    new ObjectMapper()
        .writeValue(
            model.resolve("tokenizer_config.json").toFile(),
            Map.of("chat_template", template, "bos_token", "<s>"));
    return ChatTemplate.load(model).orElseThrow();
  }

  private void failsFast(String template, Kind kind, String problem) throws IOException {
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> model(template).render(List.of(new ChatTemplate.Message("user", "hi")), true))
        .isInstanceOfSatisfying(
            ChatTemplateException.class,
            e -> {
              assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
              assertThat(e.getMessage())
                  .startsWith(dir.resolve("evil-model").resolve("tokenizer_config.json") + ": ")
                  .contains(problem)
                  .doesNotContain("\n");
            });
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(seconds).as("seconds to fail").isLessThan(3.0);
  }

  @Test
  void nestedLoopsHitTheIterationLimit() throws IOException {
    failsFast(
        "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
            + "{% for d in range(1000) %}x{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
        Kind.LIMIT, "more than 100000 loop iterations");
  }

  @Test
  void doublingAStringHitsTheSizeLimit() throws IOException {
    failsFast(
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
        Kind.LIMIT, "over the limit of 8000000");
    failsFast("{{ 'ab' * 50000000 }}", Kind.LIMIT, "a string of 100000000 characters");
  }

  @Test
  void javaMethodsDoNotExist() throws IOException {
    failsFast(
        "{{ 'ab'.repeat(50000000) }}", Kind.UNDEFINED, "'str object' has no attribute 'repeat'");
    failsFast("{{ messages.getClass() }}", Kind.UNDEFINED, "has no attribute 'getClass'");
    failsFast("{{ ''.__class__ }}", Kind.FORBIDDEN, "'__class__'");
  }

  @Test
  void includesAndImportsAreRejectedWhenLoaded() {
    for (String tag :
        List.of(
            "{% include 'META-INF/MANIFEST.MF' %}",
            "{% import 'x' as y %}", "{% extends 'base' %}", "{% from 'x' import y %}")) {
      assertThatThrownBy(() -> model(tag))
          .isInstanceOfSatisfying(
              ChatTemplateException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN);
                assertThat(e.getMessage()).contains("evil-model").contains("not allowed");
              });
    }
  }

  @Test
  void recursionHitsTheCallDepthLimit() throws IOException {
    failsFast(
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
        Kind.LIMIT, "macro calls nested deeper than 64");
  }

  @Test
  void deepNestingHitsTheNestingLimit() {
    String deep = "{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}";
    assertThatThrownBy(() -> model(deep))
        .isInstanceOfSatisfying(
            ChatTemplateException.class,
            e -> assertThat(e.getMessage()).contains("evil-model").contains("nesting deeper"));
  }

  @Test
  void hugeRangesAndListsHitTheItemLimit() throws IOException {
    failsFast("{{ range(1000000000) | length }}", Kind.LIMIT, "a list of 1000000000 items");
    failsFast("{{ ([1] * 100000000) | length }}", Kind.LIMIT, "a list of 100000000 items");
  }

  @Test
  void outputHitsTheSizeLimit() throws IOException {
    failsFast(
        "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
        Kind.LIMIT, "output of 8000100 characters, over the limit of 8000000");
  }

  @Test
  void retainedStringsHitTheTotalLimit() throws IOException {
    // 1000 strings of 4M characters, each under the per-string limit, would hold 8 GB.
    failsFast(
        "{% set ns = namespace(l=[]) %}{% for i in range(1000) %}"
            + "{% set ns.l = ns.l + [('x' * 4000000) ~ i] %}{% endfor %}{{ ns.l | length }}",
        Kind.LIMIT, "characters of strings built in total");
  }

  @Test
  void slowTemplatesHitTheClock() throws IOException {
    ChatTemplate slow =
        model(
                "{% for a in range(1000) %}{% for b in range(1000) %}{{ a ~ b }}{% endfor %}{% endfor %}")
            .withLimits(
                new Limits(
                    Long.MAX_VALUE,
                    Long.MAX_VALUE,
                    100_000_000,
                    Long.MAX_VALUE,
                    100_000,
                    64,
                    200,
                    50));
    long start = System.nanoTime();
    assertThatThrownBy(() -> slow.render(List.of(), false))
        .isInstanceOfSatisfying(
            ChatTemplateException.class,
            e -> assertThat(e.getMessage()).contains("evil-model").contains("longer than 50 ms"));
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(3.0);
  }

  @Test
  void stepsAreCounted() throws IOException {
    ChatTemplate busy =
        model("{% for a in range(100) %}{{ a + a + a + a }}{% endfor %}")
            .withLimits(
                new Limits(500, 1_000_000, 1_000_000, 100_000_000, 100_000, 64, 200, 5_000));
    assertThatThrownBy(() -> busy.render(List.of(), false))
        .isInstanceOfSatisfying(
            ChatTemplateException.class,
            e -> assertThat(e.getMessage()).contains("more than 500 evaluation steps"));
  }

  @Test
  void syntaxErrorsNameTheFileAndLine() {
    assertThatThrownBy(() -> model("line one\n{% if x %}\nunclosed"))
        .isInstanceOfSatisfying(
            ChatTemplateException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.SYNTAX);
              assertThat(e.getMessage()).contains("evil-model").contains("line");
            });
  }

  @Test
  void onlyJsonLikeValuesReachTheTemplate() throws IOException {
    ChatTemplate t = model("{{ x }}");
    assertThatThrownBy(() -> t.render(List.of(), false, Map.of("x", new Object())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be passed to a chat template");
    var tree = new ObjectMapper().readTree("{\"a\": [1, \"b\", null, true, 2.5]}");
    assertThat(t.render(List.of(), false, Map.of("x", tree)))
        .isEqualTo("{'a': [1, 'b', None, True, 2.5]}");
  }
}
