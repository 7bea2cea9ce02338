package org.peftbench.peft.loha;

import java.util.List;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.DeltaLinear;
import org.peftbench.peft.Init;
import org.peftbench.peft.LayerMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.Targeting;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * LoHa injection: {@code ΔW = (W1a·W1b) ⊙ (W2a·W2b) · alpha/r}. File keys {@code
 * <module>.hada_w1_a} ... {@code hada_w2_b}; init as PEFT (W2b zeros, the rest Kaiming-uniform).
 */
public final class LoHa extends LayerMethod {
  private final LoHaConfig config;

  public LoHa(CausalLM model, LoHaConfig config, long seed) {
    this.config = config;
    List<String> targets =
        Targeting.select(model.linears(), config.targetModules(), config.excludeModules());
    int r = config.r();
    float s = (float) config.scaling();
    for (String module : targets) {
      Slot<LinearLayer> slot = model.linears().get(module);
      LinearLayer base = slot.get();
      int in = base.inFeatures(), out = base.outFeatures();
      Parameter w1a =
          param(
              StateDicts.key(module, "hada_w1_a"),
              Init.kaimingUniform(Init.rng(seed, module + "w1a"), out, r));
      Parameter w1b =
          param(
              StateDicts.key(module, "hada_w1_b"),
              Init.kaimingUniform(Init.rng(seed, module + "w1b"), r, in));
      Parameter w2a =
          param(
              StateDicts.key(module, "hada_w2_a"),
              Init.kaimingUniform(Init.rng(seed, module + "w2a"), out, r));
      Tensor w2bInit =
          config.initWeights()
              ? Tensor.zeros(r, in)
              : Init.kaimingUniform(Init.rng(seed, module + "w2b"), r, in);
      Parameter w2b = param(StateDicts.key(module, "hada_w2_b"), w2bInit);
      DeltaLinear layer =
          new DeltaLinear(
              module,
              base,
              () -> {
                Var d = Ops.mul(Ops.matmul(w1a, w1b), Ops.matmul(w2a, w2b)); // [out, in]
                return Ops.scale(d, s);
              },
              "LoHa");
      install(slot, layer, layer::merged);
    }
  }

  @Override
  public LoHaConfig config() {
    return config;
  }
}
