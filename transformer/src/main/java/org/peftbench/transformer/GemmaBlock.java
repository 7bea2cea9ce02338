package org.peftbench.transformer;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;
import org.peftbench.transformer.ModelStructure.Role;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.NormLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * The Gemma 3 decoder layer ({@code Gemma3DecoderLayer}): sandwich norms around both sublayers,
 * per-head q/k norms, a GeGLU MLP. Every norm is Gemma's {@code x · (1 + w)} RMSNorm.
 *
 * <pre>
 *   h = input_layernorm(x)
 *   q, k, v = q_proj(h), k_proj(h), v_proj(h)            [B,T,Hq·D], [B,T,Hkv·D]
 *   q, k = q_norm(q), k_norm(k)                          RMSNorm over D, per head
 *   a = attention(rope(q), rope(k), v)                   scale query_pre_attn_scalar^-0.5;
 *                                                        sliding layers: window, local RoPE base
 *   x = x + post_attention_layernorm(o_proj(a))
 *   h = pre_feedforward_layernorm(x)
 *   x = x + post_feedforward_layernorm(down_proj(gelu_tanh(gate_proj(h)) ⊙ up_proj(h)))
 * </pre>
 *
 * The layer's window and RoPE table come from {@link ForwardState#attend}; every module is read
 * from its {@link Slot} on each call, so PEFT replacements apply at once.
 */
final class GemmaBlock implements DecoderBlock {
  final int layer;
  final Slot<NormLayer> inputNorm;
  final Slot<LinearLayer> q;
  final Slot<LinearLayer> k;
  final Slot<LinearLayer> v;
  final Slot<LinearLayer> o;
  final Slot<NormLayer> qNorm;
  final Slot<NormLayer> kNorm;
  final Slot<LinearLayer> gate;
  final Slot<LinearLayer> up;
  final Slot<LinearLayer> down;
  final Slot<NormLayer> postAttentionNorm;
  final Slot<NormLayer> preFeedforwardNorm;
  final Slot<NormLayer> postFeedforwardNorm;
  private final Activation activation;
  private final int heads;
  private final int kvHeads;
  private final int headDim;

  GemmaBlock(ModelConfig c, ModelStructure.Layer spec, ModuleTree tree) {
    this.layer = spec.index();
    // slots in the structure's order (HF's: self_attn, mlp, then the four norms)
    q = tree.linear(spec.module(Role.Q));
    k = tree.linear(spec.module(Role.K));
    v = tree.linear(spec.module(Role.V));
    o = tree.linear(spec.module(Role.O));
    qNorm = tree.norm(spec.module(Role.Q_NORM));
    kNorm = tree.norm(spec.module(Role.K_NORM));
    gate = tree.linear(spec.module(Role.GATE));
    up = tree.linear(spec.module(Role.UP));
    down = tree.linear(spec.module(Role.DOWN));
    inputNorm = tree.norm(spec.module(Role.ATTENTION_NORM));
    postAttentionNorm = tree.norm(spec.module(Role.ATTENTION_OUTPUT_NORM));
    preFeedforwardNorm = tree.norm(spec.module(Role.MLP_NORM));
    postFeedforwardNorm = tree.norm(spec.module(Role.MLP_OUTPUT_NORM));
    activation = c.activation();
    heads = c.numHeads();
    kvHeads = c.numKvHeads();
    headDim = c.headDim();
  }

  @Override
  public Var forward(Var x, ForwardState s) {
    int b = s.batch, t = s.time;
    Var h = inputNorm.get().forward(x);
    Var qh = Ops.reshape(q.get().forward(h), b, t, heads, headDim);
    Var kh = Ops.reshape(k.get().forward(h), b, t, kvHeads, headDim);
    Var vh = Ops.reshape(v.get().forward(h), b, t, kvHeads, headDim);
    qh = qNorm.get().forward(qh);
    kh = kNorm.get().forward(kh);
    Var a = s.attend(layer, qh, kh, vh);
    Var attn = o.get().forward(Ops.reshape(a, b, t, heads * headDim));
    x = Ops.add(x, postAttentionNorm.get().forward(attn));
    h = preFeedforwardNorm.get().forward(x);
    Var m = Ops.mul(Activations.apply(activation, gate.get().forward(h)), up.get().forward(h));
    return Ops.add(x, postFeedforwardNorm.get().forward(down.get().forward(m)));
  }
}
