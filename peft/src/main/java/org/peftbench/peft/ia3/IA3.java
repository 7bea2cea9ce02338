package org.peftbench.peft.ia3;

import java.util.List;
import org.peftbench.peft.Init;
import org.peftbench.peft.LayerMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.Targeting;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/** (IA)³ injection; file key {@code <module>.ia3_l}, init ones. */
public final class IA3 extends LayerMethod {
  private final IA3Config config;

  public IA3(CausalLM model, IA3Config config, long seed) {
    this.config = config;
    List<String> targets =
        Targeting.select(model.linears(), config.targetModules(), config.excludeModules());
    for (String module : targets) {
      Slot<LinearLayer> slot = model.linears().get(module);
      LinearLayer base = slot.get();
      boolean ff = config.isFeedforward(module);
      String key = StateDicts.key(module, "ia3_l");
      int[] shape = ff ? new int[] {1, base.inFeatures()} : new int[] {base.outFeatures(), 1};
      Tensor init =
          config.initIa3Weights()
              ? Init.filled(1f, shape)
              : Init.normal(Init.rng(seed, key), 1, shape);
      IA3Linear layer = new IA3Linear(module, base, param(key, init), ff);
      install(slot, layer, layer::merged);
    }
  }

  @Override
  public IA3Config config() {
    return config;
  }
}
