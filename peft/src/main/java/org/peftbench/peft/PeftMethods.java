package org.peftbench.peft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.peftbench.peft.bitfit.BitFitSpec;
import org.peftbench.peft.full.FullFineTuningSpec;
import org.peftbench.peft.ia3.IA3Spec;
import org.peftbench.peft.lntuning.LNTuningSpec;
import org.peftbench.peft.loha.LoHaSpec;
import org.peftbench.peft.lokr.LoKrSpec;
import org.peftbench.peft.lora.LoraSpec;
import org.peftbench.peft.none.NoAdapterSpec;
import org.peftbench.peft.prefixtuning.PrefixTuningSpec;
import org.peftbench.peft.prompttuning.PromptTuningSpec;
import org.peftbench.peft.ptuning.PTuningSpec;
import org.peftbench.peft.vera.VeraSpec;
import org.peftbench.transformer.ModelStructure;

/**
 * The registry of PEFT methods: {@code peft_type} → {@link PeftMethodSpec}. Config parsing ({@link
 * PeftConfigs}), applying ({@link PeftModel}), parameter counts and the FLOP model all look methods
 * up here, so a new method is its package plus one line below (or one {@link #register} call for a
 * method that lives outside this module, e.g. in a test).
 */
public final class PeftMethods {
  private PeftMethods() {}

  private static final Map<String, PeftMethodSpec<?>> SPECS = new LinkedHashMap<>();
  private static final List<PeftType> BUILT_IN;

  static {
    add(new LoraSpec());
    add(new IA3Spec());
    add(new PromptTuningSpec());
    add(new PrefixTuningSpec());
    add(new PTuningSpec());
    add(new LNTuningSpec());
    add(new BitFitSpec());
    add(new VeraSpec());
    add(new LoHaSpec());
    add(new LoKrSpec());
    add(new FullFineTuningSpec());
    add(new NoAdapterSpec());
    BUILT_IN = types();
  }

  private static void add(PeftMethodSpec<?> spec) {
    String name = spec.type().name();
    if (SPECS.containsKey(name)) {
      throw new IllegalStateException("peft_type " + name + " is registered twice");
    }
    SPECS.put(name, spec);
  }

  /**
   * Adds a method defined outside this module; registering the same spec class again is a no-op,
   * another spec under a taken {@code peft_type} an error.
   */
  public static synchronized void register(PeftMethodSpec<?> spec) {
    PeftMethodSpec<?> old = SPECS.get(spec.type().name());
    if (old != null && old.getClass() == spec.getClass()) {
      return;
    }
    add(spec);
  }

  /** The spec of a {@code peft_type} (any case); an unknown one is an error listing the known. */
  public static synchronized PeftMethodSpec<?> spec(String peftType) {
    PeftMethodSpec<?> s = peftType == null ? null : SPECS.get(peftType.toUpperCase(Locale.ROOT));
    if (s == null) {
      throw new IllegalArgumentException(
          "unknown peft_type '" + peftType + "'; known: " + SPECS.keySet());
    }
    return s;
  }

  public static PeftMethodSpec<?> spec(PeftType type) {
    return spec(type.name());
  }

  /** The spec of the method {@code config} configures. */
  public static PeftMethodSpec<?> of(PeftConfig config) {
    return spec(config.peftType());
  }

  /** Every registered type, in registration order. */
  public static synchronized List<PeftType> types() {
    List<PeftType> out = new ArrayList<>();
    SPECS.values().forEach(s -> out.add(s.type()));
    return out;
  }

  /** The methods this module ships (registered methods from elsewhere left out). */
  public static List<PeftType> builtIn() {
    return BUILT_IN;
  }

  /**
   * Base and adapted forward FLOPs of one sequence of {@code tokens} tokens for {@code config}
   * (resolved against {@code model} first).
   */
  public static ForwardFlops forwardFlops(PeftConfig config, ModelStructure model, int tokens) {
    PeftConfig resolved = config.resolve(model);
    return of(resolved).forwardFlopsOf(resolved, model, tokens);
  }

  /** Bytes the method's training state adds to the frozen base model (see the spec). */
  public static long extraTrainingBytes(PeftConfig config, ModelStructure model) {
    PeftConfig resolved = config.resolve(model);
    return of(resolved).extraTrainingBytesOf(resolved, model);
  }
}
