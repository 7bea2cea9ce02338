package org.peftbench.peft.vera;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.Init;
import org.peftbench.peft.LayerMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.Targeting;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * VeRA injection. The shared projections {@code A [r, maxIn]}, {@code B [maxOut, r]} are
 * Kaiming-uniform from {@code projection_prng_key} with our generator (torch's random stream cannot
 * be reproduced), so they are saved ({@code base_model.vera_A}, {@code base_model.vera_B}) as PEFT
 * does with {@code save_projection}; per layer {@code <module>.vera_lambda_b} (zeros) and {@code
 * <module>.vera_lambda_d} ({@code d_initial}) train.
 */
public final class Vera extends LayerMethod {
  static final String KEY_A = "base_model.vera_A";
  static final String KEY_B = "base_model.vera_B";
  private final VeraConfig config;
  private final List<VeraLinear> layers = new ArrayList<>();
  private Tensor projA;
  private Tensor projB;

  public Vera(CausalLM model, VeraConfig config, long seed) {
    this.config = config;
    List<String> targets = Targeting.select(model.linears(), config.targetModules(), null);
    int maxIn = 0, maxOut = 0;
    for (String m : targets) {
      maxIn = Math.max(maxIn, model.linears().get(m).get().inFeatures());
      maxOut = Math.max(maxOut, model.linears().get(m).get().outFeatures());
    }
    int r = config.r();
    var rng = Init.rng(config.projectionPrngKey(), "vera");
    projA = Init.kaimingUniform(rng, r, maxIn);
    projB = Init.kaimingUniform(rng, maxOut, r);
    for (String module : targets) {
      Slot<LinearLayer> slot = model.linears().get(module);
      LinearLayer base = slot.get();
      Parameter lb =
          param(StateDicts.key(module, "vera_lambda_b"), Tensor.zeros(base.outFeatures()));
      Parameter ld =
          param(StateDicts.key(module, "vera_lambda_d"), Init.filled((float) config.dInitial(), r));
      VeraLinear layer = new VeraLinear(module, base, lb, ld, (float) config.veraDropout());
      layer.project(projA, projB);
      layers.add(layer);
      install(slot, layer, layer::merged);
    }
  }

  @Override
  public VeraConfig config() {
    return config;
  }

  @Override
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> m = new LinkedHashMap<>(super.stateDict());
    if (config.saveProjection()) {
      m.put(KEY_A, projA);
      m.put(KEY_B, projB);
    }
    return m;
  }

  @Override
  public void load(Map<String, Tensor> state, String source) {
    super.load(state, source);
    Tensor a = state.get(KEY_A), b = state.get(KEY_B);
    if (a == null || b == null) {
      throw new IllegalArgumentException(
          source
              + ": no saved VeRA projections (vera_A/vera_B); adapters saved with"
              + " save_projection=false need torch's PRNG to rebuild them, which we do not have");
    }
    if (a.dim(0) != config.r()
        || b.dim(1) != config.r()
        || a.dim(1) < projA.dim(1)
        || b.dim(0) < projB.dim(0)) {
      throw new IllegalArgumentException(
          source + ": VeRA projections have unexpected shapes " + a + ", " + b);
    }
    projA = a.toF32();
    projB = b.toF32();
    for (VeraLinear l : layers) {
      l.project(projA, projB);
    }
  }
}
