package org.peftbench.transformer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.autograd.Checkpoint;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.RopeTable;
import org.peftbench.tensor.safetensors.SafetensorsCheckpoint;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.NormLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * A decoder-only language model built from a HuggingFace folder, with the module tree named like
 * HF's parameters so PEFT methods find modules exactly as HF PEFT does.
 *
 * <p>Hooks for PEFT:
 *
 * <ul>
 *   <li>{@link #parameters()}: HF name → {@link Parameter} (all frozen after loading; weights stay
 *       memory-mapped in their stored dtype until someone trains them, see {@link
 *       Parameter#setValue}).
 *   <li>{@link #linears()}: module name → {@link Slot} of a {@link LinearLayer} (every projection
 *       and {@code lm_head}); replace the slot's module to wrap it (LoRA, IA3, ...).
 *   <li>{@link #norms()}: module name → {@link Slot} of a {@link NormLayer}.
 *   <li>{@link #embedTokens} and {@link ModelInput}: input embeddings can be edited (virtual
 *       tokens) and per-layer prefix keys/values passed (prefix tuning).
 * </ul>
 *
 * <p>Computation is F32; weights may be F32, BF16 or F16 (decoded on the fly by the kernels).
 */
public final class CausalLM implements AutoCloseable {
  private final ModelConfig config;
  private final ModelStructure structure;
  private final Map<String, Parameter> parameters;
  private final Map<String, Slot<LinearLayer>> linears;
  private final Map<String, Slot<NormLayer>> norms;
  private final Parameter tokenEmbedding; // [V, C]
  private final Parameter positionEmbedding; // GPT-2 [maxPositions, C], else null
  private final List<DecoderBlock> blocks;
  private final Slot<NormLayer> finalNorm;
  private final Slot<LinearLayer> lmHead;
  private final AutoCloseable weightOwner; // the mapped checkpoint, or null
  private final float embedScale; // Gemma: sqrt(C) in the embedding's dtype; else 1
  private RopeTable rope;
  private RopeTable localRope; // Gemma 3's sliding-window layers
  private boolean gradientCheckpointing;

  private CausalLM(ModelStructure structure, Map<String, Parameter> params, AutoCloseable owner) {
    ModelConfig config = structure.config();
    this.config = config;
    this.parameters = Collections.unmodifiableMap(params);
    this.weightOwner = owner;
    this.structure = structure;
    ModuleTree tree = new ModuleTree(config, params);
    tokenEmbedding = tree.param(structure.tokenEmbedding().name() + ".weight");
    positionEmbedding =
        structure.positionEmbedding() == null
            ? null
            : tree.param(structure.positionEmbedding().name() + ".weight");
    List<DecoderBlock> list = new ArrayList<>();
    for (ModelStructure.Layer layer : structure.layers()) {
      list.add(
          switch (config.architecture()) {
            case GPT2 -> new Gpt2Block(config, layer, tree);
            case GEMMA3 -> new GemmaBlock(config, layer, tree);
            default -> new LlamaBlock(config, layer, tree);
          });
    }
    blocks = List.copyOf(list);
    finalNorm = tree.norm(structure.finalNorm());
    ModelStructure.ModuleSpec head = structure.lmHead();
    lmHead =
        tree.linear(
            head,
            config.tieWordEmbeddings() ? tokenEmbedding : tree.param(head.name() + ".weight"));
    linears = Collections.unmodifiableMap(tree.linears);
    norms = Collections.unmodifiableMap(tree.norms);
    embedScale =
        config.scaledEmbeddings() ? embedScale(config, tokenEmbedding.value().dtype()) : 1f;
  }

  /**
   * Gemma's embedding normaliser {@code sqrt(hidden_size)}, rounded to the embedding weights' dtype
   * as transformers does ({@code embed_scale.to(weight.dtype)}: 55.4256 becomes 55.5 in BF16).
   */
  static float embedScale(ModelConfig config, DType dtype) {
    float scale = (float) Math.sqrt(config.hiddenSize());
    return switch (dtype) {
      case BF16 -> Half.bf16ToFloat(Half.floatToBf16(scale));
      case F16 -> Half.f16ToFloat(Half.floatToF16(scale));
      default -> scale;
    };
  }

  // ---------------------------------------------------------------- construction

  /**
   * Loads a HF model folder: {@code config.json} and {@code model.safetensors} (or a sharded
   * index). Weights stay memory-mapped until {@link #close()}.
   */
  public static CausalLM load(Path modelDir) {
    ModelConfig config = ModelConfig.load(modelDir);
    ModelStructure structure = ModelStructure.of(config);
    SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(modelDir);
    try {
      Map<String, Parameter> params = new LinkedHashMap<>();
      for (ModelStructure.ParameterSpec spec : structure.parameters().values()) {
        String stored = storedName(ckpt, spec.name());
        if (stored == null) {
          throw new ModelException(
              ckpt.source()
                  + ": missing tensor '"
                  + spec.name()
                  + "' for "
                  + config.architecture().hfName());
        }
        Tensor t = ckpt.tensor(stored);
        check(ckpt.source().toString(), spec, t);
        params.put(spec.name(), new Parameter(spec.name(), t, false));
      }
      return new CausalLM(structure, params, ckpt);
    } catch (RuntimeException e) {
      ckpt.close();
      throw e;
    }
  }

  /** A model over given tensors (HF names; e.g. random weights from {@link RandomWeights}). */
  public static CausalLM fromTensors(ModelConfig config, Map<String, Tensor> tensors) {
    ModelStructure structure = ModelStructure.of(config);
    Map<String, Parameter> params = new LinkedHashMap<>();
    for (ModelStructure.ParameterSpec spec : structure.parameters().values()) {
      Tensor t = tensors.get(spec.name());
      if (t == null) {
        throw new ModelException("missing tensor '" + spec.name() + "'");
      }
      check("weights", spec, t);
      params.put(spec.name(), new Parameter(spec.name(), t, false));
    }
    return new CausalLM(structure, params, null);
  }

  /** The name a parameter has in the checkpoint (GPT-2 files often drop "transformer."). */
  private static String storedName(SafetensorsCheckpoint ckpt, String name) {
    if (ckpt.contains(name)) {
      return name;
    }
    if (name.startsWith("transformer.") && ckpt.contains(name.substring(12))) {
      return name.substring(12);
    }
    return null;
  }

  private static void check(String where, ModelStructure.ParameterSpec spec, Tensor t) {
    if (!Arrays.equals(spec.shape(), t.shape())) {
      throw new ModelException(
          where
              + ": tensor '"
              + spec.name()
              + "' has shape "
              + Arrays.toString(t.shape())
              + ", the config implies "
              + Arrays.toString(spec.shape()));
    }
    if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
      throw new ModelException(
          where + ": tensor '" + spec.name() + "' is " + t.dtype() + "; need F32, BF16 or F16");
    }
  }

  // ---------------------------------------------------------------- hooks

  public ModelConfig config() {
    return config;
  }

  /** The model's structure: module names, roles and shapes, parameter layout. */
  public ModelStructure structure() {
    return structure;
  }

  /** HF parameter name → parameter, in HF order (tied weights once, under the embedding). */
  public Map<String, Parameter> parameters() {
    return parameters;
  }

  /** Module name → slot of every linear layer (projections, MLP, {@code lm_head}), HF order. */
  public Map<String, Slot<LinearLayer>> linears() {
    return linears;
  }

  /** Module name → slot of every norm ({@code input_layernorm}, ..., the final norm). */
  public Map<String, Slot<NormLayer>> norms() {
    return norms;
  }

  /** The token embedding table {@code [V, C]} (also the lm_head weight when tied). */
  public Parameter tokenEmbedding() {
    return tokenEmbedding;
  }

  /** The output head's slot ({@code lm_head}). */
  public Slot<LinearLayer> lmHead() {
    return lmHead;
  }

  // ---------------------------------------------------------------- forward

  /**
   * Input embeddings of token ids ({@code embed_tokens(ids)}; Gemma's include its {@code
   * sqrt(hidden_size)} scale, virtual tokens added to {@link ModelInput} do not, as in HF).
   *
   * @param ids {@code [B·T]}
   * @return {@code [B, T, C]}
   */
  public Var embedTokens(int[] ids, int batch, int time) {
    if (ids.length != batch * time) {
      throw new IllegalArgumentException(ids.length + " ids for B=" + batch + ", T=" + time);
    }
    for (int id : ids) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException(
            "token id " + id + " outside the vocabulary [0, " + config.vocabSize() + ")");
      }
    }
    Var e = Ops.reshape(Ops.embedding(tokenEmbedding, ids), batch, time, config.hiddenSize());
    return embedScale == 1f ? e : Ops.scale(e, embedScale);
  }

  /** Logits {@code [B, T, V]} of every position. */
  public Var forward(ModelInput in) {
    return logits(forwardHidden(in));
  }

  /** Logits {@code [B, V]} of the last position of each row only (generation). */
  public Var forwardLast(ModelInput in) {
    Var h = forwardHidden(in);
    int b = in.batch(), t = in.time();
    Var last = t == 1 ? h : Ops.slice(h, 1, t - 1, t);
    return Ops.reshape(logits(last), b, config.vocabSize());
  }

  /**
   * {@code lm_head(hidden)}: {@code [..., C] -> [..., V]} (soft-capped {@code cap·tanh(z/cap)} when
   * the config sets {@code final_logit_softcapping}).
   */
  public Var logits(Var hidden) {
    Var z = lmHead.get().forward(hidden);
    Double cap = config.finalLogitSoftcapping();
    if (cap == null) {
      return z;
    }
    float c = (float) (double) cap;
    return Ops.scale(Ops.tanh(Ops.scale(z, 1f / c)), c);
  }

  /** Final hidden states {@code [B, T, C]} (after the final norm, before {@code lm_head}). */
  public Var forwardHidden(ModelInput in) {
    int b = in.batch(), t = in.time();
    if (in.inputsEmbeds().dim(2) != config.hiddenSize()) {
      throw new IllegalArgumentException(
          "inputsEmbeds width "
              + in.inputsEmbeds().dim(2)
              + " != hidden size "
              + config.hiddenSize());
    }
    checkPrefix(in);
    KvCache cache = in.cache();
    if (cache != null) {
      if (cache.batch() != b) {
        throw new IllegalArgumentException(
            "KV cache for B=" + cache.batch() + ", input has B=" + b);
      }
      if (cache.length() == 0 && in.prefixLength() > 0) {
        cache.checkRoom(t, in.prefixLength());
        cache.startPrefix(in.prefixLength());
        for (int l = 0; l < config.numLayers(); l++) {
          KvCache.write(cache.keys(l), in.prefix().get(l).keys().value(), 0);
          KvCache.write(cache.values(l), in.prefix().get(l).values().value(), 0);
        }
      } else {
        cache.checkRoom(t, 0);
      }
      cache.markPadding(in.padding(), t);
    }
    int[] positions = in.positions() != null ? in.positions() : defaultPositions(in);
    int maxPos = 0;
    for (int p : positions) {
      if (p < 0) {
        throw new IllegalArgumentException("negative position id " + p);
      }
      maxPos = Math.max(maxPos, p);
    }
    checkWindow((in.cache() != null ? in.cache().length() : in.prefixLength()) + in.time());
    Var x = in.inputsEmbeds();
    RopeTable table = null;
    if (config.rotary()) {
      table = ropeTable(maxPos + 1);
    } else {
      if (maxPos >= config.maxPositionEmbeddings()) {
        throw new IllegalArgumentException(
            "position "
                + maxPos
                + " beyond the "
                + config.maxPositionEmbeddings()
                + " learned positions");
      }
      Var pe = Ops.embedding(positionEmbedding, positions);
      x = Ops.add(x, Ops.reshape(pe, b, t, config.hiddenSize()));
    }
    RopeTable localTable = config.localRopeTheta() != null ? localRopeTable(maxPos + 1) : null;
    ForwardState state = new ForwardState(config, in, positions, table, localTable);
    // Checkpointing keeps only the layer inputs and recomputes each layer in backward; layers
    // reading prefix keys or a cache run normally (their extra inputs come from outside the block).
    boolean checkpoint =
        gradientCheckpointing && GradMode.isEnabled() && cache == null && state.prefix == null;
    for (DecoderBlock block : blocks) {
      x = checkpoint ? Checkpoint.apply(h -> block.forward(h, state), x) : block.forward(x, state);
    }
    x = finalNorm.get().forward(x);
    if (cache != null) {
      cache.advance(in.padding(), t);
    }
    return x;
  }

  /**
   * HF's positions: each row counts its real tokens, starting after the prefix and the tokens
   * already cached; padding gets position 1 (as HF's generate does; it is never attended to).
   */
  private static int[] defaultPositions(ModelInput in) {
    int b = in.batch(), t = in.time();
    int[] pos = new int[b * t];
    KvCache cache = in.cache();
    for (int r = 0; r < b; r++) {
      int next = cache != null ? cache.prefixLength() + cache.realTokens(r) : in.prefixLength();
      for (int i = 0; i < t; i++) {
        int flat = r * t + i;
        pos[flat] = in.isPad(flat) ? 1 : next++;
      }
    }
    return pos;
  }

  private void checkPrefix(ModelInput in) {
    if (in.prefixLength() == 0) {
      return;
    }
    if (in.prefix().size() != config.numLayers()) {
      throw new IllegalArgumentException(
          "prefix has " + in.prefix().size() + " layers, the model " + config.numLayers());
    }
    int[] want = {in.batch(), in.prefixLength(), config.numKvHeads(), config.headDim()};
    for (PrefixKv p : in.prefix()) {
      if (!Arrays.equals(p.keys().shape(), want)) {
        throw new IllegalArgumentException(
            "prefix keys "
                + Arrays.toString(p.keys().shape())
                + ", expected "
                + Arrays.toString(want));
      }
    }
  }

  /**
   * Qwen2/Qwen3 apply their window only from layer {@code max_window_layers} on; that split is not
   * modelled, so those configs are refused once the window matters (Mistral and Gemma 3 mask).
   */
  void checkWindow(int keys) {
    Integer window = config.slidingWindow();
    Architecture arch = config.architecture();
    if (window == null || (arch != Architecture.QWEN2 && arch != Architecture.QWEN3)) {
      return;
    }
    if (keys > window) {
      throw new UnsupportedOperationException(
          "sequence of "
              + keys
              + " keys exceeds the sliding window of "
              + window
              + " tokens; Qwen's per-layer sliding window (max_window_layers) is not implemented");
    }
  }

  /** The decoder layers, in order (the CPU decode path reads their modules). */
  List<DecoderBlock> blocks() {
    return blocks;
  }

  /** The final norm's slot. */
  Slot<NormLayer> finalNorm() {
    return finalNorm;
  }

  /** Gemma's embedding scale (1 for every other family). */
  float embedScale() {
    return embedScale;
  }

  /** A RoPE table covering at least {@code positions} positions (grown on demand). */
  synchronized RopeTable ropeTable(int positions) {
    if (rope == null || rope.maxPositions() < positions) {
      int size = Math.max(positions, rope == null ? 256 : 2 * rope.maxPositions());
      rope =
          new RopeTable(
              config.headDim(),
              size,
              config.ropeTheta(),
              config.ropeScaling(),
              config.ropeLinearFactor());
    }
    return rope;
  }

  /** The sliding-window layers' table: base {@code localRopeTheta}, never rescaled. */
  private synchronized RopeTable localRopeTable(int positions) {
    if (localRope == null || localRope.maxPositions() < positions) {
      int size = Math.max(positions, localRope == null ? 256 : 2 * localRope.maxPositions());
      localRope = new RopeTable(config.headDim(), size, config.localRopeTheta(), null);
    }
    return localRope;
  }

  /**
   * Activation checkpointing per decoder layer during training (like HF's {@code
   * gradient_checkpointing_enable()}): less memory, one extra forward per layer in backward. Not
   * applied to forward passes with prefix keys or a KV cache.
   */
  public void setGradientCheckpointing(boolean on) {
    gradientCheckpointing = on;
  }

  public boolean gradientCheckpointing() {
    return gradientCheckpointing;
  }

  /** Total number of parameter elements (tied weights counted once). */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : parameters.values()) {
      n += p.value().numel();
    }
    return n;
  }

  /** Releases the memory-mapped weights; the model is unusable afterwards. */
  @Override
  public void close() {
    DeviceDecodePath.releaseFor(this); // a decoder kept on a device holds this model's weights
    if (weightOwner != null) {
      try {
        weightOwner.close();
      } catch (Exception e) {
        throw new ModelException("closing the weights failed: " + e.getMessage(), e);
      }
    }
  }
}
