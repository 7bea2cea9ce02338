package org.peftbench.transformer.nn;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;

/**
 * The base linear layer {@code y = x·Wᵀ + b} with HF's weight layout {@code [out, in]}, or GPT-2's
 * Conv1D layout {@code [in, out]} ({@link #fanInFanOut()}, as HF PEFT calls it) computed {@code y =
 * x·W + b} without any transpose.
 */
public class Linear implements LinearLayer {
  private final String name;
  private final Parameter weight;
  private final Parameter bias;
  private final boolean fanInFanOut;

  /**
   * @param name module name ({@code model.layers.0.self_attn.q_proj})
   * @param weight {@code [out, in]}, or {@code [in, out]} when {@code fanInFanOut}
   * @param bias {@code [out]} or null
   */
  public Linear(String name, Parameter weight, Parameter bias, boolean fanInFanOut) {
    if (weight.rank() != 2) {
      throw new IllegalArgumentException(name + ": a linear weight must be 2-D, got " + weight);
    }
    this.name = name;
    this.weight = weight;
    this.bias = bias;
    this.fanInFanOut = fanInFanOut;
    if (bias != null && bias.value().numel() != outFeatures()) {
      throw new IllegalArgumentException(
          name + ": bias " + bias + " does not match " + outFeatures() + " outputs");
    }
  }

  // y[..., out] = x[..., in] · W (+ b)
  @Override
  public Var forward(Var x) {
    if (!fanInFanOut) {
      return Ops.linear(x, weight, bias);
    }
    int[] shape = x.shape();
    shape[shape.length - 1] = outFeatures();
    Var y = Ops.matmul(Ops.reshape(x, -1, inFeatures()), weight);
    if (bias != null) {
      y = Ops.add(y, bias);
    }
    return Ops.reshape(y, shape);
  }

  public String name() {
    return name;
  }

  public Parameter weight() {
    return weight;
  }

  /** The bias, or null. */
  public Parameter bias() {
    return bias;
  }

  /** True when the weight is stored {@code [in, out]} (GPT-2 Conv1D). */
  public boolean fanInFanOut() {
    return fanInFanOut;
  }

  @Override
  public int inFeatures() {
    return weight.dim(fanInFanOut ? 0 : 1);
  }

  @Override
  public int outFeatures() {
    return weight.dim(fanInFanOut ? 1 : 0);
  }

  @Override
  public String toString() {
    return "Linear(" + inFeatures() + " -> " + outFeatures() + (bias != null ? ", bias" : "") + ")";
  }
}
