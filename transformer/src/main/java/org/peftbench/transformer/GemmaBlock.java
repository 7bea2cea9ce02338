package org.peftbench.transformer;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;
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

  GemmaBlock(ModelConfig c, int layer, ModuleTree tree) {
    this.layer = layer;
    String p = "model.layers." + layer + ".";
    // slots in HF module order (self_attn, mlp, then the four norms)
    q = tree.linear(p + "self_attn.q_proj");
    k = tree.linear(p + "self_attn.k_proj");
    v = tree.linear(p + "self_attn.v_proj");
    o = tree.linear(p + "self_attn.o_proj");
    qNorm = tree.norm(p + "self_attn.q_norm");
    kNorm = tree.norm(p + "self_attn.k_norm");
    gate = tree.linear(p + "mlp.gate_proj");
    up = tree.linear(p + "mlp.up_proj");
    down = tree.linear(p + "mlp.down_proj");
    inputNorm = tree.norm(p + "input_layernorm");
    postAttentionNorm = tree.norm(p + "post_attention_layernorm");
    preFeedforwardNorm = tree.norm(p + "pre_feedforward_layernorm");
    postFeedforwardNorm = tree.norm(p + "post_feedforward_layernorm");
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
