package org.peftbench.autograd;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.peftbench.tensor.Tensor;

/**
 * Compares analytic gradients with central differences {@code (L(p+h) − L(p−h)) / 2h}.
 *
 * <p>Everything runs in float32, so the comparison is built to be robust there: the step actually
 * taken is {@code fl(p+h) − fl(p−h)} (not {@code 2h}), the loss is read as a double, and an element
 * passes when {@code |analytic − numeric| <= atol·scale + rtol·|numeric|}, where {@code scale =
 * max(1, max |numeric|)} of that parameter. With {@code h = 1e-2}, rounding noise in the difference
 * quotient is about {@code 1e-7·|L|/h}; the defaults leave room for that and for the {@code O(h²)}
 * truncation error, while a wrong gradient (a missing term, a wrong sign, a transposed index) is
 * off by far more.
 */
public final class GradCheck {
  private GradCheck() {}

  /** Step and tolerances. */
  public record Options(double step, double atol, double rtol, int maxElementsPerParameter) {
    public static Options defaults() {
      return new Options(1e-2, 2e-3, 2e-2, 64);
    }
  }

  /** The worst mismatch found. */
  public record Report(double maxAbsError, String worst) {}

  /** {@link #check(Supplier, List, Options)} with the default options. */
  public static Report check(Supplier<Var> loss, List<? extends Var> inputs) {
    return check(loss, inputs, Options.defaults());
  }

  /**
   * Checks d loss / d input for every input that requires a gradient ({@link Parameter}s, leaves).
   * Up to {@code maxElementsPerParameter} elements per input are probed (a fixed-seed sample when
   * there are more).
   *
   * @param loss builds the graph from the inputs' current values and returns a scalar
   * @throws AssertionError naming the input, element, analytic and numeric values on a mismatch
   */
  public static Report check(Supplier<Var> loss, List<? extends Var> inputs, Options opt) {
    for (Var v : inputs) {
      dropGrad(v);
    }
    Var l = loss.get();
    l.backward();
    List<float[]> analytic = new ArrayList<>();
    for (Var v : inputs) {
      analytic.add(v.grad == null ? new float[v.value.size()] : v.grad.toFloatArray());
    }
    double worstErr = 0;
    String worst = "none";
    SplittableRandom rng = new SplittableRandom(1234);
    for (int pi = 0; pi < inputs.size(); pi++) {
      Var v = inputs.get(pi);
      if (!v.requiresGrad()) {
        continue;
      }
      Tensor t = v.value;
      int n = t.size();
      int[] probe = probes(n, opt.maxElementsPerParameter(), rng);
      double[] numeric = new double[probe.length];
      double scale = 1;
      for (int k = 0; k < probe.length; k++) {
        int i = probe[k];
        float orig = t.get(i);
        float plus = (float) (orig + opt.step()), minus = (float) (orig - opt.step());
        t.set(i, plus);
        double lp = evaluate(loss);
        t.set(i, minus);
        double lm = evaluate(loss);
        t.set(i, orig);
        numeric[k] = (lp - lm) / ((double) plus - (double) minus);
        scale = Math.max(scale, Math.abs(numeric[k]));
      }
      for (int k = 0; k < probe.length; k++) {
        double a = analytic.get(pi)[probe[k]];
        double err = Math.abs(a - numeric[k]);
        double allowed = opt.atol() * scale + opt.rtol() * Math.abs(numeric[k]);
        String where = name(v, pi) + "[" + probe[k] + "]";
        if (!(err <= allowed)) {
          throw new AssertionError(
              "gradient mismatch at "
                  + where
                  + ": analytic "
                  + a
                  + ", numeric "
                  + numeric[k]
                  + " (|diff| "
                  + err
                  + " > allowed "
                  + allowed
                  + ")");
        }
        if (err > worstErr) {
          worstErr = err;
          worst = where;
        }
      }
    }
    for (Var v : inputs) {
      dropGrad(v);
    }
    return new Report(worstErr, worst);
  }

  private static double evaluate(Supplier<Var> loss) {
    // grad mode stays on so that ops which behave differently without it (dropout) match
    Var l = loss.get();
    return l.value.get(0);
  }

  private static int[] probes(int n, int max, SplittableRandom rng) {
    if (n <= max) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] some = new int[max];
    for (int i = 0; i < max; i++) {
      some[i] = rng.nextInt(n);
    }
    return some;
  }

  private static String name(Var v, int index) {
    return v instanceof Parameter p ? p.name() : "input " + index;
  }

  private static void dropGrad(Var v) {
    if (v.grad != null) {
      v.grad.close();
      v.grad = null;
    }
  }
}
