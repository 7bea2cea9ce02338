package org.peftbench.peft;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.bitfit.BitFit;
import org.peftbench.peft.bitfit.BitFitConfig;
import org.peftbench.peft.full.FullFineTuning;
import org.peftbench.peft.full.FullFineTuningConfig;
import org.peftbench.peft.ia3.IA3;
import org.peftbench.peft.ia3.IA3Config;
import org.peftbench.peft.lntuning.LNTuning;
import org.peftbench.peft.lntuning.LNTuningConfig;
import org.peftbench.peft.loha.LoHa;
import org.peftbench.peft.loha.LoHaConfig;
import org.peftbench.peft.lokr.LoKr;
import org.peftbench.peft.lokr.LoKrConfig;
import org.peftbench.peft.lora.Lora;
import org.peftbench.peft.lora.LoraConfig;
import org.peftbench.peft.none.NoAdapter;
import org.peftbench.peft.none.NoAdapterConfig;
import org.peftbench.peft.prefixtuning.PrefixTuning;
import org.peftbench.peft.prefixtuning.PrefixTuningConfig;
import org.peftbench.peft.prompttuning.PromptTuning;
import org.peftbench.peft.prompttuning.PromptTuningConfig;
import org.peftbench.peft.ptuning.PTuning;
import org.peftbench.peft.ptuning.PromptEncoderConfig;
import org.peftbench.peft.vera.Vera;
import org.peftbench.peft.vera.VeraConfig;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.safetensors.SafetensorsFile;
import org.peftbench.tensor.safetensors.SafetensorsWriter;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.LanguageModelLoss;
import org.peftbench.transformer.ModelInput;
import org.peftbench.transformer.SequenceLimits;
import org.peftbench.transformer.tokenizer.Tokenizer;

/**
 * A causal LM with one PEFT method applied, like HF PEFT's {@code PeftModelForCausalLM}: the base
 * model frozen, the method's parameters trainable, forward inputs prepared for virtual tokens or
 * prefixes (in training and in generation), adapter files in HF PEFT's format, merging for
 * inference where the math allows.
 */
public final class PeftModel {
  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  private final CausalLM base;
  private final PeftMethod method;
  private final ModelShapes shapes;

  private PeftModel(CausalLM base, PeftMethod method, ModelShapes shapes) {
    this.base = base;
    this.method = method;
    this.shapes = shapes;
  }

  /**
   * Applies {@code config} to {@code model} (its base parameters are frozen first) with fresh
   * adapter weights drawn from {@code seed}.
   *
   * @param tokenizer used by prompt tuning's TEXT init; may be null otherwise
   */
  public static PeftModel apply(CausalLM model, PeftConfig config, long seed, Tokenizer tokenizer) {
    return apply(model, config, seed, tokenizer, false);
  }

  /**
   * @param loading the adapter weights will be loaded from a file next, so initialisations that
   *     need more than the config (prompt tuning's TEXT init needs the tokenizer) are skipped
   */
  private static PeftModel apply(
      CausalLM model, PeftConfig config, long seed, Tokenizer tokenizer, boolean loading) {
    ModelShapes shapes = ModelShapes.of(model.config());
    for (var slot : model.linears().values()) {
      if (slot.get() != slot.base()) {
        throw new IllegalStateException(
            "the model already has an adapter on " + slot.name() + "; remove() it first");
      }
    }
    for (var slot : model.norms().values()) {
      if (slot.get() != slot.base()) {
        throw new IllegalStateException(
            "the model already has an adapter on " + slot.name() + "; remove() it first");
      }
    }
    for (Parameter p : model.parameters().values()) {
      p.setTrainable(false);
    }
    PeftConfig c = config.resolve(shapes);
    PeftMethod m =
        switch (c) {
          case LoraConfig lc -> new Lora(model, lc, seed);
          case IA3Config ic -> new IA3(model, ic, seed);
          case PromptTuningConfig pc -> new PromptTuning(model, pc, seed, tokenizer, loading);
          case PrefixTuningConfig pc -> new PrefixTuning(model, pc, seed);
          case PromptEncoderConfig pc -> new PTuning(model, pc, seed);
          case LNTuningConfig lc -> new LNTuning(model, lc);
          case BitFitConfig bc -> new BitFit(model, bc);
          case VeraConfig vc -> new Vera(model, vc, seed);
          case LoHaConfig hc -> new LoHa(model, hc, seed);
          case LoKrConfig kc -> new LoKr(model, kc, seed);
          case FullFineTuningConfig fc -> new FullFineTuning(model, fc);
          case NoAdapterConfig nc -> new NoAdapter(nc);
          default -> throw new IllegalArgumentException("unknown PEFT config " + c);
        };
    PeftModel adapted = new PeftModel(model, m, shapes);
    SequenceLimits.checkVirtualTokens(
        model.config(), adapted.reservedPositions(), "the " + c.peftType() + " adapter config");
    return adapted;
  }

  public static PeftModel apply(CausalLM model, PeftConfig config, long seed) {
    return apply(model, config, seed, null);
  }

  /**
   * Loads an adapter folder ({@code adapter_config.json} + {@code adapter_model.safetensors}, as HF
   * PEFT writes them) onto {@code model}.
   */
  public static PeftModel load(CausalLM model, Path adapterDir) {
    Path configFile = adapterDir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("adapter folder " + adapterDir + " has no " + CONFIG_FILE);
    }
    PeftConfig config = PeftConfigs.read(configFile);
    PeftModel pm = apply(model, config, 0, null, true);
    Path weights = adapterDir.resolve(WEIGHTS_FILE);
    if (config.peftType() != PeftType.NONE) {
      if (!Files.isRegularFile(weights)) {
        throw new IllegalArgumentException(
            "adapter folder " + adapterDir + " has no " + WEIGHTS_FILE);
      }
      try (SafetensorsFile f = SafetensorsFile.open(weights)) {
        pm.loadWeights(f);
      }
    }
    return pm;
  }

  /**
   * Loads adapter weights from an open {@code adapter_model.safetensors}. Every tensor in the file
   * must be one the method reads: an extra one (e.g. a trained bias or {@code modules_to_save}
   * weights) means the file describes more than this adapter computes, which is an error.
   */
  public void loadWeights(SafetensorsFile f) {
    Set<String> read = new HashSet<>();
    Map<String, Tensor> state =
        new LinkedHashMap<>() {
          @Override
          public Tensor get(Object key) {
            read.add((String) key);
            return super.get(key);
          }
        };
    for (String name : f.names()) {
      state.put(name, f.tensor(name));
    }
    method.load(state, f.path().toString());
    List<String> extra = f.names().stream().filter(n -> !read.contains(n)).sorted().toList();
    if (!extra.isEmpty()) {
      throw new IllegalArgumentException(
          f.path()
              + ": tensors that are not part of a "
              + method.config().peftType()
              + " adapter for this model: "
              + (extra.size() > 8
                  ? extra.subList(0, 8) + " and " + (extra.size() - 8) + " more"
                  : extra));
    }
  }

  /**
   * Writes {@code adapter_config.json} and {@code adapter_model.safetensors} into {@code dir}
   * (created if needed; each file replaced atomically).
   */
  public void save(Path dir, String baseModelNameOrPath) {
    Map<String, Tensor> state = method.stateDict();
    // an adapter trained into NaN (a diverged run, --lr too high) must not look like a result
    state.forEach((name, t) -> requireFinite(name, t, dir));
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".adapter_config", ".json");
      Files.writeString(tmp, PeftConfigs.toJsonString(method.config(), baseModelNameOrPath));
      Files.move(
          tmp,
          dir.resolve(CONFIG_FILE),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot write adapter to " + dir + ": " + e.getMessage(), e);
    }
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    state.forEach(w::add);
    w.write(dir.resolve(WEIGHTS_FILE));
  }

  /** Throws naming the tensor when it holds a NaN or an infinity. */
  static void requireFinite(String name, Tensor t, Path dir) {
    long n = t.numel();
    for (long i = 0; i < n; i++) {
      float v = t.get(i);
      if (!Float.isFinite(v)) {
        throw new IllegalStateException(
            "not writing the adapter to "
                + dir
                + ": tensor "
                + name
                + " holds "
                + v
                + " at element "
                + i
                + " (training diverged; lower the learning rate)");
      }
    }
  }

  public CausalLM base() {
    return base;
  }

  public PeftMethod method() {
    return method;
  }

  public PeftConfig config() {
    return method.config();
  }

  /** The parameters an optimizer should update. */
  public List<Parameter> trainableParameters() {
    return new ArrayList<>(method.trainable().values());
  }

  /** Trainable and total parameters as PEFT's {@code print_trainable_parameters} reports them. */
  public ParameterCount count() {
    return method.config().count(shapes);
  }

  /** Trainable and total, counted from the live parameter tensors (checks {@link #count}). */
  public ParameterCount countLive() {
    long trainable = 0;
    for (Parameter p : method.trainable().values()) {
      trainable += p.value().numel();
    }
    long added =
        switch (method.config().peftType()) {
          case FULL, NONE -> 0;
          default -> method.config().addedParameters(shapes);
        };
    return new ParameterCount(trainable, base.parameterCount() + added);
  }

  /** Virtual positions prepended to the input (prompt tuning, P-tuning), else 0. */
  /**
   * Positions the method takes before the real tokens: prompt tuning's and P-tuning's virtual
   * tokens, prefix tuning's prefix (its keys shift the positions, as in HF). The real tokens get
   * {@link SequenceLimits#maxTokens} of the rest.
   */
  public int reservedPositions() {
    return virtualTokens()
        + (method.config() instanceof PrefixTuningConfig pc ? pc.numVirtualTokens() : 0);
  }

  public int virtualTokens() {
    return method.virtualTokens();
  }

  /**
   * The method's edit of a forward input (virtual tokens, prefix keys/values). Generation calls it
   * on every step: prefill gets the virtual tokens/prefix, later steps (a non-empty KV cache) pass
   * through.
   */
  public ModelInput prepare(ModelInput in) {
    return method.prepare(in);
  }

  /** The base model's input for token ids, then {@link #prepare}d. */
  public ModelInput input(int[] ids, int[] attentionMask, int batch, int time) {
    ModelInput in = ModelInput.of(base.embedTokens(ids, batch, time));
    if (attentionMask != null) {
      in = in.withPadding(ModelInput.paddingFromAttentionMask(attentionMask));
    }
    return prepare(in);
  }

  /** Logits {@code [B, P+T, V]}, the virtual positions included (as PEFT returns them). */
  public Var forward(int[] ids, int[] attentionMask, int batch, int time) {
    return base.forward(input(ids, attentionMask, batch, time));
  }

  /** Logits {@code [B, T, V]} of the real tokens only (virtual positions sliced off). */
  public Var forwardReal(int[] ids, int[] attentionMask, int batch, int time) {
    Var logits = forward(ids, attentionMask, batch, time);
    int p = virtualTokens();
    return p == 0 ? logits : Ops.slice(logits, 1, p, p + time);
  }

  /**
   * The training loss as PEFT computes it: labels get {@code -100} for the P virtual positions in
   * front, so the last virtual token predicts the first label.
   *
   * @param labels {@code [B·T]} aligned with {@code ids}, {@code -100} = not predicted
   */
  public Var loss(int[] ids, int[] attentionMask, int[] labels, int batch, int time) {
    // lm_head + cross-entropy fused in row chunks: no [B, T, V] logits (same loss, less memory)
    Var hidden = base.forwardHidden(input(ids, attentionMask, batch, time));
    return LanguageModelLoss.lossFromHidden(
        base, hidden, extendLabels(labels, batch, time, virtualTokens()));
  }

  /** {@code [-100]·P ++ labels} per row. */
  public static int[] extendLabels(int[] labels, int batch, int time, int p) {
    if (p == 0) {
      return labels;
    }
    int[] out = new int[batch * (p + time)];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < p; i++) {
        out[b * (p + time) + i] = LanguageModelLoss.IGNORE;
      }
      System.arraycopy(labels, b * time, out, b * (p + time) + p, time);
    }
    return out;
  }

  public boolean canMerge() {
    return method.canMerge();
  }

  /**
   * Folds the adapter into the base layers for inference (LoRA, DoRA, IA3, LN tuning, BitFit...).
   */
  public void merge() {
    method.merge();
  }

  public void unmerge() {
    method.unmerge();
  }

  /** Takes the adapter out: the base model is as it was. */
  public void remove() {
    method.remove();
  }
}
