package org.peftbench.peft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.bitfit.BiasLinear;
import org.peftbench.peft.ia3.IA3Linear;
import org.peftbench.peft.lora.LoraLinear;
import org.peftbench.peft.prefixtuning.PrefixTuning;
import org.peftbench.peft.prompttuning.PromptTuning;
import org.peftbench.peft.ptuning.PTuning;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.LlamaTrainSpec.Adapter;
import org.peftbench.tensor.backend.LlamaTrainSpec.EncoderActivation;
import org.peftbench.tensor.backend.LlamaTrainSpec.EncoderLayer;
import org.peftbench.tensor.backend.LlamaTrainSpec.LayerAdapters;
import org.peftbench.tensor.backend.LlamaTrainSpec.Projection;
import org.peftbench.tensor.backend.LlamaTrainSpec.TokenEncoder;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.transformer.Activation;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelConfig;
import org.peftbench.transformer.ModelStructure;
import org.peftbench.transformer.ModelStructure.Role;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.NormLayer;
import org.peftbench.transformer.nn.RmsNorm;

/**
 * Describes a {@link PeftModel} as a {@link LlamaTrainSpec}, the input of a training step resident
 * on a device ({@link org.peftbench.tensor.backend.ResidentTraining}): the model's frozen tensors,
 * each projection's adapter (LoRA, IA3, BitFit's bias), the norms (LN tuning's trainable copies
 * included) and the method's trainable parameters, by identity, so the device trains the very
 * tensors the host model uses.
 *
 * <p>What the resident step runs: Llama-style decoders (Llama, Mistral, Qwen2, Qwen3: RMSNorm,
 * RoPE, SiLU-gated MLP, global causal attention) with LoRA (no dropout, no DoRA), IA3, BitFit, LN
 * tuning, prompt tuning, P-tuning's MLP encoder, prefix tuning (with or without projection) or no
 * method. Everything else (P-tuning's LSTM encoder, dropout, other architectures) is reported as
 * unsupported, with the reason, and trains through autograd.
 */
public final class ResidentTrainSpecs {
  private ResidentTrainSpecs() {}

  /** The spec, or why there is none (exactly one is non-null). */
  public record Described(LlamaTrainSpec spec, String unsupported) {}

  /**
   * @param batch the most rows a batch will have
   * @param time the longest a batch will be
   * @param decays which trainable parameters AdamW's weight decay applies to
   */
  public static Described describe(
      PeftModel pm,
      int batch,
      int time,
      LlamaTrainSpec.AdamWSettings optimizer,
      Predicate<Parameter> decays) {
    CausalLM lm = pm.base();
    ModelConfig c = lm.config();
    ModelStructure st = lm.structure();
    TokenEncoder prompt = null, prefix = null;
    switch (pm.method()) {
      case PromptTuning pt -> prompt = TokenEncoder.table(only(pt.trainable()));
      case PTuning pt -> {
        if (pt.config().lstm()) {
          return no(
              "P-tuning's LSTM encoder trains through autograd (the device runs the MLP encoder,"
                  + " PEFT-Bench's reference configuration)");
        }
        if (pt.trainable().isEmpty()) {
          return no("a loaded P-tuning adapter is a fixed table with nothing to train");
        }
        // PEFT's MLP head: Linear(C,h) → ReLU → Linear(h,h) → ReLU → Linear(h,C), no dropout
        prompt =
            encoder(
                pt.trainable(),
                "prompt_encoder.mlp_head.",
                new int[] {0, 2, 4},
                EncoderActivation.RELU);
      }
      case PrefixTuning pt -> {
        Map<String, Parameter> p = pt.trainable();
        // PEFT's projection: Linear(token_dim, E) → tanh → Linear(E, 2·L·token_dim)
        prefix =
            p.size() == 1
                ? TokenEncoder.table(only(p))
                : encoder(p, "prompt_encoder.transform.", new int[] {0, 2}, EncoderActivation.TANH);
      }
      default -> {
        if (pm.reservedPositions() > 0) {
          return no(pm.method() + " adds positions the device step does not describe");
        }
      }
    }
    if (c.activation() != Activation.SILU || c.layerNorm() || st.positionEmbedding() != null) {
      return no(c.architecture() + " is not a Llama-style decoder (RMSNorm, RoPE, SiLU MLP)");
    }
    if (c.attentionScaleByLayer()
        || c.finalLogitSoftcapping() != null
        || c.localRopeTheta() != null) {
      return no(c.architecture() + " scales attention or logits in ways the device step does not");
    }
    List<LlamaLayer> layers = new ArrayList<>();
    List<LayerAdapters> adapters = new ArrayList<>();
    for (ModelStructure.Layer layer : st.layers()) {
      Integer window = c.windowOf(layer.index());
      if (window != null && window < time) {
        return no("layer " + layer.index() + " has a sliding window of " + window + " tokens");
      }
      Tensor[] w = new Tensor[7];
      Tensor[] bias = new Tensor[7];
      LayerAdapters a = LayerAdapters.none();
      for (Projection p : Projection.values()) {
        Role role = role(p);
        if (!layer.has(role)) {
          return no("layer " + layer.index() + " has no separate " + p + " projection");
        }
        String module = layer.module(role).name();
        LinearLayer m = lm.linears().get(module).get();
        Linear base;
        Adapter adapter = null;
        switch (m) {
          case LoraLinear lora -> {
            if (lora.magnitude() != null || lora.dropout() != 0f) {
              return no(module + ": DoRA and LoRA dropout train through autograd");
            }
            base = plain(lora.base());
            adapter = Adapter.lora(lora.loraA().value(), lora.loraB().value(), lora.scaling());
          }
          case IA3Linear ia3 -> {
            base = plain(ia3.base());
            adapter = Adapter.ia3(ia3.scale().value(), ia3.feedforward());
          }
          case BiasLinear b -> {
            base = plain(b.base());
            adapter = Adapter.bias(b.bias().value());
          }
          default -> base = plain(m);
        }
        if (base == null) {
          return no(module + ": " + m + " has no device form");
        }
        if (base.bias() != null && p.ordinal() > Projection.V.ordinal()) {
          return no(module + ": only q/k/v may have a bias");
        }
        w[p.ordinal()] = base.weight().value();
        bias[p.ordinal()] = base.bias() == null ? null : base.bias().value();
        if (adapter != null) {
          a = a.with(p, adapter);
        }
      }
      RmsNorm n1 = rms(lm, layer.module(Role.ATTENTION_NORM).name());
      RmsNorm n2 = rms(lm, layer.module(Role.MLP_NORM).name());
      RmsNorm qn = layer.has(Role.Q_NORM) ? rms(lm, layer.module(Role.Q_NORM).name()) : null;
      RmsNorm kn = layer.has(Role.K_NORM) ? rms(lm, layer.module(Role.K_NORM).name()) : null;
      if (n1 == null || n2 == null || (layer.has(Role.Q_NORM) && (qn == null || kn == null))) {
        return no("layer " + layer.index() + " has a norm that is not a plain RMSNorm");
      }
      if (n2.eps() != n1.eps() || (qn != null && (qn.eps() != n1.eps() || kn.eps() != n1.eps()))) {
        return no("layer " + layer.index() + " mixes RMSNorm epsilons");
      }
      layers.add(
          new LlamaLayer(
              n1.weight().value(),
              w[0],
              w[1],
              w[2],
              w[3],
              n2.weight().value(),
              w[4],
              w[5],
              w[6],
              bias[0],
              bias[1],
              bias[2],
              qn == null ? null : qn.weight().value(),
              kn == null ? null : kn.weight().value(),
              c.numHeads(),
              c.numKvHeads(),
              c.headDim(),
              n1.eps()));
      adapters.add(a);
    }
    RmsNorm fin = rms(lm, st.finalNorm().name());
    if (fin == null || fin.eps() != layers.get(0).eps()) {
      return no("the final norm is not a plain RMSNorm with the layers' epsilon");
    }
    Linear head = plain(lm.lmHead().get());
    if (head == null || head.bias() != null) {
      return no("lm_head is not a plain linear without bias");
    }
    List<LlamaTrainSpec.Trainable> trainables = new ArrayList<>();
    for (Parameter p : pm.trainableParameters()) {
      trainables.add(new LlamaTrainSpec.Trainable(p.name(), p.value(), decays.test(p)));
    }
    double scalar = c.queryPreAttnScalar() != null ? c.queryPreAttnScalar() : c.headDim();
    RopeTable rope =
        new RopeTable(
            c.headDim(),
            Math.max(pm.reservedPositions() + time, 1),
            c.ropeTheta(),
            c.ropeScaling(),
            c.ropeLinearFactor());
    try {
      return new Described(
          new LlamaTrainSpec(
              lm.tokenEmbedding().value(),
              layers,
              adapters,
              fin.weight().value(),
              head.weight().value(),
              prompt,
              prefix,
              trainables,
              rope,
              (float) (1.0 / Math.sqrt(scalar)),
              batch,
              time,
              optimizer,
              // the model's own switch, honoured by the per-op path too
              lm.gradientCheckpointing()),
          null);
    } catch (IllegalArgumentException e) {
      return no(e.getMessage());
    }
  }

  /** The value of a method's single trainable tensor (a prompt or prefix table). */
  private static Tensor only(Map<String, Parameter> trainable) {
    return trainable.values().iterator().next().value();
  }

  /**
   * A prompt encoder as PEFT's torch module names it: {@code prompt_encoder.embedding.weight}, then
   * the linears {@code <head><i>.weight/.bias} for each i in {@code linears} (a {@code
   * torch.nn.Sequential}'s indices, the activations between), {@code between} after every linear
   * but the last.
   */
  private static TokenEncoder encoder(
      Map<String, Parameter> p, String head, int[] linears, EncoderActivation between) {
    List<EncoderLayer> layers = new ArrayList<>();
    for (int i = 0; i < linears.length; i++) {
      layers.add(
          new EncoderLayer(
              p.get(head + linears[i] + ".weight").value(),
              p.get(head + linears[i] + ".bias").value(),
              i + 1 < linears.length ? between : EncoderActivation.NONE));
    }
    return new TokenEncoder(p.get("prompt_encoder.embedding.weight").value(), layers);
  }

  private static Described no(String why) {
    return new Described(null, why);
  }

  private static Role role(Projection p) {
    return switch (p) {
      case Q -> Role.Q;
      case K -> Role.K;
      case V -> Role.V;
      case O -> Role.O;
      case GATE -> Role.GATE;
      case UP -> Role.UP;
      case DOWN -> Role.DOWN;
    };
  }

  /** {@code m} if it is a plain {@link Linear} in HF's {@code [out, in]} layout, else null. */
  private static Linear plain(LinearLayer m) {
    return m != null && m.getClass() == Linear.class && !((Linear) m).fanInFanOut()
        ? (Linear) m
        : null;
  }

  /** The module in the norm slot if it is a plain RMSNorm (not Gemma's 1 + w form), else null. */
  private static RmsNorm rms(CausalLM lm, String module) {
    NormLayer m = lm.norms().get(module).get();
    return m instanceof RmsNorm r && !r.unitOffset() ? r : null;
  }
}
