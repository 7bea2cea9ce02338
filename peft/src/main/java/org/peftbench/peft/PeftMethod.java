package org.peftbench.peft;

import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.ModelInput;

/**
 * One PEFT method applied to a model: it owns the adapter parameters, has put its layers into the
 * model's slots (layer methods) or edits the forward input (prompt-learning methods).
 */
public interface PeftMethod {
  /** The resolved config. */
  PeftConfig config();

  /**
   * The trainable parameters, keyed by their name in HF PEFT's {@code adapter_model.safetensors}
   * (e.g. {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}).
   */
  Map<String, Parameter> trainable();

  /**
   * What {@code adapter_model.safetensors} holds, by PEFT key. Usually the trainable values; prompt
   * encoders save their output (as PEFT does).
   */
  default Map<String, Tensor> stateDict() {
    Map<String, Tensor> m = new java.util.LinkedHashMap<>();
    trainable().forEach((k, p) -> m.put(k, p.value()));
    return m;
  }

  /**
   * Loads adapter weights from a PEFT state dict (values copied to the heap). Missing or misshaped
   * entries are errors naming {@code source}. By default each trainable parameter reads the entry
   * of its own key.
   */
  default void load(Map<String, Tensor> state, String source) {
    trainable().forEach((k, p) -> StateDicts.copyInto(state, k, p, source));
  }

  /** Edits a forward input: virtual tokens, prefix keys/values. Identity for layer methods. */
  default ModelInput prepare(ModelInput in) {
    return in;
  }

  /** Input positions the method prepends (prompt tuning, P-tuning); 0 otherwise. */
  default int virtualTokens() {
    return 0;
  }

  /**
   * Positions the method takes before the real tokens: its virtual tokens, or a prefix whose keys
   * shift the real tokens' positions (prefix tuning overrides this).
   */
  default int reservedPositions() {
    return virtualTokens();
  }

  /** Whether {@link #merge} can fold the adapter into plain base layers. */
  default boolean canMerge() {
    return false;
  }

  /** Folds the adapter into the base layers (heap copies; mapped weights are never written). */
  default void merge() {
    throw new UnsupportedOperationException(config().peftType() + " cannot be merged");
  }

  /** Undoes {@link #merge}. */
  default void unmerge() {
    throw new UnsupportedOperationException(config().peftType() + " cannot be merged");
  }

  /** Takes the adapter out of the model (slots back to their base modules). */
  void remove();
}
