package org.peftbench.peft.examples.lorafa;

import java.util.LinkedHashMap;
import java.util.Map;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.Init;
import org.peftbench.peft.LayerMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.Targeting;
import org.peftbench.peft.WeightMath;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * Step 2, the layers: each targeted linear becomes {@code y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ} with A {@code [r,
 * in]} frozen (Kaiming-uniform) and B {@code [out, r]} trained from zero. A is saved with B under
 * LoRA's keys ({@code lora_A.weight}, {@code lora_B.weight}) because the adapter means nothing
 * without it.
 */
final class LoraFa extends LayerMethod {
  private final LoraFaConfig config;
  private final Map<String, Parameter> frozenA = new LinkedHashMap<>();

  LoraFa(CausalLM model, LoraFaConfig config, long seed) {
    this.config = config;
    for (String module : Targeting.select(model.linears(), config.targetModules(), null)) {
      Slot<LinearLayer> slot = model.linears().get(module);
      LinearLayer base = slot.get();
      String keyA = StateDicts.key(module, "lora_A.weight");
      Tensor a = Init.kaimingUniform(Init.rng(seed, keyA), config.r(), base.inFeatures());
      Parameter pa = new Parameter(keyA, a, false); // frozen: no gradient, no optimizer state
      frozenA.put(keyA, pa);
      Parameter pb =
          param(
              StateDicts.key(module, "lora_B.weight"),
              Tensor.zeros(base.outFeatures(), config.r()));
      Layer layer = new Layer(module, base, pa, pb, config.scaling());
      install(slot, layer, layer::merged);
    }
  }

  @Override
  public LoraFaConfig config() {
    return config;
  }

  @Override
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    frozenA.forEach((k, p) -> m.put(k, p.value()));
    m.putAll(super.stateDict());
    return m;
  }

  @Override
  public void load(Map<String, Tensor> state, String source) {
    super.load(state, source);
    frozenA.forEach((k, p) -> StateDicts.copyInto(state, k, p, source));
  }

  /** One adapted linear. */
  record Layer(String module, LinearLayer base, Parameter a, Parameter b, float scaling)
      implements LinearLayer {
    // x [..., in] -> y [..., out]
    @Override
    public Var forward(Var x) {
      Var h = Ops.linear(x, a, null); // [..., r]; A frozen, so autograd keeps no grad for it
      return Ops.add(base.forward(x), Ops.scale(Ops.linear(h, b, null), scaling));
    }

    /** {@code W + s·B·A}. */
    Linear merged() {
      Linear lin = WeightMath.baseLinear(base, module);
      Tensor ba = WeightMath.matmul(b.value(), a.value());
      Tensor w = WeightMath.addScaled(WeightMath.outIn(lin), ba, scaling);
      ba.close();
      return WeightMath.withWeight(lin, w, lin.bias());
    }

    @Override
    public int inFeatures() {
      return base.inFeatures();
    }

    @Override
    public int outFeatures() {
      return base.outFeatures();
    }
  }
}
