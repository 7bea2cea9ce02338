package org.peftbench.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Map;
import org.peftbench.transformer.tokenizer.ChatTemplate.ChatTemplateException;
import org.peftbench.transformer.tokenizer.ChatTemplate.Message;
import org.peftbench.transformer.tokenizer.jinja.Limits;

/**
 * Coverage-guided fuzzing of the chat-template interpreter, the one place where a model folder's
 * text is executed. Any template text with any message either renders, or stops with a {@link
 * ChatTemplateException} whose message is one non-empty line; it never throws anything else, never
 * hangs (the limits are small here so that each input is cheap), and message content always comes
 * out as data: a template that prints the content prints exactly the content.
 */
class ChatTemplateFuzzTest {
  /** Small limits: a fuzzing input may be a runaway loop, and each must stay cheap. */
  private static final Limits SMALL =
      new Limits(20_000, 2_000, 20_000, 200_000, 2_000, 16, 64, 2_000);

  private static final Map<String, String> TOKENS = Map.of("bos_token", "<s>", "eos_token", "</s>");

  @FuzzTest(maxDuration = "8s")
  void anyTemplateRendersOrFailsInOneLine(FuzzedDataProvider in) {
    String template = in.consumeString(400);
    String content = in.consumeRemainingAsString();
    // content is data: whatever it holds, this template must print it unchanged
    String echo =
        ChatTemplate.of(
                "{% for m in messages %}[{{ m['role'] }}]{{ m.content }}{% endfor %}", TOKENS)
            .render(List.of(new Message("user", content)), false);
    assertThat(echo).isEqualTo("[user]" + content);
    try {
      ChatTemplate.of(template, TOKENS)
          .withLimits(SMALL)
          .render(List.of(new Message("system", "s"), new Message("user", content)), true);
    } catch (ChatTemplateException e) {
      assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
    }
  }
}
