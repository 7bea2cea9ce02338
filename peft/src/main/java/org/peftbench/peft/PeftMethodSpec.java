package org.peftbench.peft;

import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelStructure;

/**
 * Everything the library needs to know about one PEFT method, implemented once in the method's own
 * package and listed in {@link PeftMethods}: its {@code peft_type}, its config record (whose JSON
 * form is the method part of HF PEFT's {@code adapter_config.json}; the config also counts the
 * trainable parameters from a {@link ModelStructure}), PEFT's defaults, how it is put into a model,
 * the forward FLOPs of the adapted model as served, and the memory its training state adds.
 *
 * <p>See {@code docs/adding-a-method.md}.
 *
 * @param <C> the method's config record
 */
public interface PeftMethodSpec<C extends PeftConfig> {

  /** The {@code peft_type} this method reads and writes. */
  PeftType type();

  /** The config record, deserialised with Jackson from {@code adapter_config.json}. */
  Class<C> configClass();

  /**
   * A config with PEFT's defaults (what an {@code adapter_config.json} leaving fields out means).
   */
  C defaults();

  /**
   * How a method is applied.
   *
   * @param seed draws fresh adapter weights
   * @param tokenizer for initialisations from text (prompt tuning's TEXT init); may be null
   * @param loading weights will be loaded from a file next, so initialisations that need more than
   *     the config may be skipped
   */
  record Init(long seed, Tokenizer tokenizer, boolean loading) {}

  /**
   * Puts the method into {@code model} (its base parameters already frozen, no other adapter in
   * place). {@code config} is {@link PeftConfig#resolve resolved} against the model's structure.
   */
  PeftMethod apply(CausalLM model, C config, Init init);

  /**
   * Forward FLOPs of the base model and of the adapted model <em>unmerged, as trained</em> on one
   * sequence of {@code tokens} tokens: PEFT-Bench's M_f is the adapted model's forward FLOPs minus
   * the base's, measured on the model as PEFT builds it for training (docs/protocol.md, Costs), so
   * a method that could fold into the weights still pays for its extra products here. The default
   * is a method whose forward costs what the base's does (LN tuning); {@code config} is resolved.
   */
  default ForwardFlops forwardFlops(C config, ModelStructure model, int tokens) {
    double base = model.forwardFlops(tokens, 0);
    return new ForwardFlops(base, base, true);
  }

  /**
   * Bytes the method's training state adds to the frozen base model: each added parameter's value
   * and gradient plus AdamW's two moments (4 F32 values), and any frozen buffers the method keeps
   * (override to add them). {@code config} is resolved.
   */
  default long extraTrainingBytes(C config, ModelStructure model) {
    return 16L * config.trainableParameters(model);
  }

  /**
   * Whether the reference trains this method with gradient checkpointing (LLaMA-Factory's default;
   * PEFT-Bench's prefix-tuning yaml turns it off). Used by {@link DeviceMemory}.
   */
  default boolean referenceGradientCheckpointing(C config) {
    return true;
  }

  /** Positions the method adds to every sequence the model runs (prompt tuning's P). */
  default int sequenceTokens(C config) {
    return 0;
  }

  /**
   * Bytes per token and layer (averaged over the layers) that the method's own tensors keep for
   * backward on the device in bf16, beyond the base layer's (LoRA's inputs, IA3's scaled outputs).
   */
  default long activationBytesPerToken(C config, ModelStructure model) {
    return 0;
  }

  /** Bytes of frozen device copies the method adds in the reference (BitFit's weight clones). */
  default long deviceFrozenBytes(C config, ModelStructure model) {
    return 0;
  }

  /** Prompt-learning methods add virtual tokens or prefix keys/values instead of layers. */
  default boolean promptLearning() {
    return false;
  }

  // ---------------------------------------------------------------- untyped bridges

  /** {@link #apply} for a config known only as a {@link PeftConfig} of this method. */
  default PeftMethod applyConfig(CausalLM model, PeftConfig config, Init init) {
    return apply(model, configClass().cast(config), init);
  }

  /** {@link #forwardFlops} for a config known only as a {@link PeftConfig} of this method. */
  default ForwardFlops forwardFlopsOf(PeftConfig config, ModelStructure model, int tokens) {
    return forwardFlops(configClass().cast(config), model, tokens);
  }

  /** {@link #referenceGradientCheckpointing} for a config known only as a {@link PeftConfig}. */
  default boolean referenceGradientCheckpointingOf(PeftConfig config) {
    return referenceGradientCheckpointing(configClass().cast(config));
  }

  /** {@link #sequenceTokens} for a config known only as a {@link PeftConfig}. */
  default int sequenceTokensOf(PeftConfig config) {
    return sequenceTokens(configClass().cast(config));
  }

  /** {@link #activationBytesPerToken} for a config known only as a {@link PeftConfig}. */
  default long activationBytesPerTokenOf(PeftConfig config, ModelStructure model) {
    return activationBytesPerToken(configClass().cast(config), model);
  }

  /** {@link #deviceFrozenBytes} for a config known only as a {@link PeftConfig}. */
  default long deviceFrozenBytesOf(PeftConfig config, ModelStructure model) {
    return deviceFrozenBytes(configClass().cast(config), model);
  }

  /** {@link #extraTrainingBytes} for a config known only as a {@link PeftConfig}. */
  default long extraTrainingBytesOf(PeftConfig config, ModelStructure model) {
    return extraTrainingBytes(configClass().cast(config), model);
  }
}
