package org.peftbench.peft.lokr;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftType;
import org.peftbench.peft.TargetModules;
import org.peftbench.peft.Targeting;
import org.peftbench.transformer.ModelStructure;

/**
 * HF PEFT's {@code LoKrConfig} (peft_type {@code LOKR}): {@code ΔW = (W1 ⊗ W2) · alpha/r} with
 * {@code out = a·b}, {@code in = c·d} factored by PEFT's {@link #factorization}: {@code W1 [a,c]}
 * (full unless decompose_both and r is small), {@code W2 [b,d]} full when {@code r ≥ max(b,d)/2},
 * else {@code W2a [b,r] · W2b [r,d]}. W1 starts at zero.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LoKrConfig(
    @JsonProperty("r") int r,
    @JsonProperty("alpha") double alpha,
    @JsonProperty("rank_dropout") double rankDropout,
    @JsonProperty("module_dropout") double moduleDropout,
    @JsonProperty("decompose_both") boolean decomposeBoth,
    @JsonProperty("decompose_factor") int decomposeFactor,
    @JsonProperty("target_modules") TargetModules targetModules,
    @JsonProperty("exclude_modules") TargetModules excludeModules,
    @JsonProperty("init_weights") boolean initWeights)
    implements PeftConfig {

  public LoKrConfig {
    if (r <= 0) {
      throw new IllegalArgumentException("LoKr r must be positive, got " + r);
    }
    if (rankDropout != 0 || moduleDropout != 0) {
      throw new IllegalArgumentException(
          "LoKr rank_dropout/module_dropout are not supported (use 0)");
    }
  }

  public static LoKrConfig defaults() {
    return new LoKrConfig(8, 8, 0, 0, false, -1, null, null, true);
  }

  public double scaling() {
    return alpha / r;
  }

  @Override
  public PeftType peftType() {
    return PeftType.LOKR;
  }

  @Override
  public LoKrConfig resolve(ModelStructure model) {
    return targetModules != null
        ? this
        : new LoKrConfig(
            r,
            alpha,
            rankDropout,
            moduleDropout,
            decomposeBoth,
            decomposeFactor,
            Targeting.loraDefault(model.modelType()),
            excludeModules,
            initWeights);
  }

  /** The factor shapes of one linear {@code [out, in]}. */
  public record Factors(int a, int b, int c, int d, boolean fullW1, boolean fullW2) {
    public long parameters(int r) {
      long w1 = fullW1 ? (long) a * c : (long) r * (a + c);
      long w2 = fullW2 ? (long) b * d : (long) r * (b + d);
      return w1 + w2;
    }
  }

  /** How PEFT factors a linear of {@code [out, in]}. */
  public Factors factors(int out, int in) {
    int[] inMN = factorization(in, decomposeFactor);
    int[] outLK = factorization(out, decomposeFactor);
    int a = outLK[0], b = outLK[1], c = inMN[0], d = inMN[1];
    boolean useW1 = !(decomposeBoth && r < Math.max(a, c) / 2.0);
    boolean useW2 = !(r < Math.max(b, d) / 2.0);
    return new Factors(a, b, c, d, useW1, useW2);
  }

  /**
   * PEFT's (LyCORIS') factorization: {@code dimension = m·n}, {@code m ≤ n}, m the largest divisor
   * not above {@code factor} (or near √dimension when factor is -1) that keeps m+n shrinking.
   */
  public static int[] factorization(int dimension, int factor) {
    if (factor > 0 && dimension % factor == 0) {
      int m = factor;
      int n = dimension / factor;
      return new int[] {m, n}; // PEFT does not reorder here
    }
    if (factor == -1) {
      factor = dimension;
    }
    int m = 1;
    int n = dimension;
    int length = m + n;
    while (m < n) {
      int newM = m + 1;
      while (dimension % newM != 0) {
        newM++;
      }
      int newN = dimension / newM;
      if (newM + newN > length || newM > factor) {
        break;
      }
      m = newM;
      n = newN;
    }
    return m > n ? new int[] {n, m} : new int[] {m, n};
  }

  public List<ModelStructure.ModuleSpec> targeted(ModelStructure model) {
    return Targeting.linears(model, targetModules, excludeModules);
  }

  @Override
  public long trainableParameters(ModelStructure model) {
    return targeted(model).stream().mapToLong(l -> factors(l.out(), l.in()).parameters(r)).sum();
  }
}
