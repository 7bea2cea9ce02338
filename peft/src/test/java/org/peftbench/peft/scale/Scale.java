package org.peftbench.peft.scale;

import org.peftbench.peft.LayerMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.Targeting;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/** The SCALE method in a model; file key {@code <module>.scale_g}, init zeros. */
final class Scale extends LayerMethod {
  private final ScaleConfig config;

  Scale(CausalLM model, ScaleConfig config) {
    this.config = config;
    for (String module : Targeting.select(model.linears(), config.targetModules(), null)) {
      Slot<LinearLayer> slot = model.linears().get(module);
      LinearLayer base = slot.get();
      String key = StateDicts.key(module, "scale_g");
      ScaleLinear layer =
          new ScaleLinear(module, base, param(key, Tensor.zeros(base.outFeatures())));
      install(slot, layer, layer::merged);
    }
  }

  @Override
  public ScaleConfig config() {
    return config;
  }
}
