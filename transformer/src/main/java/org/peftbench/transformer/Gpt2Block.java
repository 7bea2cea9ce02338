package org.peftbench.transformer;

import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Var;
import org.peftbench.transformer.ModelStructure.Role;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.NormLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * The GPT-2 block: pre-LayerNorm attention with a fused q/k/v projection, then a GELU MLP. Its
 * projections are Conv1D layers (weights {@code [in, out]}).
 *
 * <pre>
 *   q | k | v = c_attn(ln_1(x))                          [B,T,3C]
 *   x = x + attn.c_proj(attention(q, k, v))
 *   x = x + mlp.c_proj(gelu(mlp.c_fc(ln_2(x))))
 * </pre>
 */
final class Gpt2Block implements DecoderBlock {
  final int layer;
  final Slot<NormLayer> ln1;
  final Slot<LinearLayer> cAttn;
  final Slot<LinearLayer> attnProj;
  final Slot<NormLayer> ln2;
  final Slot<LinearLayer> cFc;
  final Slot<LinearLayer> mlpProj;
  private final Activation activation;
  private final int hidden;
  private final int heads;
  private final int headDim;

  Gpt2Block(ModelConfig c, ModelStructure.Layer spec, ModuleTree tree) {
    this.layer = spec.index();
    ln1 = tree.norm(spec.module(Role.ATTENTION_NORM));
    cAttn = tree.linear(spec.module(Role.QKV));
    attnProj = tree.linear(spec.module(Role.O));
    ln2 = tree.norm(spec.module(Role.MLP_NORM));
    cFc = tree.linear(spec.module(Role.UP));
    mlpProj = tree.linear(spec.module(Role.DOWN));
    activation = c.activation();
    hidden = c.hiddenSize();
    heads = c.numHeads();
    headDim = c.headDim();
  }

  @Override
  public Var forward(Var x, ForwardState s) {
    int b = s.batch, t = s.time;
    Var qkv = cAttn.get().forward(ln1.get().forward(x));
    Var[] parts = Ops.split(qkv, -1, hidden, hidden, hidden);
    Var q = Ops.reshape(parts[0], b, t, heads, headDim);
    Var k = Ops.reshape(parts[1], b, t, heads, headDim);
    Var v = Ops.reshape(parts[2], b, t, heads, headDim);
    Var a = s.attend(layer, q, k, v);
    x = Ops.add(x, attnProj.get().forward(Ops.reshape(a, b, t, hidden)));
    Var m = Activations.apply(activation, cFc.get().forward(ln2.get().forward(x)));
    return Ops.add(x, mlpProj.get().forward(m));
  }
}
