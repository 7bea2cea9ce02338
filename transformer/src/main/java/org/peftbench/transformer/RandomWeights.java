package org.peftbench.transformer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.peftbench.tensor.Tensor;

/**
 * Random weights initialised as transformers' {@code _init_weights} does: linear and embedding
 * weights normal(0, {@code initializer_range}) (GPT-2's residual projections scaled by 1/sqrt(2·
 * layers)), biases zero, norm scales one (Gemma's {@code 1 + w} norms: zero). Same seed ⇒ same
 * weights; each parameter draws from its own stream (seed and name), so the values do not depend on
 * the order of creation.
 */
public final class RandomWeights {
  private RandomWeights() {}

  /** HF name → heap F32 tensor, in HF order. */
  public static Map<String, Tensor> create(ModelConfig config, long seed) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (ModelStructure.ParameterSpec spec : ModelStructure.of(config).parameters().values()) {
      out.put(spec.name(), create(config, spec, seed));
    }
    return out;
  }

  /** One parameter's initial value. */
  public static Tensor create(ModelConfig config, ModelStructure.ParameterSpec spec, long seed) {
    Tensor t = Tensor.zeros(spec.shape());
    float[] a = t.array();
    double std = config.initializerRange();
    switch (spec.init()) {
      case ZEROS -> {}
      case ONES -> java.util.Arrays.fill(a, 1f);
      case NORMAL, NORMAL_RESIDUAL -> {
        if (spec.init() == ModelStructure.Init.NORMAL_RESIDUAL) {
          std /= Math.sqrt(2.0 * config.numLayers());
        }
        SplittableRandom rng =
            new SplittableRandom(seed * 0x9E3779B97F4A7C15L + spec.name().hashCode());
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) (rng.nextGaussian() * std);
        }
      }
    }
    return t;
  }
}
