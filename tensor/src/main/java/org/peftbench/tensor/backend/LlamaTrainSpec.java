package org.peftbench.tensor.backend;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.peftbench.tensor.Tensor;

/**
 * Everything a resident training step ({@link ResidentTraining}) needs of a Llama-style causal LM
 * (Llama, Mistral, Qwen2, Qwen3) and its PEFT method, described with plain tensors:
 *
 * <pre>
 *   x0     = [prompt ; embedding[ids]] per row                    [N,C]    N = B·(P+T)
 *   x_l+1  = layer_l(x_l) with the adapters of layer l           (LlamaLayer's chain)
 *            (prefix tuning: layer l's attention also sees the prefix's P' keys and values)
 *   logits = rmsNorm(x_L, finalNorm)·lmHeadᵀ                      [N,V]
 *   loss   = mean cross-entropy over the positions with a target
 * </pre>
 *
 * Each projection {@code y = x·Wᵀ} of a layer may carry an {@link Adapter}:
 *
 * <pre>
 *   y = ((x ⊙ l_in)·Wᵀ + b) ⊙ l_out + s·(x·Aᵀ)·Bᵀ
 * </pre>
 *
 * with the IA3 vector l on the input (feed-forward modules) or the output, a bias b (BitFit's added
 * bias, or Qwen2's own q/k/v bias), and LoRA's A {@code [r,in]}, B {@code [out,r]}, s. What trains
 * is exactly the list {@link #trainables}: any tensor of the spec (a LoRA matrix, an IA3 vector, a
 * bias, a norm weight for LN tuning) that appears there, by identity, is updated by AdamW; every
 * other tensor is frozen and may stay in its file's dtype.
 *
 * @param embedding {@code [V,C]}, frozen
 * @param layers the decoder layers, in order
 * @param adapters one entry per layer
 * @param finalNorm {@code [C]}
 * @param lmHead {@code [V,C]} (may be the embedding itself when tied)
 *     <p>Prompt learning is described by two {@link TokenEncoder}s, whose tensors, like the
 *     adapters', train in place when listed as trainables:
 * @param prompt the virtual-token embeddings {@code [P,C]} put in front of every row (positions
 *     0..P−1, never padding; the real tokens' positions are shifted by P): prompt tuning's table or
 *     P-tuning's MLP encoder, or null
 * @param prefix prefix tuning's encoder, output {@code [P', 2·L·Hkv·D]}: per virtual token, layer
 *     l's key ({@code [Hkv,D]}) at column block 2l and value at 2l+1. Every layer's attention sees
 *     these P' keys and values in front of the real ones, as HF's {@code past_key_values}: always
 *     visible (never padding, no causal limit), used as given (no RoPE, no k norm), the real
 *     tokens' positions shifted by P'. Or null
 * @param trainables the parameters the step updates: heap F32, distinct, each used by the spec
 * @param rope the RoPE table (covers every position of a batch)
 * @param attentionScale the softmax scale of attention scores (usually 1/√D)
 * @param batch B, the most rows a batch may have
 * @param time T, the longest a batch may be, without the virtual tokens (shorter batches are padded
 *     on the device side)
 * @param optimizer AdamW's settings and the gradient clipping norm
 * @param recompute activation recomputation (HF's gradient checkpointing, per decoder layer): the
 *     forward keeps only every layer's input, and each layer's backward first runs the layer's
 *     forward again from it, into one set of activation buffers shared by all layers. The same
 *     losses and parameters, less device memory, about one more forward of compute per step
 */
public record LlamaTrainSpec(
    Tensor embedding,
    List<LlamaLayer> layers,
    List<LayerAdapters> adapters,
    Tensor finalNorm,
    Tensor lmHead,
    TokenEncoder prompt,
    TokenEncoder prefix,
    List<Trainable> trainables,
    RopeTable rope,
    float attentionScale,
    int batch,
    int time,
    AdamWSettings optimizer,
    boolean recompute) {

  /** The seven projections of a layer, in {@link LayerAdapters}' order. */
  public enum Projection {
    Q,
    K,
    V,
    O,
    GATE,
    UP,
    DOWN;

    /** This projection's weight {@code [out, in]} in {@code layer}. */
    public Tensor weight(LlamaLayer layer) {
      return switch (this) {
        case Q -> layer.q();
        case K -> layer.k();
        case V -> layer.v();
        case O -> layer.o();
        case GATE -> layer.gate();
        case UP -> layer.up();
        case DOWN -> layer.down();
      };
    }

    /** The layer's own bias of this projection (Qwen2's q/k/v), or null. */
    public Tensor ownBias(LlamaLayer layer) {
      return switch (this) {
        case Q -> layer.qBias();
        case K -> layer.kBias();
        case V -> layer.vBias();
        default -> null;
      };
    }
  }

  /**
   * What a PEFT method adds to one projection (any part may be null).
   *
   * @param loraA {@code [r, in]}
   * @param loraB {@code [out, r]}
   * @param loraScale s
   * @param bias {@code [out]}: BitFit's added bias (a projection that has its own bias trains that
   *     one instead, by listing it as trainable)
   * @param ia3 {@code [in]} when {@code ia3ScalesInput}, else {@code [out]}
   * @param ia3ScalesInput IA3 on the input (feed-forward modules) instead of the output
   */
  public record Adapter(
      Tensor loraA,
      Tensor loraB,
      float loraScale,
      Tensor bias,
      Tensor ia3,
      boolean ia3ScalesInput) {
    public static Adapter lora(Tensor a, Tensor b, float scale) {
      return new Adapter(a, b, scale, null, null, false);
    }

    public static Adapter bias(Tensor bias) {
      return new Adapter(null, null, 0f, bias, null, false);
    }

    public static Adapter ia3(Tensor scale, boolean scalesInput) {
      return new Adapter(null, null, 0f, null, scale, scalesInput);
    }
  }

  /** A layer's adapters, one slot per {@link Projection} (null = the plain projection). */
  public record LayerAdapters(Adapter[] byProjection) {
    public LayerAdapters {
      if (byProjection.length != Projection.values().length) {
        throw new IllegalArgumentException(
            "layer adapters: " + byProjection.length + " slots, expected 7 (q,k,v,o,gate,up,down)");
      }
      byProjection = byProjection.clone();
    }

    /** A layer without adapters. */
    public static LayerAdapters none() {
      return new LayerAdapters(new Adapter[Projection.values().length]);
    }

    public Adapter get(Projection p) {
      return byProjection[p.ordinal()];
    }

    /** A copy with {@code adapter} on {@code p}. */
    public LayerAdapters with(Projection p, Adapter adapter) {
      Adapter[] a = byProjection.clone();
      a[p.ordinal()] = adapter;
      return new LayerAdapters(a);
    }
  }

  /** The nonlinearity after one layer of a {@link TokenEncoder}. */
  public enum EncoderActivation {
    NONE,
    RELU,
    TANH
  }

  /**
   * One layer of a {@link TokenEncoder}: {@code y = act(x·Wᵀ + b)}.
   *
   * @param weight {@code [out, in]}
   * @param bias {@code [out]}
   */
  public record EncoderLayer(Tensor weight, Tensor bias, EncoderActivation activation) {}

  /**
   * Virtual tokens computed from a table: {@code out = layers(table)}, row by row, the same for
   * every sequence of a batch. Prompt tuning and prefix tuning without projection are a bare table;
   * P-tuning's MLP (Linear → ReLU → Linear → ReLU → Linear) and prefix tuning's projection (Linear
   * → tanh → Linear) are a table and a few layers.
   *
   * @param table {@code [P, K]}
   * @param layers applied in order (may be empty)
   */
  public record TokenEncoder(Tensor table, List<EncoderLayer> layers) {
    public TokenEncoder {
      layers = List.copyOf(layers);
    }

    /** A bare table {@code [P, width]}. */
    public static TokenEncoder table(Tensor table) {
      return new TokenEncoder(table, List.of());
    }

    /** P, the number of virtual tokens. */
    public int tokens() {
      return table.dim(0);
    }

    /** The width of the encoder's output rows. */
    public int width() {
      return layers.isEmpty() ? table.dim(1) : layers.getLast().weight().dim(0);
    }

    /** Every tensor of the encoder. */
    public List<Tensor> tensors() {
      List<Tensor> all = new java.util.ArrayList<>();
      all.add(table);
      for (EncoderLayer l : layers) {
        all.add(l.weight());
        all.add(l.bias());
      }
      return all;
    }

    /** Throws unless the layers chain from the table to rows of {@code width}. */
    void check(String what, int width) {
      if (table.rank() != 2) {
        throw new IllegalArgumentException(
            "training spec: " + what + " table is " + Arrays.toString(table.shape()));
      }
      int in = table.dim(1);
      for (int i = 0; i < layers.size(); i++) {
        EncoderLayer l = layers.get(i);
        if (l.weight().rank() != 2
            || l.weight().dim(1) != in
            || l.bias() == null
            || l.bias().size() != l.weight().dim(0)) {
          throw new IllegalArgumentException(
              "training spec: "
                  + what
                  + " encoder layer "
                  + i
                  + " has weight "
                  + Arrays.toString(l.weight().shape())
                  + " and bias "
                  + (l.bias() == null ? "none" : Arrays.toString(l.bias().shape()))
                  + ", expected [out, "
                  + in
                  + "] and [out]");
        }
        in = l.weight().dim(0);
      }
      if (in != width) {
        throw new IllegalArgumentException(
            "training spec: " + what + " is [P, " + in + "], expected [P, " + width + "]");
      }
    }
  }

  /**
   * A parameter the step trains.
   *
   * @param name its name (for messages and checkpoints)
   * @param value heap F32, updated in place by {@link ResidentTrainer#copyParametersToHost}
   * @param weightDecay whether AdamW's decoupled weight decay applies to it
   */
  public record Trainable(String name, Tensor value, boolean weightDecay) {}

  /**
   * AdamW as {@code torch.optim.AdamW}, and clipping of the global gradient norm.
   *
   * @param maxGradNorm the norm gradients are clipped to; 0 = no clipping
   */
  public record AdamWSettings(
      double beta1, double beta2, double eps, double weightDecay, double maxGradNorm) {}

  public LlamaTrainSpec {
    layers = List.copyOf(layers);
    adapters = List.copyOf(adapters);
    trainables = List.copyOf(trainables);
    check(
        embedding,
        layers,
        adapters,
        finalNorm,
        lmHead,
        prompt,
        prefix,
        trainables,
        rope,
        batch,
        time);
  }

  /** A spec without recomputation (every layer's activations kept for its backward). */
  public LlamaTrainSpec(
      Tensor embedding,
      List<LlamaLayer> layers,
      List<LayerAdapters> adapters,
      Tensor finalNorm,
      Tensor lmHead,
      TokenEncoder prompt,
      TokenEncoder prefix,
      List<Trainable> trainables,
      RopeTable rope,
      float attentionScale,
      int batch,
      int time,
      AdamWSettings optimizer) {
    this(
        embedding,
        layers,
        adapters,
        finalNorm,
        lmHead,
        prompt,
        prefix,
        trainables,
        rope,
        attentionScale,
        batch,
        time,
        optimizer,
        false);
  }

  /** This spec with activation recomputation on or off. */
  public LlamaTrainSpec withRecompute(boolean on) {
    return new LlamaTrainSpec(
        embedding,
        layers,
        adapters,
        finalNorm,
        lmHead,
        prompt,
        prefix,
        trainables,
        rope,
        attentionScale,
        batch,
        time,
        optimizer,
        on);
  }

  /** P, the number of virtual tokens in front of every row (0 without a prompt). */
  public int virtualTokens() {
    return prompt == null ? 0 : prompt.tokens();
  }

  /** P', the number of prefix keys and values in front of every layer's (0 without a prefix). */
  public int prefixTokens() {
    return prefix == null ? 0 : prefix.tokens();
  }

  /** The positions before the real tokens: virtual tokens and prefix keys. */
  public int reservedPositions() {
    return virtualTokens() + prefixTokens();
  }

  /** Whether {@code t} is one of the trainables (by identity). */
  public boolean isTrainable(Tensor t) {
    return t != null && trainableSet().contains(t);
  }

  private Set<Tensor> trainableSet() {
    Set<Tensor> s = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Trainable p : trainables) {
      s.add(p.value());
    }
    return s;
  }

  private static void check(
      Tensor embedding,
      List<LlamaLayer> layers,
      List<LayerAdapters> adapters,
      Tensor finalNorm,
      Tensor lmHead,
      TokenEncoder prompt,
      TokenEncoder prefix,
      List<Trainable> trainables,
      RopeTable rope,
      int batch,
      int time) {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("training spec: no layers");
    }
    if (adapters.size() != layers.size()) {
      throw new IllegalArgumentException(
          "training spec: " + adapters.size() + " adapter sets for " + layers.size() + " layers");
    }
    if (batch <= 0 || time <= 0) {
      throw new IllegalArgumentException(
          "training spec: batch shape must be > 0, got " + batch + "×" + time);
    }
    int c = layers.get(0).hidden();
    if (embedding.rank() != 2 || embedding.dim(1) != c) {
      throw new IllegalArgumentException(
          "training spec: embedding is "
              + Arrays.toString(embedding.shape())
              + ", expected [V, "
              + c
              + "]");
    }
    if (!Arrays.equals(lmHead.shape(), embedding.shape())) {
      throw new IllegalArgumentException(
          "training spec: lm_head is "
              + Arrays.toString(lmHead.shape())
              + ", expected "
              + Arrays.toString(embedding.shape()));
    }
    if (finalNorm.size() != c) {
      throw new IllegalArgumentException(
          "training spec: final norm has " + finalNorm.size() + " weights, expected " + c);
    }
    int reserved = 0;
    if (prompt != null) {
      prompt.check("prompt", c);
      reserved += prompt.tokens();
    }
    if (prefix != null) {
      LlamaLayer l0 = layers.get(0);
      prefix.check("prefix", 2 * layers.size() * l0.kvHeads() * l0.headDim());
      reserved += prefix.tokens();
    }
    if (rope.headDim() != layers.get(0).headDim() || rope.maxPositions() < reserved + time) {
      throw new IllegalArgumentException(
          "training spec: RoPE table for head dim "
              + rope.headDim()
              + " and "
              + rope.maxPositions()
              + " positions, need "
              + layers.get(0).headDim()
              + " and "
              + (reserved + time));
    }
    Set<Tensor> used = Collections.newSetFromMap(new IdentityHashMap<>());
    Set<Tensor> projections = Collections.newSetFromMap(new IdentityHashMap<>());
    used.add(embedding);
    used.add(finalNorm);
    used.add(lmHead);
    for (TokenEncoder e : new TokenEncoder[] {prompt, prefix}) {
      if (e != null) {
        used.addAll(e.tensors());
      }
    }
    for (int l = 0; l < layers.size(); l++) {
      LlamaLayer layer = layers.get(l);
      if (layer.hidden() != c) {
        throw new IllegalArgumentException(
            "training spec: layer " + l + " has hidden size " + layer.hidden() + ", expected " + c);
      }
      used.addAll(Arrays.asList(layer.weights()));
      for (Projection p : Projection.values()) {
        projections.add(p.weight(layer));
        Adapter a = adapters.get(l).get(p);
        if (a == null) {
          continue;
        }
        Tensor w = p.weight(layer);
        int out = w.dim(0), in = w.dim(1);
        String where = "training spec: layer " + l + " " + p.name().toLowerCase() + "_proj ";
        if ((a.loraA() == null) != (a.loraB() == null)) {
          throw new IllegalArgumentException(where + "LoRA needs both A and B");
        }
        if (a.loraA() != null) {
          int r = a.loraA().dim(0);
          if (!Arrays.equals(a.loraA().shape(), new int[] {r, in})
              || !Arrays.equals(a.loraB().shape(), new int[] {out, r})) {
            throw new IllegalArgumentException(
                where
                    + "LoRA A "
                    + Arrays.toString(a.loraA().shape())
                    + " and B "
                    + Arrays.toString(a.loraB().shape())
                    + " do not fit a ["
                    + out
                    + ", "
                    + in
                    + "] weight");
          }
        }
        if (a.bias() != null && (a.bias().size() != out || p.ownBias(layer) != null)) {
          throw new IllegalArgumentException(
              where
                  + (p.ownBias(layer) != null
                      ? "already has a bias"
                      : "bias must have " + out + " values"));
        }
        if (a.ia3() != null && a.ia3().size() != (a.ia3ScalesInput() ? in : out)) {
          throw new IllegalArgumentException(
              where + "IA3 vector must have " + (a.ia3ScalesInput() ? in : out) + " values");
        }
        for (Tensor t : new Tensor[] {a.loraA(), a.loraB(), a.bias(), a.ia3()}) {
          if (t != null) {
            used.add(t);
          }
        }
      }
    }
    Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Trainable p : trainables) {
      if (!p.value().isHeapF32()) {
        throw new IllegalArgumentException(
            "training spec: trainable " + p.name() + " must be a heap F32 tensor");
      }
      if (!seen.add(p.value())) {
        throw new IllegalArgumentException(
            "training spec: trainable " + p.name() + " is listed twice");
      }
      if (!used.contains(p.value())) {
        throw new IllegalArgumentException(
            "training spec: trainable "
                + p.name()
                + " is not used by the model (it would get no gradient)");
      }
      if (p.value() == embedding || p.value() == lmHead || projections.contains(p.value())) {
        throw new IllegalArgumentException(
            "training spec: trainable "
                + p.name()
                + ": embeddings, lm_head and projection weights train on the host only");
      }
    }
  }
}
