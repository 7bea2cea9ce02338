package org.peftbench.transformer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The structure of a causal LM as HF transformers builds it, derived from its {@link ModelConfig}
 * alone (no weights): every module with its HF name, role and shape, every parameter with its shape
 * and initialisation, and the attention shape. It is the one description that weight loading
 * ({@link CausalLM}, {@link RandomWeights}), the blocks' module names, PEFT's targeting and
 * parameter counting, and the FLOP model read, so 8B-scale models cost nothing to describe.
 *
 * <p>{@link #modules()} lists modules in the order the model builds them (per layer: the block's
 * order, then the final norm and {@code lm_head}); {@link #parameters()} lists parameters in HF's
 * {@code named_parameters()} order (tied weights once, under the embedding).
 *
 * @param config the config it was derived from
 * @param modelType HF {@code model_type} ("llama", "mistral", "qwen2", "qwen3", "gpt2")
 * @param tokenEmbedding the token embedding table {@code [V, C]}
 * @param positionEmbedding GPT-2's learned position table {@code [P, C]}, null for RoPE models
 * @param layers the decoder layers
 * @param finalNorm the norm before the head
 * @param lmHead the output head (its weight is the token embedding when tied)
 * @param parameters every parameter, by HF name, in HF order
 */
public record ModelStructure(
    ModelConfig config,
    String modelType,
    ModuleSpec tokenEmbedding,
    ModuleSpec positionEmbedding,
    List<Layer> layers,
    ModuleSpec finalNorm,
    ModuleSpec lmHead,
    Map<String, ParameterSpec> parameters) {

  /** What a module computes. */
  public enum Kind {
    /** {@code y = x·Wᵀ (+ b)}, W {@code [out, in]} (GPT-2's Conv1D stores {@code [in, out]}). */
    LINEAR,
    /** RMSNorm (scale only) or LayerNorm (scale and bias) over {@code out} channels. */
    NORM,
    /** A lookup table of {@code in} rows of width {@code out}. */
    EMBEDDING
  }

  /** The job of a module in its block; blocks find their modules by role. */
  public enum Role {
    TOKEN_EMBEDDING,
    POSITION_EMBEDDING,
    /** The norm before attention (Llama's input_layernorm, GPT-2's ln_1). */
    ATTENTION_NORM,
    Q,
    K,
    V,
    /** GPT-2's fused q/k/v projection (c_attn). */
    QKV,
    /** The attention output projection (o_proj, attn.c_proj). */
    O,
    /** Qwen3's per-head RMSNorm on queries. */
    Q_NORM,
    /** Qwen3's per-head RMSNorm on keys. */
    K_NORM,
    /**
     * The norm before the MLP (post_attention_layernorm, ln_2; Gemma's pre_feedforward_layernorm).
     */
    MLP_NORM,
    /** Gemma's norm on the attention output, before the residual add (post_attention_layernorm). */
    ATTENTION_OUTPUT_NORM,
    /** Gemma's norm on the MLP output, before the residual add (post_feedforward_layernorm). */
    MLP_OUTPUT_NORM,
    GATE,
    UP,
    DOWN,
    FINAL_NORM,
    LM_HEAD
  }

  /** How transformers' {@code _init_weights} fills a parameter. */
  public enum Init {
    /** normal(0, initializer_range): linear and embedding weights. */
    NORMAL,
    /** normal(0, initializer_range / sqrt(2·layers)): GPT-2's residual projections (c_proj). */
    NORMAL_RESIDUAL,
    /** zeros: biases, and Gemma's norm scales (which multiply by {@code 1 + weight}). */
    ZEROS,
    /** ones: norm scales. */
    ONES
  }

  /** One parameter: HF name, shape, initialisation. */
  public record ParameterSpec(String name, int[] shape, Init init) {}

  /**
   * One module.
   *
   * @param name HF module name ("model.layers.0.self_attn.q_proj")
   * @param in input features (norms: the channel count; embeddings: the rows)
   * @param out output features (norms: the channel count; embeddings: the width)
   * @param bias whether it has a bias (LayerNorm: a shift)
   * @param conv1d GPT-2's Conv1D, weight stored {@code [in, out]}
   */
  public record ModuleSpec(
      String name, Kind kind, Role role, int in, int out, boolean bias, boolean conv1d) {
    /** Channels of a norm. */
    public int size() {
      return out;
    }

    /** Parameters of this module (a tied head's weight included). */
    public long numel() {
      return switch (kind) {
        case LINEAR -> (long) in * out + (bias ? out : 0);
        case NORM -> bias ? 2L * out : out;
        case EMBEDDING -> (long) in * out;
      };
    }

    public boolean isLinear() {
      return kind == Kind.LINEAR;
    }

    public boolean isNorm() {
      return kind == Kind.NORM;
    }
  }

  /** One decoder layer: its index, name prefix and modules in build order. */
  public record Layer(int index, String prefix, List<ModuleSpec> modules) {
    /** The module with {@code role}; an error when the layer has none. */
    public ModuleSpec module(Role role) {
      for (ModuleSpec m : modules) {
        if (m.role() == role) {
          return m;
        }
      }
      throw new IllegalStateException("layer " + index + " has no " + role + " module");
    }

    public boolean has(Role role) {
      return modules.stream().anyMatch(m -> m.role() == role);
    }
  }

  public ModelStructure {
    layers = List.copyOf(layers);
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }

  /** The structure of a model with config {@code c}. */
  public static ModelStructure of(ModelConfig c) {
    return new Builder(c).build();
  }

  /**
   * Reads {@code config.json} (or a model folder holding one); bad or unsupported configs are an
   * {@link IllegalArgumentException} naming the file.
   */
  public static ModelStructure load(Path configOrDir) {
    try {
      return of(ModelConfig.load(configOrDir));
    } catch (ModelException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- shape

  /** C, the residual stream width. */
  public int hidden() {
    return config.hiddenSize();
  }

  /** The MLP width. */
  public int intermediate() {
    return config.intermediateSize();
  }

  /** Number of decoder layers L. */
  public int numLayers() {
    return layers.size();
  }

  /** Query heads H. */
  public int heads() {
    return config.numHeads();
  }

  /** Key/value heads K. */
  public int kvHeads() {
    return config.numKvHeads();
  }

  /** Head size D. */
  public int headDim() {
    return config.headDim();
  }

  /** Vocabulary V. */
  public int vocab() {
    return config.vocabSize();
  }

  /** Whether lm_head shares the token embedding's weight (counted once, as torch does). */
  public boolean tiedEmbeddings() {
    return config.tieWordEmbeddings();
  }

  /** Every module in build order: per layer, then the final norm and lm_head. */
  public List<ModuleSpec> modules() {
    List<ModuleSpec> out = new ArrayList<>();
    for (Layer l : layers) {
      out.addAll(l.modules());
    }
    out.add(finalNorm);
    out.add(lmHead);
    return out;
  }

  /** Every linear layer, in build order ({@code lm_head} last). */
  public List<ModuleSpec> linears() {
    return modules().stream().filter(ModuleSpec::isLinear).toList();
  }

  /** Every norm, in build order (the final norm last). */
  public List<ModuleSpec> norms() {
    return modules().stream().filter(ModuleSpec::isNorm).toList();
  }

  /**
   * All parameters of the base model: embeddings, every linear, every norm; a tied lm_head shares
   * the embedding's weight and counts once.
   */
  public long totalParameters() {
    // exact arithmetic: a count beyond a long is an error, never a wrapped (wrong) number
    long n = 0;
    for (ParameterSpec p : parameters.values()) {
      long size = 1;
      for (int d : p.shape()) {
        size = Math.multiplyExact(size, d);
      }
      n = Math.addExact(n, size);
    }
    return n;
  }

  /**
   * Forward FLOPs of the base model on T tokens attending to S = T + {@code extraKeys} positions:
   * one multiply-add = 2 FLOPs, matrix products only (norms, activations, softmax and residual adds
   * are O(T·C)), attention over all S positions (no causal halving).
   *
   * <pre>
   * per layer: every linear 2·T·in·out; scores Q·Kᵀ and P·V 2·T·S·D·H each
   * lm_head:   2·T·C·V
   * </pre>
   */
  public double forwardFlops(int tokens, int extraKeys) {
    double t = tokens;
    double s = tokens + extraKeys;
    double perLayerAttention = 2.0 * t * s * headDim() * heads() * 2;
    double sum = 0;
    for (Layer l : layers) {
      double linear = 0;
      for (ModuleSpec m : l.modules()) {
        if (m.isLinear()) {
          linear += 2.0 * t * m.in() * m.out();
        }
      }
      sum += linear + perLayerAttention;
    }
    return sum + 2.0 * t * lmHead.in() * lmHead.out();
  }

  // ---------------------------------------------------------------- building

  /** Lays out modules and parameters for one config. */
  private static final class Builder {
    private final ModelConfig c;
    private final boolean gpt2;
    private final Map<String, ParameterSpec> params = new LinkedHashMap<>();

    Builder(ModelConfig c) {
      this.c = c;
      this.gpt2 = c.architecture() == Architecture.GPT2;
    }

    ModelStructure build() {
      return switch (c.architecture()) {
        case GPT2 -> gpt2();
        case GEMMA3 -> gemma3();
        default -> llama();
      };
    }

    private ModuleSpec linear(String name, Role role, int in, int out, boolean bias) {
      return new ModuleSpec(name, Kind.LINEAR, role, in, out, bias, gpt2);
    }

    private ModuleSpec norm(String name, Role role, int size) {
      return new ModuleSpec(name, Kind.NORM, role, size, size, c.layerNorm(), false);
    }

    /** Registers a module's parameters in HF order. */
    private void param(ModuleSpec m, Init weightInit) {
      switch (m.kind()) {
        case EMBEDDING -> put(m.name() + ".weight", weightInit, m.in(), m.out());
        case NORM -> {
          // scales start at 1, or at 0 where the norm multiplies by 1 + weight (Gemma)
          put(m.name() + ".weight", c.unitOffsetNorms() ? Init.ZEROS : Init.ONES, m.out());
          if (m.bias()) {
            put(m.name() + ".bias", Init.ZEROS, m.out());
          }
        }
        case LINEAR -> {
          if (m.conv1d()) {
            put(m.name() + ".weight", weightInit, m.in(), m.out());
          } else {
            put(m.name() + ".weight", weightInit, m.out(), m.in());
          }
          if (m.bias()) {
            put(m.name() + ".bias", Init.ZEROS, m.out());
          }
        }
      }
    }

    private void put(String name, Init init, int... shape) {
      params.put(name, new ParameterSpec(name, shape, init));
    }

    /** The output head: never Conv1D, never biased. */
    private ModuleSpec head() {
      return new ModuleSpec(
          "lm_head", Kind.LINEAR, Role.LM_HEAD, c.hiddenSize(), c.vocabSize(), false, false);
    }

    /** {@code model.embed_tokens} of the decoder-only families (Llama-style naming). */
    private ModuleSpec decoderEmbedding() {
      ModuleSpec embed =
          new ModuleSpec(
              "model.embed_tokens",
              Kind.EMBEDDING,
              Role.TOKEN_EMBEDDING,
              c.vocabSize(),
              c.hiddenSize(),
              false,
              false);
      param(embed, Init.NORMAL);
      return embed;
    }

    /** The final {@code model.norm} and {@code lm_head} after the layers, then the structure. */
    private ModelStructure decoderModel(ModuleSpec embed, List<Layer> layers) {
      ModuleSpec finalNorm = norm("model.norm", Role.FINAL_NORM, c.hiddenSize());
      param(finalNorm, Init.ONES);
      ModuleSpec lmHead = head();
      if (!c.tieWordEmbeddings()) {
        param(lmHead, Init.NORMAL);
      }
      return new ModelStructure(
          c, c.architecture().modelType(), embed, null, layers, finalNorm, lmHead, params);
    }

    /**
     * Llama, Mistral, Qwen2, Qwen3. Build order per layer: input_layernorm, q, k, v, o, (q_norm,
     * k_norm), gate, up, down, post_attention_layernorm; HF parameter order: self_attn, mlp, then
     * the two layer norms.
     */
    private ModelStructure llama() {
      int hidden = c.hiddenSize(), ff = c.intermediateSize();
      ModuleSpec embed = decoderEmbedding();
      List<Layer> layers = new ArrayList<>();
      for (int l = 0; l < c.numLayers(); l++) {
        String p = "model.layers." + l + ".";
        ModuleSpec inputNorm = norm(p + "input_layernorm", Role.ATTENTION_NORM, hidden);
        ModuleSpec q = linear(p + "self_attn.q_proj", Role.Q, hidden, c.qDim(), c.qkvBias());
        ModuleSpec k = linear(p + "self_attn.k_proj", Role.K, hidden, c.kvDim(), c.qkvBias());
        ModuleSpec v = linear(p + "self_attn.v_proj", Role.V, hidden, c.kvDim(), c.qkvBias());
        ModuleSpec o = linear(p + "self_attn.o_proj", Role.O, c.qDim(), hidden, c.outputBias());
        ModuleSpec gate = linear(p + "mlp.gate_proj", Role.GATE, hidden, ff, c.mlpBias());
        ModuleSpec up = linear(p + "mlp.up_proj", Role.UP, hidden, ff, c.mlpBias());
        ModuleSpec down = linear(p + "mlp.down_proj", Role.DOWN, ff, hidden, c.mlpBias());
        ModuleSpec postNorm = norm(p + "post_attention_layernorm", Role.MLP_NORM, hidden);
        List<ModuleSpec> modules = new ArrayList<>(List.of(inputNorm, q, k, v, o));
        for (ModuleSpec m : List.of(q, k, v, o)) {
          param(m, Init.NORMAL);
        }
        if (c.qkNorm()) {
          ModuleSpec qNorm = norm(p + "self_attn.q_norm", Role.Q_NORM, c.headDim());
          ModuleSpec kNorm = norm(p + "self_attn.k_norm", Role.K_NORM, c.headDim());
          modules.add(qNorm);
          modules.add(kNorm);
          param(qNorm, Init.ONES);
          param(kNorm, Init.ONES);
        }
        modules.addAll(List.of(gate, up, down, postNorm));
        for (ModuleSpec m : List.of(gate, up, down, inputNorm, postNorm)) {
          param(m, Init.NORMAL);
        }
        layers.add(new Layer(l, p, modules));
      }
      return decoderModel(embed, layers);
    }

    /**
     * Gemma 3 (text). Build and HF parameter order per layer: q, k, v, o, q_norm, k_norm, gate, up,
     * down, then the four norms: input_layernorm (before attention), post_attention_layernorm (on
     * the attention output), pre_feedforward_layernorm (before the MLP), post_feedforward_layernorm
     * (on the MLP output). Norm scales are offsets from 1, zero at init.
     */
    private ModelStructure gemma3() {
      int hidden = c.hiddenSize(), ff = c.intermediateSize();
      ModuleSpec embed = decoderEmbedding();
      List<Layer> layers = new ArrayList<>();
      for (int l = 0; l < c.numLayers(); l++) {
        String p = "model.layers." + l + ".";
        List<ModuleSpec> modules =
            List.of(
                linear(p + "self_attn.q_proj", Role.Q, hidden, c.qDim(), c.qkvBias()),
                linear(p + "self_attn.k_proj", Role.K, hidden, c.kvDim(), c.qkvBias()),
                linear(p + "self_attn.v_proj", Role.V, hidden, c.kvDim(), c.qkvBias()),
                linear(p + "self_attn.o_proj", Role.O, c.qDim(), hidden, c.outputBias()),
                norm(p + "self_attn.q_norm", Role.Q_NORM, c.headDim()),
                norm(p + "self_attn.k_norm", Role.K_NORM, c.headDim()),
                linear(p + "mlp.gate_proj", Role.GATE, hidden, ff, c.mlpBias()),
                linear(p + "mlp.up_proj", Role.UP, hidden, ff, c.mlpBias()),
                linear(p + "mlp.down_proj", Role.DOWN, ff, hidden, c.mlpBias()),
                norm(p + "input_layernorm", Role.ATTENTION_NORM, hidden),
                norm(p + "post_attention_layernorm", Role.ATTENTION_OUTPUT_NORM, hidden),
                norm(p + "pre_feedforward_layernorm", Role.MLP_NORM, hidden),
                norm(p + "post_feedforward_layernorm", Role.MLP_OUTPUT_NORM, hidden));
        for (ModuleSpec m : modules) {
          param(m, Init.NORMAL);
        }
        layers.add(new Layer(l, p, modules));
      }
      return decoderModel(embed, layers);
    }

    /**
     * GPT-2: fused {@code c_attn} (C → 3C), Conv1D weights (stored {@code [in, out]}), biases
     * everywhere, LayerNorms with bias, learned positions, lm_head tied to wte by default.
     */
    private ModelStructure gpt2() {
      int hidden = c.hiddenSize(), ff = c.intermediateSize();
      ModuleSpec wte =
          new ModuleSpec(
              "transformer.wte",
              Kind.EMBEDDING,
              Role.TOKEN_EMBEDDING,
              c.vocabSize(),
              hidden,
              false,
              false);
      ModuleSpec wpe =
          new ModuleSpec(
              "transformer.wpe",
              Kind.EMBEDDING,
              Role.POSITION_EMBEDDING,
              c.maxPositionEmbeddings(),
              hidden,
              false,
              false);
      param(wte, Init.NORMAL);
      param(wpe, Init.NORMAL);
      List<Layer> layers = new ArrayList<>();
      for (int l = 0; l < c.numLayers(); l++) {
        String p = "transformer.h." + l + ".";
        ModuleSpec ln1 = norm(p + "ln_1", Role.ATTENTION_NORM, hidden);
        ModuleSpec cAttn = linear(p + "attn.c_attn", Role.QKV, hidden, 3 * hidden, true);
        ModuleSpec attnProj = linear(p + "attn.c_proj", Role.O, hidden, hidden, true);
        ModuleSpec ln2 = norm(p + "ln_2", Role.MLP_NORM, hidden);
        ModuleSpec cFc = linear(p + "mlp.c_fc", Role.UP, hidden, ff, true);
        ModuleSpec mlpProj = linear(p + "mlp.c_proj", Role.DOWN, ff, hidden, true);
        param(ln1, Init.ONES);
        param(cAttn, Init.NORMAL);
        param(attnProj, Init.NORMAL_RESIDUAL);
        param(ln2, Init.ONES);
        param(cFc, Init.NORMAL);
        param(mlpProj, Init.NORMAL_RESIDUAL);
        layers.add(new Layer(l, p, List.of(ln1, cAttn, attnProj, ln2, cFc, mlpProj)));
      }
      ModuleSpec lnF = norm("transformer.ln_f", Role.FINAL_NORM, hidden);
      param(lnF, Init.ONES);
      ModuleSpec lmHead = head();
      if (!c.tieWordEmbeddings()) {
        param(lmHead, Init.NORMAL);
      }
      return new ModelStructure(c, "gpt2", wte, wpe, layers, lnF, lmHead, params);
    }
  }
}
