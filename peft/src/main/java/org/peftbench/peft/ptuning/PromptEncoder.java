package org.peftbench.peft.ptuning;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.StepContext;
import org.peftbench.autograd.Var;
import org.peftbench.peft.Init;
import org.peftbench.peft.StateDicts;
import org.peftbench.tensor.Tensor;

/**
 * PEFT's P-tuning PromptEncoder: an embedding {@code [P, C]} reparameterised by an MLP or a
 * bidirectional LSTM + MLP head. Parameter names follow the torch module ({@code embedding.weight},
 * {@code mlp_head.0.weight}, {@code lstm_head.weight_ih_l0_reverse}, ...), prefixed with {@code
 * prompt_encoder.}; initialisation follows torch's defaults (Embedding N(0,1), Linear and LSTM
 * uniform ±1/√fan).
 */
public final class PromptEncoder {
  static final String PREFIX = "prompt_encoder.";
  private final PromptEncoderConfig config;
  private final Map<String, Parameter> params = new LinkedHashMap<>();
  private final long seed;

  public PromptEncoder(PromptEncoderConfig config, long seed) {
    this.config = config;
    this.seed = seed;
    int p = config.numVirtualTokens(), c = config.tokenDim(), h = config.encoderHiddenSize();
    add("embedding.weight", Init.normal(rng("embedding.weight"), 1.0, p, c));
    if (config.lstm()) {
      for (int layer = 0; layer < config.encoderNumLayers(); layer++) {
        int in = layer == 0 ? c : 2 * h;
        for (String dir : new String[] {"", "_reverse"}) {
          String s = "_l" + layer + dir;
          // torch.nn.LSTM: every weight and bias U(-1/√h, 1/√h)
          add("lstm_head.weight_ih" + s, Init.linearDefault(rng("ih" + s), h, 4 * h, in));
          add("lstm_head.weight_hh" + s, Init.linearDefault(rng("hh" + s), h, 4 * h, h));
          add("lstm_head.bias_ih" + s, Init.linearDefault(rng("bih" + s), h, 4 * h));
          add("lstm_head.bias_hh" + s, Init.linearDefault(rng("bhh" + s), h, 4 * h));
        }
      }
      linear("mlp_head.0", 2 * h, 2 * h);
      linear("mlp_head.2", 2 * h, c);
    } else {
      linear("mlp_head.0", c, h);
      linear("mlp_head.2", h, h);
      linear("mlp_head.4", h, c);
    }
  }

  private SplittableRandom rng(String name) {
    return Init.rng(seed, PREFIX + name);
  }

  private void add(String name, Tensor t) {
    params.put(PREFIX + name, StateDicts.trainable(PREFIX + name, t));
  }

  private void linear(String name, int in, int out) {
    add(name + ".weight", Init.linearDefault(rng(name + ".weight"), in, out, in));
    add(name + ".bias", Init.linearDefault(rng(name + ".bias"), in, out));
  }

  private Parameter p(String name) {
    return params.get(PREFIX + name);
  }

  /** All encoder parameters by name. */
  public Map<String, Parameter> parameters() {
    return params;
  }

  /** The virtual-token embeddings {@code [P, C]}. */
  public Var forward() {
    Var x = p("embedding.weight"); // [P, C]
    int pTokens = config.numVirtualTokens();
    if (!config.lstm()) {
      x = Ops.relu(Ops.linear(x, p("mlp_head.0.weight"), p("mlp_head.0.bias")));
      x = Ops.relu(Ops.linear(x, p("mlp_head.2.weight"), p("mlp_head.2.bias")));
      return Ops.linear(x, p("mlp_head.4.weight"), p("mlp_head.4.bias"));
    }
    x = Ops.reshape(x, 1, pTokens, config.tokenDim()); // [1, P, C]: one sequence
    for (int layer = 0; layer < config.encoderNumLayers(); layer++) {
      String s = "_l" + layer;
      Var fwd =
          Ops.lstm(
              x,
              p("lstm_head.weight_ih" + s),
              p("lstm_head.weight_hh" + s),
              p("lstm_head.bias_ih" + s),
              p("lstm_head.bias_hh" + s),
              false);
      Var bwd =
          Ops.lstm(
              x,
              p("lstm_head.weight_ih" + s + "_reverse"),
              p("lstm_head.weight_hh" + s + "_reverse"),
              p("lstm_head.bias_ih" + s + "_reverse"),
              p("lstm_head.bias_hh" + s + "_reverse"),
              true);
      x = Ops.concat(-1, fwd, bwd); // [1, P, 2h]
      if (layer + 1 < config.encoderNumLayers()) {
        // torch applies the LSTM's dropout between layers, not after the last
        // the mask: a function of (seed, step, micro-batch, this layer), see StepContext
        x = StepContext.dropout(x, (float) config.encoderDropout(), PREFIX + "lstm_head" + s);
      }
    }
    x = Ops.relu(Ops.linear(x, p("mlp_head.0.weight"), p("mlp_head.0.bias")));
    x = Ops.linear(x, p("mlp_head.2.weight"), p("mlp_head.2.bias"));
    return Ops.reshape(x, pTokens, config.tokenDim());
  }
}
