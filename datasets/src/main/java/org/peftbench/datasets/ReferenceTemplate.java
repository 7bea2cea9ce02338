package org.peftbench.datasets;

import java.util.Arrays;
import java.util.Locale;

/**
 * The chat templates of the reference harness (LLaMA-Factory's, as PEFT-Factory registers them),
 * for the models PEFT-Bench runs: one user turn with no system prompt, and the assistant's answer.
 *
 * <p>They differ from the models' own Jinja chat templates in small ways that change the bytes a
 * model sees: the message is not trimmed, Mistral's answer starts with a space, Gemma's and Qwen's
 * end with a newline after the end-of-turn token, and Qwen 3 (run with {@code enable_thinking:
 * false}) gets an empty thinking block at the end of the prompt. Special tokens are written as
 * their text (BOS included) for a tokenizer that reads them as special tokens.
 */
public enum ReferenceTemplate {
  /** Llama 3 / 3.x Instruct ({@code template: llama3}). */
  LLAMA3(
      "llama3",
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n",
      "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
      "",
      "<|eot_id|>"),
  /** Gemma and Gemma 3 instruction-tuned ({@code template: gemma}). */
  GEMMA(
      "gemma",
      "<bos><start_of_turn>user\n",
      "<end_of_turn>\n<start_of_turn>model\n",
      "",
      "<end_of_turn>\n"),
  /** Mistral Instruct v0.3 ({@code template: mistral}): the answer follows after one space. */
  MISTRAL("mistral", "<s>[INST] ", "[/INST]", " ", "</s>"),
  /**
   * Qwen 3 ({@code template: qwen3} with {@code enable_thinking: false}): no BOS, and the empty
   * thinking block closes the prompt, outside the loss.
   */
  QWEN3(
      "qwen3",
      "<|im_start|>user\n",
      "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
      "",
      "<|im_end|>\n");

  private final String id;
  private final String beforeUser;
  private final String afterUser;
  private final String beforeAnswer;
  private final String afterAnswer;

  ReferenceTemplate(
      String id, String beforeUser, String afterUser, String beforeAnswer, String afterAnswer) {
    this.id = id;
    this.beforeUser = beforeUser;
    this.afterUser = afterUser;
    this.beforeAnswer = beforeAnswer;
    this.afterAnswer = afterAnswer;
  }

  /** The {@code template} name of the reference's yaml files. */
  public String id() {
    return id;
  }

  /** Everything before the answer: BOS, the user turn and the assistant's header. */
  public String prompt(String userMessage) {
    return beforeUser + userMessage + afterUser;
  }

  /** The answer as the model is trained to write it, with the template's end-of-turn text. */
  public String response(String target) {
    return beforeAnswer + target + afterAnswer;
  }

  /** {@link #prompt} as a formatter for {@link Example#formatted}. */
  public PromptFormatter formatter() {
    return this::prompt;
  }

  /**
   * The template named {@code id} in the reference's yaml files.
   *
   * @throws IllegalArgumentException naming the known templates
   */
  public static ReferenceTemplate byId(String id) {
    String wanted = id.strip().toLowerCase(Locale.ROOT);
    for (ReferenceTemplate t : values()) {
      if (t.id.equals(wanted)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown reference chat template '"
            + id
            + "' (known: "
            + Arrays.stream(values()).map(ReferenceTemplate::id).toList()
            + ")");
  }
}
