package org.peftbench.transformer;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The model families we can run, named by the {@code architectures} entry of a HF {@code
 * config.json}. They differ only in a few switches (see {@link ModelConfig}): norm type, biases,
 * per-head q/k norms, rotary versus learned positions, fused Conv1D projections.
 */
public enum Architecture {
  /** Llama 2/3/3.1/3.2, TinyLlama, SmolLM/SmolLM2: RMSNorm, RoPE, SwiGLU, GQA. */
  LLAMA("LlamaForCausalLM"),
  /** Mistral: the Llama block (optionally sliding-window attention). */
  MISTRAL("MistralForCausalLM"),
  /** Qwen2/2.5: the Llama block with q/k/v biases. */
  QWEN2("Qwen2ForCausalLM"),
  /** Qwen3: the Llama block with per-head RMSNorm on queries and keys, explicit head_dim. */
  QWEN3("Qwen3ForCausalLM"),
  /** GPT-2: LayerNorm, learned positions, GELU MLP, fused c_attn, Conv1D ([in,out]) weights. */
  GPT2("GPT2LMHeadModel");

  private final String hfName;

  Architecture(String hfName) {
    this.hfName = hfName;
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
