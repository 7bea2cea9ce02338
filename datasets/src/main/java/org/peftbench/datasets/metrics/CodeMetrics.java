package org.peftbench.datasets.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.codebleu.CodeBleu;

/**
 * Code generation scores as PEFT-Bench reports them: CodeBLEU (weights 0.25 each) with its four
 * components; {@code bleu} is CodeBLEU's n-gram match, corpus BLEU-4 on whitespace tokens.
 */
public final class CodeMetrics {
  /** The scores {@link #score} returns, primary first. */
  public static final List<String> NAMES =
      List.of("codebleu", "bleu", "weighted_ngram_match", "syntax_match", "dataflow_match");

  public static final String PRIMARY = "codebleu";

  private CodeMetrics() {}

  public static Map<String, Double> score(List<String> predictions, List<List<String>> golds) {
    if (predictions.size() != golds.size()) {
      throw new IllegalArgumentException(
          predictions.size() + " predictions for " + golds.size() + " labels");
    }
    Map<String, Double> s = CodeBleu.score(golds, predictions);
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("codebleu", s.get("codebleu"));
    out.put("bleu", s.get("ngram_match_score"));
    out.put("weighted_ngram_match", s.get("weighted_ngram_match_score"));
    out.put("syntax_match", s.get("syntax_match_score"));
    out.put("dataflow_match", s.get("dataflow_match_score"));
    return out;
  }
}
