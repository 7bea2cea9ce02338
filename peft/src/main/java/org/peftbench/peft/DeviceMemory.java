package org.peftbench.peft;

import org.peftbench.transformer.ModelStructure;

/**
 * The device-equivalent M_m: peak GPU memory of one step of the reference's training run (bf16
 * weights, PyTorch, HF Trainer, PEFT-Bench's settings) at a given batch size and padded sequence
 * length, from the model's structure alone. The paper's M_m is that run's peak device memory; this
 * JVM engine computes in F32 on the CPU, so what it measures (peak tensor bytes, RSS) is reported
 * beside this estimate, and PSCP uses this one. docs/protocol.md (Costs) gives the formula and its
 * check against the paper's Llama-3-8B values.
 *
 * <pre>
 * M_m = weights + frozen + state + activations + logits + overhead
 *   weights     2 · base parameters                        (bf16)
 *   frozen      the method's frozen device copies           (BitFit's weight clones, VeRA's A/B)
 *   state       16 · trainable parameters                   (F32 value, gradient, AdamW m and v)
 *   activations with gradient checkpointing (the reference's default):
 *                 N = B·(T + virtual tokens); L·N·2C (each layer's input) + N·a (one layer redone)
 *               without (prefix tuning, disable_gradient_checkpointing): L·N·a
 *               a = one layer's tensors kept for backward per token, frozen weights keep no inputs:
 *                 2 RMSNorm F32 inputs 8C, q/k/v after RoPE 2(C + 2·kvDim), attention output 2C,
 *                 SiLU input 2I, the gate·up product's two inputs 4I, plus the method's own
 *   logits      14 · N · V   (bf16 logits 2, their F32 copy's log-softmax 4, the loss gradient 4 and
 *                             its F32 input gradient 4 at the backward's start)
 *   overhead    1 GiB        (CUDA context and cuBLAS workspaces, as NVML counts them)
 * </pre>
 */
public final class DeviceMemory {
  private DeviceMemory() {}

  /** CUDA context plus library workspaces on an H100 (about 0.5 GB context, the rest cuBLAS). */
  public static final long OVERHEAD_BYTES = 1L << 30;

  /** Bytes per logit at the loss: see the class comment. */
  public static final int LOGIT_BYTES = 14;

  /** The estimate and its parts, in bytes. */
  public record Estimate(
      long weights,
      long frozen,
      long state,
      long activations,
      long logits,
      long overhead,
      int batch,
      int positions,
      boolean gradientCheckpointing) {
    public long total() {
      return weights + frozen + state + activations + logits + overhead;
    }

    /** In GB (10^9 bytes), the paper's unit. */
    public double totalGb() {
      return total() / 1e9;
    }
  }

  /**
   * The device-equivalent peak of a training step with {@code batch} sequences padded to {@code
   * sequenceLength} tokens (before the method's virtual tokens). Gradient checkpointing as the
   * reference runs the method ({@link PeftMethodSpec#referenceGradientCheckpointing}).
   */
  public static Estimate estimate(
      PeftConfig config, ModelStructure model, int batch, int sequenceLength) {
    PeftConfig resolved = config.resolve(model);
    PeftMethodSpec<?> spec = PeftMethods.of(resolved);
    return estimate(
        resolved, model, batch, sequenceLength, spec.referenceGradientCheckpointingOf(resolved));
  }

  /** As {@link #estimate(PeftConfig, ModelStructure, int, int)} with checkpointing given. */
  public static Estimate estimate(
      PeftConfig config,
      ModelStructure model,
      int batch,
      int sequenceLength,
      boolean gradientCheckpointing) {
    if (batch <= 0 || sequenceLength <= 0) {
      throw new IllegalArgumentException(
          "batch and sequence length must be positive, got " + batch + ", " + sequenceLength);
    }
    PeftConfig resolved = config.resolve(model);
    PeftMethodSpec<?> spec = PeftMethods.of(resolved);
    int positions = sequenceLength + spec.sequenceTokensOf(resolved);
    long tokens = (long) batch * positions;
    long c = model.hidden();
    long kvDim = (long) model.kvHeads() * model.headDim();
    long qDim = (long) model.heads() * model.headDim();
    long i = model.intermediate();
    long perLayerToken =
        8 * c
            + 2 * (qDim + 2 * kvDim)
            + 2 * qDim
            + 2 * i
            + 4 * i
            + spec.activationBytesPerTokenOf(resolved, model);
    long layers = model.numLayers();
    long activations =
        gradientCheckpointing
            ? layers * tokens * 2 * c + tokens * perLayerToken
            : layers * tokens * perLayerToken;
    long trainable = resolved.count(model).trainable();
    return new Estimate(
        2 * model.totalParameters(),
        spec.deviceFrozenBytesOf(resolved, model),
        16 * trainable,
        activations,
        LOGIT_BYTES * tokens * model.vocab(),
        OVERHEAD_BYTES,
        batch,
        positions,
        gradientCheckpointing);
  }
}
