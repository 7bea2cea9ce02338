package org.peftbench.peft.bitfit;

import java.util.ArrayList;
import java.util.List;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.Init;
import org.peftbench.peft.LayerMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.Targeting;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * BitFit: only biases train. A targeted linear with a bias has it unfrozen (as a heap F32 copy);
 * one without gets a {@link BiasLinear} whose bias starts as torch's default {@code nn.Linear}
 * bias, U(−1/√in, 1/√in): PEFT-Bench's BitFit ({@code peft/bitfit/layer.py}) builds a fresh {@code
 * nn.Linear(in, out, bias=True)} around a copy of the weight, so a linear without a bias starts
 * with a random one, not zero. File key {@code <module>.bias}.
 *
 * <p>Where the linear already has a bias (Qwen2's q/k/v), the reference's fresh layer drops the
 * pretrained bias for a random one; this engine trains the pretrained bias instead
 * (docs/protocol.md, Methods). Llama-3-8B's q/v have none, so the paper's runs are unaffected.
 */
public final class BitFit extends LayerMethod {
  private final BitFitConfig config;
  private final List<Parameter> unfrozen = new ArrayList<>();
  private final List<Tensor> originals = new ArrayList<>();

  public BitFit(CausalLM model, BitFitConfig config, long seed) {
    this.config = config;
    List<String> targets = Targeting.select(model.linears(), config.targetModules(), null);
    for (String module : targets) {
      Slot<LinearLayer> slot = model.linears().get(module);
      LinearLayer base = slot.get();
      String key = StateDicts.key(module, "bias");
      if (base instanceof Linear lin && lin.bias() != null) {
        Parameter b = lin.bias();
        originals.add(b.value());
        b.setValue(b.value().toF32());
        b.setTrainable(true);
        unfrozen.add(b);
        trainable.put(key, b);
      } else {
        BiasLinear layer =
            new BiasLinear(
                module,
                base,
                param(
                    key,
                    Init.linearDefault(
                        Init.rng(seed, key), base.inFeatures(), base.outFeatures())));
        install(slot, layer, layer::merged);
      }
    }
  }

  @Override
  public BitFitConfig config() {
    return config;
  }

  /** Slots back to base; unfrozen biases frozen again with their original values. */
  @Override
  public void remove() {
    super.remove();
    for (int i = 0; i < unfrozen.size(); i++) {
      unfrozen.get(i).setTrainable(false);
      unfrozen.get(i).setValue(originals.get(i));
    }
  }
}
