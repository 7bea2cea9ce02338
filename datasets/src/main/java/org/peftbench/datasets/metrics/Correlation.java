package org.peftbench.datasets.metrics;

import java.util.Arrays;
import java.util.List;

/** Pearson and Spearman correlation, for STS-B similarity scores. */
public final class Correlation {
  private Correlation() {}

  /** Pearson's r; NaN when either series is constant (scipy's value). */
  public static double pearson(double[] x, double[] y) {
    int n = x.length;
    if (n != y.length) {
      throw new IllegalArgumentException(n + " values against " + y.length);
    }
    if (n < 2) {
      return Double.NaN;
    }
    double meanX = 0;
    double meanY = 0;
    for (int i = 0; i < n; i++) {
      meanX += x[i];
      meanY += y[i];
    }
    meanX /= n;
    meanY /= n;
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < n; i++) {
      double dx = x[i] - meanX;
      double dy = y[i] - meanY;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
    if (sxx == 0 || syy == 0) {
      return Double.NaN;
    }
    double r = sxy / Math.sqrt(sxx * syy);
    return Math.max(-1.0, Math.min(1.0, r));
  }

  /** Spearman's rho: Pearson's r of the ranks, ties sharing their average rank. */
  public static double spearman(double[] x, double[] y) {
    return pearson(ranks(x), ranks(y));
  }

  /** 1-based ranks, ties get the mean of the ranks they span (scipy's rankdata "average"). */
  static double[] ranks(double[] values) {
    int n = values.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
    double[] ranks = new double[n];
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && values[order[j + 1]] == values[order[i]]) {
        j++;
      }
      double average = (i + j) / 2.0 + 1.0;
      for (int k = i; k <= j; k++) {
        ranks[order[k]] = average;
      }
      i = j + 1;
    }
    return ranks;
  }

  /** Python float() of each answer, -1.0 where it is not a number (PEFT-Factory's default). */
  public static double[] parse(List<String> answers) {
    double[] out = new double[answers.size()];
    for (int i = 0; i < out.length; i++) {
      Double v = Normalize.pythonFloat(answers.get(i));
      out[i] = v == null ? -1.0 : v;
    }
    return out;
  }
}
