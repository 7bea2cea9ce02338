package org.peftbench.transformer;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;
import org.peftbench.transformer.ModelStructure.Role;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.NormLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * The Llama decoder layer (also Mistral, Qwen2, Qwen3): pre-norm attention then a gated MLP.
 *
 * <pre>
 *   h = input_layernorm(x)
 *   q, k, v = q_proj(h), k_proj(h), v_proj(h)          [B,T,Hq·D], [B,T,Hkv·D]
 *   (Qwen3) q, k = q_norm(q), k_norm(k)                  RMSNorm over D, per head
 *   x = x + o_proj(attention(rope(q), rope(k), v))
 *   h = post_attention_layernorm(x)
 *   x = x + down_proj(act(gate_proj(h)) ⊙ up_proj(h))
 * </pre>
 *
 * Every module is read from its {@link Slot} on each call, so PEFT replacements apply at once.
 */
final class LlamaBlock implements DecoderBlock {
  final int layer;
  final Slot<NormLayer> inputNorm;
  final Slot<LinearLayer> q;
  final Slot<LinearLayer> k;
  final Slot<LinearLayer> v;
  final Slot<LinearLayer> o;
  final Slot<NormLayer> qNorm; // Qwen3 only, else null
  final Slot<NormLayer> kNorm;
  final Slot<NormLayer> postNorm;
  final Slot<LinearLayer> gate;
  final Slot<LinearLayer> up;
  final Slot<LinearLayer> down;
  private final Activation activation;
  private final int heads;
  private final int kvHeads;
  private final int headDim;

  LlamaBlock(ModelConfig c, ModelStructure.Layer spec, ModuleTree tree) {
    this.layer = spec.index();
    // slots made in the structure's build order (what CausalLM.linears()/norms() list)
    inputNorm = tree.norm(spec.module(Role.ATTENTION_NORM));
    q = tree.linear(spec.module(Role.Q));
    k = tree.linear(spec.module(Role.K));
    v = tree.linear(spec.module(Role.V));
    o = tree.linear(spec.module(Role.O));
    qNorm = spec.has(Role.Q_NORM) ? tree.norm(spec.module(Role.Q_NORM)) : null;
    kNorm = spec.has(Role.K_NORM) ? tree.norm(spec.module(Role.K_NORM)) : null;
    gate = tree.linear(spec.module(Role.GATE));
    up = tree.linear(spec.module(Role.UP));
    down = tree.linear(spec.module(Role.DOWN));
    postNorm = tree.norm(spec.module(Role.MLP_NORM));
    activation = c.activation();
    heads = c.numHeads();
    kvHeads = c.numKvHeads();
    headDim = c.headDim();
  }

  @Override
  public Var forward(Var x, ForwardState s) {
    // inference on a backend that runs whole layers on its device (TornadoVM): one call, the
    // activations chained there; null when the per-op path below must run (training, PEFT, cache)
    Var fused = FusedLayerPath.forward(this, x, s, activation);
    if (fused != null) {
      return fused;
    }
    int b = s.batch, t = s.time;
    Var h = inputNorm.get().forward(x);
    Var qh = Ops.reshape(q.get().forward(h), b, t, heads, headDim);
    Var kh = Ops.reshape(k.get().forward(h), b, t, kvHeads, headDim);
    Var vh = Ops.reshape(v.get().forward(h), b, t, kvHeads, headDim);
    if (qNorm != null) {
      qh = qNorm.get().forward(qh);
      kh = kNorm.get().forward(kh);
    }
    Var a = s.attend(layer, qh, kh, vh);
    x = Ops.add(x, o.get().forward(Ops.reshape(a, b, t, heads * headDim)));
    h = postNorm.get().forward(x);
    Var g = gate.get().forward(h), u = up.get().forward(h);
    // SiLU-gated (Llama, Qwen, Mistral): one fused op instead of silu then mul
    Var m =
        activation == Activation.SILU
            ? Ops.swiglu(g, u)
            : Ops.mul(Activations.apply(activation, g), u);
    return Ops.add(x, down.get().forward(m));
  }
}
