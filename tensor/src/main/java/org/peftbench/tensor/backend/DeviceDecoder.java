package org.peftbench.tensor.backend;

/**
 * A decoder built by {@link ResidentDecoding#openDecoder}: its KV cache {@code [B, S, Hkv·D]} per
 * layer lives on the device and fills one slot per {@link #step}, the same slot in every row (rows
 * are left-padded to a common length, as a batched generation's prompts).
 */
public interface DeviceDecoder extends AutoCloseable {
  /** B, the rows of every step. */
  int batch();

  /** S, the cache slots per row. */
  int slots();

  /** Slots filled so far (the slot the next step writes). */
  int filled();

  /** Empties the cache for a new generation (weights stay on the device). */
  void reset();

  /**
   * Runs one token per row at the next slot: embeds it, writes its keys and values into the cache
   * and attends over the filled slots that are not padding.
   *
   * @param tokens {@code [B]} token ids
   * @param positions {@code [B]} each row's position id (its RoPE angle)
   * @param padding {@code [B]} rows whose token this step is padding: its slot is hidden from every
   *     later step of that row (and its own output is not used)
   * @return logits {@code [B·V]}, a buffer the decoder reuses at the next step
   */
  float[] step(int[] tokens, int[] positions, boolean[] padding);

  /** Device memory of the decoder: weights, caches and activations, in bytes. */
  long plannedDeviceBytes();

  @Override
  void close();
}
