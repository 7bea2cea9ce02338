package org.peftbench.autograd.optim;

import static jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.peftbench.autograd.Parameter;
import org.peftbench.tensor.Tensor;

/**
 * AdamW (Loshchilov &amp; Hutter), operation for operation as {@code torch.optim.AdamW} (single-
 * tensor path, float32):
 *
 * <pre>
 * p  ← p · (1 − lr·wd)                      decoupled weight decay, before the update
 * m  ← m·β1 + (1−β1)·g
 * v  ← v·β2 + (1−β2)·g²
 * p  ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + eps)
 * </pre>
 *
 * with a step count t per parameter. Scalars are computed in double and rounded to float where
 * PyTorch does.
 */
public final class AdamW extends Optimizer {
  private static final VectorSpecies<Float> F = SPECIES_PREFERRED;
  private static final int L = F.length();

  private final double beta1, beta2, eps, weightDecay;
  private java.util.function.Predicate<Parameter> decays = p -> true;
  private final Map<String, State> state = new HashMap<>();

  /** Per-parameter moments (tensors, so the memory tracker counts them) and step count. */
  static final class State {
    final Tensor mTensor, vTensor;
    final float[] m, v;
    long step;

    State(int[] shape) {
      mTensor = Tensor.zeros(shape);
      vTensor = Tensor.zeros(shape);
      m = mTensor.array();
      v = vTensor.array();
    }
  }

  /** PyTorch defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
  public AdamW(List<Parameter> params) {
    this(params, 0.9, 0.999, 1e-8, 0.01);
  }

  public AdamW(List<Parameter> params, double beta1, double beta2, double eps, double weightDecay) {
    super(params);
    if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || eps < 0 || weightDecay < 0) {
      throw new IllegalArgumentException(
          "AdamW needs 0 <= beta < 1, eps >= 0, weight decay >= 0; got betas ("
              + beta1
              + ", "
              + beta2
              + "), eps "
              + eps
              + ", weight decay "
              + weightDecay);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  /**
   * Restricts weight decay to the parameters {@code decays} accepts (the others get decay 0, like a
   * second PyTorch parameter group), e.g. {@link #biasAndNormsExcluded}.
   */
  public AdamW decayOnly(java.util.function.Predicate<Parameter> decays) {
    this.decays = decays;
    return this;
  }

  private static final java.util.regex.Pattern NO_DECAY =
      java.util.regex.Pattern.compile(
          "bias|layernorm|rmsnorm|layer_norm|(^|\\.)norm(\\.|$)|_norm(\\.|$)|(^|\\.)ln_");

  /**
   * The usual HF Trainer grouping: no weight decay for biases and normalisation weights, judged by
   * the HF parameter name ({@code bias}, {@code input_layernorm}, {@code model.norm}, GPT-2's
   * {@code ln_1}, ...).
   */
  public static boolean biasAndNormsExcluded(Parameter p) {
    return !NO_DECAY.matcher(p.name().toLowerCase(java.util.Locale.ROOT)).find();
  }

  @Override
  public void step(double lr) {
    // the per-parameter scalars first (state is created here, on this thread), then every chunk of
    // every parameter as one set of tasks: a LoRA model has hundreds of small parameters, and one
    // parallel call per parameter would mostly run a single chunk at a time
    List<Update> updates = new ArrayList<>();
    for (Parameter p : params) {
      Tensor grad = p.grad();
      if (grad == null) {
        continue;
      }
      State s = state.computeIfAbsent(p.name(), k -> new State(p.shape()));
      s.step++;
      double bc1 = 1 - Math.pow(beta1, s.step), bc2 = 1 - Math.pow(beta2, s.step);
      updates.add(
          new Update(
              values(p),
              p.value().offset(),
              grad.array(),
              grad.offset(),
              s.m,
              s.v,
              p.value().size(),
              new Hyper(
                  (float) (1 - lr * (decays.test(p) ? weightDecay : 0.0)),
                  (float) beta1,
                  (float) beta2,
                  (float) (1 - beta1),
                  (float) (1 - beta2),
                  (float) -(lr / bc1),
                  (float) Math.sqrt(bc2),
                  (float) eps)));
    }
    chunked(
        updates.stream().mapToInt(Update::n).toArray(),
        (k, from, to) -> {
          Update u = updates.get(k);
          update(u.hyper, u.w, u.wo, u.g, u.go, u.m, u.v, from, to);
        });
  }

  /** One parameter's arrays for this step. */
  private record Update(
      float[] w, int wo, float[] g, int go, float[] m, float[] v, int n, Hyper hyper) {}

  /** The float scalars of one parameter's update, rounded as PyTorch rounds them. */
  record Hyper(
      float decay,
      float b1,
      float b2,
      float oneMinusB1,
      float oneMinusB2,
      float negStepSize,
      float bc2Sqrt,
      float eps) {}

  // w[wo+i], m[i], v[i] updated from g[go+i] for i in [from, to): vectorised, each lane the same
  // operations in the same order as updateScalar (separate multiply and add, IEEE sqrt and
  // division), so the two agree bit for bit
  static void update(
      Hyper h, float[] w, int wo, float[] g, int go, float[] m, float[] v, int from, int to) {
    int i = from;
    for (; i + L <= to; i += L) {
      FloatVector gi = FloatVector.fromArray(F, g, go + i);
      FloatVector pi = FloatVector.fromArray(F, w, wo + i).mul(h.decay());
      FloatVector mi = FloatVector.fromArray(F, m, i).mul(h.b1()).add(gi.mul(h.oneMinusB1()));
      FloatVector vi =
          FloatVector.fromArray(F, v, i).mul(h.b2()).add(gi.mul(h.oneMinusB2()).mul(gi));
      mi.intoArray(m, i);
      vi.intoArray(v, i);
      FloatVector denom = vi.sqrt().div(h.bc2Sqrt()).add(h.eps());
      pi.add(mi.mul(h.negStepSize()).div(denom)).intoArray(w, wo + i);
    }
    updateScalar(h, w, wo, g, go, m, v, i, to);
  }

  // the reference: torch's single-tensor AdamW step for elements [from, to)
  static void updateScalar(
      Hyper h, float[] w, int wo, float[] g, int go, float[] m, float[] v, int from, int to) {
    for (int i = from; i < to; i++) {
      float gi = g[go + i];
      float pi = w[wo + i] * h.decay();
      m[i] = m[i] * h.b1() + h.oneMinusB1() * gi;
      v[i] = v[i] * h.b2() + h.oneMinusB2() * gi * gi;
      float denom = (float) Math.sqrt(v[i]) / h.bc2Sqrt() + h.eps();
      w[wo + i] = pi + h.negStepSize() * m[i] / denom;
    }
  }

  /** Frees the moment buffers (the optimizer starts from scratch afterwards). */
  @Override
  public void releaseState() {
    for (State s : state.values()) {
      s.mTensor.close();
      s.vTensor.close();
    }
    state.clear();
  }

  /** A parameter's moments (copies) and step count. */
  public record Moments(float[] expAvg, float[] expAvgSq, long step) {}

  /** {@code p}'s moments, or null before its first update. */
  public Moments moments(Parameter p) {
    State s = state.get(p.name());
    return s == null ? null : new Moments(s.m.clone(), s.v.clone(), s.step);
  }

  /**
   * Sets {@code p}'s moments and step count (a step run elsewhere, e.g. resident on a device, whose
   * state a checkpoint must carry).
   */
  public void setMoments(Parameter p, Moments moments) {
    if (!params.contains(p)) {
      throw new IllegalArgumentException(p.name() + " is not one of this optimizer's parameters");
    }
    long n = p.value().size();
    if (moments.expAvg().length != n || moments.expAvgSq().length != n) {
      throw new IllegalArgumentException(
          p.name() + ": moments of " + moments.expAvg().length + " values for " + n);
    }
    State s = state.computeIfAbsent(p.name(), k -> new State(p.shape()));
    System.arraycopy(moments.expAvg(), 0, s.m, 0, s.m.length);
    System.arraycopy(moments.expAvgSq(), 0, s.v, 0, s.v.length);
    s.step = moments.step();
  }

  /** Step count of a parameter (0 before its first update). */
  public long stepCount(Parameter p) {
    State s = state.get(p.name());
    return s == null ? 0 : s.step;
  }

  @Override
  public void saveState(Path file) {
    OptimizerState.Builder out =
        OptimizerState.builder("adamw")
            .hyper("beta1", beta1)
            .hyper("beta2", beta2)
            .hyper("eps", eps)
            .hyper("weight_decay", weightDecay);
    for (Parameter p : params) {
      State s = state.get(p.name());
      if (s != null) {
        out.tensor(p.name(), "exp_avg", s.mTensor);
        out.tensor(p.name(), "exp_avg_sq", s.vTensor);
        out.step(p.name(), s.step);
      }
    }
    out.write(file);
  }

  @Override
  public void loadState(Path file) {
    OptimizerState in = OptimizerState.read(file, "adamw");
    releaseState();
    for (Parameter p : params) {
      if (!in.has(p.name())) {
        continue;
      }
      State s = new State(p.shape());
      in.copy(p, "exp_avg", s.m);
      in.copy(p, "exp_avg_sq", s.v);
      s.step = in.step(p.name());
      state.put(p.name(), s);
    }
  }
}
