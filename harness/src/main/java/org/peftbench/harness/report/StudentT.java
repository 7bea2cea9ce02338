package org.peftbench.harness.report;

/**
 * Student's t distribution: the two-sided confidence quantile {@code t_{1−α/2, ν}} used for a
 * confidence interval of a mean over few seeds ({@code mean ± t · s/√n}).
 *
 * <p>The CDF comes from the regularized incomplete beta function, {@code P(|T| > t) = I_x(ν/2,
 * 1/2)} with {@code x = ν/(ν + t²)}, evaluated by Lentz's continued fraction; the quantile by
 * bisection on it (monotone, so bisection converges to machine precision in ~100 halvings).
 */
public final class StudentT {
  private StudentT() {}

  /** The t with {@code P(|T| ≤ t) = level} for {@code df} degrees of freedom. */
  public static double twoSidedQuantile(double level, int df) {
    if (!(level > 0 && level < 1) || df < 1) {
      throw new IllegalArgumentException("need 0 < level < 1 and df >= 1");
    }
    double tail = 1 - level;
    double lo = 0;
    double hi = 1;
    while (twoSidedTail(hi, df) > tail) {
      hi *= 2;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
      double mid = 0.5 * (lo + hi);
      if (twoSidedTail(mid, df) > tail) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return 0.5 * (lo + hi);
  }

  /** {@code P(|T| > t)}. */
  static double twoSidedTail(double t, int df) {
    double x = df / (df + t * t);
    return regularizedBeta(x, df / 2.0, 0.5);
  }

  /** {@code I_x(a, b)}, the regularized incomplete beta function. */
  static double regularizedBeta(double x, double a, double b) {
    if (x <= 0) {
      return 0;
    }
    if (x >= 1) {
      return 1;
    }
    double lnFront =
        logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
    // the continued fraction converges fast for x < (a + 1)/(a + b + 2); else use the symmetry
    if (x < (a + 1) / (a + b + 2)) {
      return Math.exp(lnFront) * betaFraction(x, a, b) / a;
    }
    return 1 - Math.exp(lnFront) * betaFraction(1 - x, b, a) / b;
  }

  /** The continued fraction of the incomplete beta function (modified Lentz). */
  private static double betaFraction(double x, double a, double b) {
    final double tiny = 1e-300;
    double c = 1;
    double d = 1 - (a + b) * x / (a + 1);
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    double h = d;
    for (int m = 1; m <= 10_000; m++) {
      int m2 = 2 * m;
      double even = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
      d = 1 / nonZero(1 + even * d, tiny);
      c = nonZero(1 + even / c, tiny);
      h *= d * c;
      double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
      d = 1 / nonZero(1 + odd * d, tiny);
      c = nonZero(1 + odd / c, tiny);
      double delta = d * c;
      h *= delta;
      if (Math.abs(delta - 1) < 1e-16) {
        break;
      }
    }
    return h;
  }

  private static double nonZero(double v, double tiny) {
    return Math.abs(v) < tiny ? tiny : v;
  }

  /** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ~15 significant digits). */
  static double logGamma(double x) {
    if (x < 0.5) { // reflection
      return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
    }
    double[] c = {
      0.99999999999980993,
      676.5203681218851,
      -1259.1392167224028,
      771.32342877765313,
      -176.61502916214059,
      12.507343278686905,
      -0.13857109526572012,
      9.9843695780195716e-6,
      1.5056327351493116e-7
    };
    x -= 1;
    double a = c[0];
    double t = x + 7.5;
    for (int i = 1; i < 9; i++) {
      a += c[i] / (x + i);
    }
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
  }
}
