package org.peftbench.peft.lokr;

import java.util.List;
import org.peftbench.autograd.Ops;
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
 * LoKr injection: {@code ΔW = (W1 ⊗ W2) · alpha/r}, factors as {@link LoKrConfig#factors}. File
 * keys {@code <module>.lokr_w1} (or {@code lokr_w1_a}/{@code lokr_w1_b}) and {@code lokr_w2} (or
 * {@code lokr_w2_a}/{@code lokr_w2_b}); init as PEFT (W1 zeros, W2 Kaiming-uniform).
 */
public final class LoKr extends LayerMethod {
  private final LoKrConfig config;

  public LoKr(CausalLM model, LoKrConfig config, long seed) {
    this.config = config;
    List<String> targets =
        Targeting.select(model.linears(), config.targetModules(), config.excludeModules());
    int r = config.r();
    float s = (float) config.scaling();
    for (String module : targets) {
      Slot<LinearLayer> slot = model.linears().get(module);
      LinearLayer base = slot.get();
      LoKrConfig.Factors f = config.factors(base.outFeatures(), base.inFeatures());
      boolean zeroW1 = config.initWeights();
      Var[] w1 = new Var[2];
      if (f.fullW1()) {
        Tensor t =
            zeroW1
                ? Tensor.zeros(f.a(), f.c())
                : Init.kaimingUniform(Init.rng(seed, module + "w1"), f.a(), f.c());
        w1[0] = param(StateDicts.key(module, "lokr_w1"), t);
      } else {
        Tensor ta =
            zeroW1
                ? Tensor.zeros(f.a(), r)
                : Init.kaimingUniform(Init.rng(seed, module + "w1a"), f.a(), r);
        w1[0] = param(StateDicts.key(module, "lokr_w1_a"), ta);
        w1[1] =
            param(
                StateDicts.key(module, "lokr_w1_b"),
                Init.kaimingUniform(Init.rng(seed, module + "w1b"), r, f.c()));
      }
      Var[] w2 = new Var[2];
      if (f.fullW2()) {
        w2[0] =
            param(
                StateDicts.key(module, "lokr_w2"),
                Init.kaimingUniform(Init.rng(seed, module + "w2"), f.b(), f.d()));
      } else {
        w2[0] =
            param(
                StateDicts.key(module, "lokr_w2_a"),
                Init.kaimingUniform(Init.rng(seed, module + "w2a"), f.b(), r));
        w2[1] =
            param(
                StateDicts.key(module, "lokr_w2_b"),
                Init.kaimingUniform(Init.rng(seed, module + "w2b"), r, f.d()));
      }
      DeltaLinear layer =
          new DeltaLinear(module, base, () -> Ops.scale(kron(product(w1), product(w2)), s), "LoKr");
      install(slot, layer, layer::merged);
    }
  }

  private static Var product(Var[] factors) {
    return factors[1] == null ? factors[0] : Ops.matmul(factors[0], factors[1]);
  }

  /**
   * {@code kron(A [a,c], B [b,d]) = [a·b, c·d]}, element {@code (i·b+k, j·d+l) = A[i,j]·B[k,l]}:
   * the outer product of the flattened factors {@code [a·c, b·d]}, viewed as {@code [a,c,b,d]},
   * with the middle axes swapped to {@code [a,b,c,d]}.
   */
  static Var kron(Var a, Var b) {
    int ra = a.dim(0), ca = a.dim(1), rb = b.dim(0), cb = b.dim(1);
    Var outer = Ops.matmul(Ops.reshape(a, ra * ca, 1), Ops.reshape(b, 1, rb * cb));
    Var swapped = Ops.transpose(Ops.reshape(outer, ra, ca, rb, cb), 1, 2);
    return Ops.reshape(swapped, ra * rb, ca * cb);
  }

  @Override
  public LoKrConfig config() {
    return config;
  }
}
