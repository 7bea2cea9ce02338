package org.peftbench.datasets.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * SQuAD-style exact match and token F1, maximised over the gold answers: the ReCoRD metric of the
 * SuperGLUE evaluation (and of HF {@code evaluate}'s super_glue/record).
 */
public final class SquadMetrics {
  private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
  private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

  private SquadMetrics() {}

  /** Lower-case, drop punctuation, drop the articles a/an/the, collapse whitespace. */
  public static String normalize(String text) {
    String s = text.toLowerCase(Locale.ROOT);
    StringBuilder kept = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (PUNCTUATION.indexOf(c) < 0) {
        kept.append(c);
      }
    }
    s = ARTICLES.matcher(kept).replaceAll(" ");
    return String.join(" ", tokens(s));
  }

  private static List<String> tokens(String s) {
    String stripped = s.strip();
    return stripped.isEmpty() ? List.of() : List.of(stripped.split("\\s+"));
  }

  public static double exactMatch(String prediction, String gold) {
    return normalize(prediction).equals(normalize(gold)) ? 1.0 : 0.0;
  }

  /** Token-overlap F1 of the normalized texts (bag of tokens). */
  public static double tokenF1(String prediction, String gold) {
    List<String> p = tokens(normalize(prediction));
    List<String> g = tokens(normalize(gold));
    Map<String, Integer> goldCounts = new HashMap<>();
    for (String t : g) {
      goldCounts.merge(t, 1, Integer::sum);
    }
    int common = 0;
    for (String t : p) {
      Integer left = goldCounts.get(t);
      if (left != null && left > 0) {
        common++;
        goldCounts.put(t, left - 1);
      }
    }
    if (common == 0) {
      return 0.0;
    }
    double precision = (double) common / p.size();
    double recall = (double) common / g.size();
    return 2 * precision * recall / (precision + recall);
  }

  /** Mean over examples of the best exact match and the best F1 against any gold answer. */
  public static Map<String, Double> score(List<String> predictions, List<List<String>> golds) {
    if (predictions.size() != golds.size()) {
      throw new IllegalArgumentException(
          predictions.size() + " predictions for " + golds.size() + " labels");
    }
    double em = 0;
    double f1 = 0;
    for (int i = 0; i < predictions.size(); i++) {
      double bestEm = 0;
      double bestF1 = 0;
      for (String gold : golds.get(i)) {
        bestEm = Math.max(bestEm, exactMatch(predictions.get(i), gold));
        bestF1 = Math.max(bestF1, tokenF1(predictions.get(i), gold));
      }
      em += bestEm;
      f1 += bestF1;
    }
    int n = Math.max(1, predictions.size());
    Map<String, Double> out = new java.util.LinkedHashMap<>();
    out.put("exact_match", em / n);
    out.put("f1", f1 / n);
    return out;
  }
}
