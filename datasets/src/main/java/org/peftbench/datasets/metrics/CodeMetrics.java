package org.peftbench.datasets.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Code generation scores: corpus BLEU-4 (CodeBLEU's n-gram match) and CodeBLEU's keyword-weighted
 * n-gram match, on whitespace tokens of the stripped texts, as the CodeBLEU reference code
 * tokenizes them.
 */
public final class CodeMetrics {
  /** The scores {@link #score} returns, primary first. */
  public static final List<String> NAMES = List.of("bleu", "weighted_ngram_match");

  public static final String PRIMARY = "bleu";

  private CodeMetrics() {}

  public static Map<String, Double> score(List<String> predictions, List<List<String>> golds) {
    if (predictions.size() != golds.size()) {
      throw new IllegalArgumentException(
          predictions.size() + " predictions for " + golds.size() + " labels");
    }
    List<List<List<String>>> refs = new ArrayList<>();
    List<List<String>> hyps = new ArrayList<>();
    for (int i = 0; i < predictions.size(); i++) {
      List<List<String>> r = new ArrayList<>();
      for (String gold : golds.get(i)) {
        r.add(Bleu.tokens(gold));
      }
      refs.add(r);
      hyps.add(Bleu.tokens(predictions.get(i)));
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("bleu", Bleu.corpusBleu(refs, hyps));
    out.put("weighted_ngram_match", Bleu.weightedNgramMatch(refs, hyps, Bleu.PYTHON_KEYWORDS));
    return out;
  }
}
