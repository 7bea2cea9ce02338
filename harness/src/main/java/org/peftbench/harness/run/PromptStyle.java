package org.peftbench.harness.run;

import java.nio.file.Path;
import java.util.List;
import org.peftbench.datasets.PromptFormatter;
import org.peftbench.tokenizers.ChatTemplate;

/**
 * How a prompt and its answer become one token sequence for a given model.
 *
 * <ul>
 *   <li>plain (base models): {@code prompt + " " + answer}, tokenized with the model's special
 *       tokens (BOS);
 *   <li>chat (models whose {@code tokenizer_config.json} has a {@code chat_template}): the prompt
 *       as one user message rendered with the generation prompt, the answer right after it, and no
 *       special tokens added by the tokenizer (the template writes them), as HF's {@code
 *       apply_chat_template} does.
 * </ul>
 */
public record PromptStyle(PromptFormatter formatter, String separator, boolean addSpecialTokens) {
  public static final PromptStyle PLAIN = new PromptStyle(PromptFormatter.PLAIN, " ", true);

  /** Chat style when the model folder has a chat template, else plain. */
  public static PromptStyle forModel(Path modelDir) {
    return ChatTemplate.load(modelDir).map(PromptStyle::chat).orElse(PLAIN);
  }

  public static PromptStyle chat(ChatTemplate template) {
    return new PromptStyle(
        prompt -> template.render(List.of(new ChatTemplate.Message("user", prompt)), true),
        "",
        false);
  }

  public boolean isChat() {
    return !addSpecialTokens;
  }
}
