package org.peftbench.transformer;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The model families we can run, named by the {@code architectures} entry of a HF {@code
 * config.json}. They differ only in a few switches (see {@link ModelConfig}): norm type, biases,
 * per-head q/k norms, rotary versus learned positions, fused Conv1D projections, and Gemma 3's
 * layer layout.
 */
public enum Architecture {
  /** Llama 2/3/3.1/3.2, TinyLlama, SmolLM/SmolLM2: RMSNorm, RoPE, SwiGLU, GQA. */
  LLAMA("LlamaForCausalLM", "llama"),
  /** Mistral: the Llama block (optionally sliding-window attention). */
  MISTRAL("MistralForCausalLM", "mistral"),
  /** Qwen2/2.5: the Llama block with q/k/v biases. */
  QWEN2("Qwen2ForCausalLM", "qwen2"),
  /** Qwen3: the Llama block with per-head RMSNorm on queries and keys, explicit head_dim. */
  QWEN3("Qwen3ForCausalLM", "qwen3"),
  /** GPT-2: LayerNorm, learned positions, GELU MLP, fused c_attn, Conv1D ([in,out]) weights. */
  GPT2("GPT2LMHeadModel", "gpt2"),
  /**
   * Gemma 3 (text): scaled embeddings, (1 + w) RMSNorms (four per layer plus q/k norms), GeGLU,
   * sliding-window layers with their own RoPE base; see {@code GemmaBlock}.
   */
  GEMMA3("Gemma3ForCausalLM", "gemma3_text");

  private final String hfName;
  private final String modelType;

  Architecture(String hfName, String modelType) {
    this.hfName = hfName;
    this.modelType = modelType;
  }

  /** The {@code model_type} of this family's configs. */
  public String modelType() {
    return modelType;
  }

  /** The architecture of a config's {@code model_type}, or null when unsupported. */
  public static Architecture fromModelType(String type) {
    for (Architecture a : values()) {
      if (a.modelType.equals(type)) {
        return a;
      }
    }
    return null;
  }

  /** The class name transformers uses, as written in {@code config.json}. */
  public String hfName() {
    return hfName;
  }

  /** The architecture called {@code name} in a config, or null when unsupported. */
  public static Architecture fromHfName(String name) {
    for (Architecture a : values()) {
      if (a.hfName.equals(name)) {
        return a;
      }
    }
    return null;
  }

  /** Comma-separated list of the supported HF class names (for error messages). */
  public static String supportedList() {
    return Arrays.stream(values()).map(Architecture::hfName).collect(Collectors.joining(", "));
  }
}
