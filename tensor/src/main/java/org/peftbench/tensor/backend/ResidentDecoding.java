package org.peftbench.tensor.backend;

/**
 * An optional capability of a {@link Backend}: token-by-token decoding with the KV cache resident
 * on its device. Per token only the token ids, positions and padding flags go in and the logits
 * come back; the weights are uploaded once and the keys and values of every layer never leave the
 * device.
 *
 * <p>The contract is the model's own forward with a KV cache (the CPU backends): the same logits up
 * to float rounding, so greedy decoding picks the same tokens.
 */
public interface ResidentDecoding {
  /**
   * Builds a decoder for {@code spec}'s model and uploads its weights: {@code spec.batch()} rows,
   * {@code spec.time()} cache slots per row. The spec's adapters (LoRA, IA3, bias) run unmerged;
   * its trainables and optimizer settings are not used.
   *
   * @throws IllegalArgumentException when the spec has something the device decoder cannot run
   */
  DeviceDecoder openDecoder(LlamaTrainSpec spec);
}
