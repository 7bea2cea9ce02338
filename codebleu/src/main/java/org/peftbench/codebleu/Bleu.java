package org.peftbench.codebleu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Corpus BLEU-4 as the CodeBLEU reference implementation computes its n-gram components (its copy
 * of NLTK's {@code corpus_bleu}): clipped n-gram counts summed over the corpus, the closest
 * reference length for the brevity penalty, Chen & Cherry's smoothing method 1 (epsilon 0.1 added
 * to zero numerators) and 0 when no unigram matches. Tokens are whitespace-separated.
 */
public final class Bleu {
  private static final int MAX_ORDER = 4;
  private static final double EPSILON = 0.1;

  /** The Python keywords that weigh 1 (other tokens 0.2) in CodeBLEU's weighted n-gram match. */
  public static final Set<String> PYTHON_KEYWORDS =
      Set.of(
          "False",
          "None",
          "True",
          "and",
          "as",
          "assert",
          "async",
          "await",
          "break",
          "class",
          "continue",
          "def",
          "del",
          "elif",
          "else",
          "except",
          "finally",
          "for",
          "from",
          "global",
          "if",
          "import",
          "in",
          "is",
          "lambda",
          "nonlocal",
          "not",
          "or",
          "pass",
          "raise",
          "return",
          "try",
          "while",
          "with",
          "yield",
          "match",
          "case",
          "type");

  private Bleu() {}

  /** Python's {@code str.split()}: runs of whitespace separate tokens. */
  public static List<String> tokens(String text) {
    String s = text.strip();
    return s.isEmpty() ? List.of() : List.of(s.split("\\s+"));
  }

  private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
    Map<List<String>, Integer> counts = new HashMap<>();
    for (int i = 0; i + n <= tokens.size(); i++) {
      counts.merge(tokens.subList(i, i + n), 1, Integer::sum);
    }
    return counts;
  }

  /** Corpus BLEU-4 of tokenized hypotheses against their references (one or more each). */
  public static double corpusBleu(
      List<List<List<String>>> references, List<List<String>> hypotheses) {
    double[] numerators = new double[MAX_ORDER + 1];
    double[] denominators = new double[MAX_ORDER + 1];
    long hypLength = 0;
    long refLength = 0;
    for (int s = 0; s < hypotheses.size(); s++) {
      List<String> hyp = hypotheses.get(s);
      List<List<String>> refs = references.get(s);
      for (int n = 1; n <= MAX_ORDER; n++) {
        // Modified precision: each hypothesis n-gram counts at most as often as in any reference.
        Map<List<String>, Integer> counts = ngrams(hyp, n);
        Map<List<String>, Integer> maxRef = new HashMap<>();
        for (List<String> ref : refs) {
          Map<List<String>, Integer> refCounts = ngrams(ref, n);
          for (List<String> g : counts.keySet()) {
            maxRef.merge(g, refCounts.getOrDefault(g, 0), Math::max);
          }
        }
        long clipped = 0;
        long total = 0;
        for (Map.Entry<List<String>, Integer> e : counts.entrySet()) {
          clipped += Math.min(e.getValue(), maxRef.get(e.getKey()));
          total += e.getValue();
        }
        numerators[n] += clipped;
        denominators[n] += Math.max(1, total);
      }
      hypLength += hyp.size();
      refLength += closestLength(refs.stream().map(List::size).toList(), hyp.size());
    }
    return combine(numerators, denominators, refLength, hypLength);
  }

  /**
   * CodeBLEU's weighted n-gram match: n-gram <em>recall</em> against each reference, unigrams
   * weighted (keywords 1, other tokens 0.2). Faithful to the reference code, its brevity penalty
   * measures each reference as length 2 (the length of its (tokens, weights) pair), so it only
   * penalises hypotheses shorter than two tokens on average.
   */
  public static double weightedNgramMatch(
      List<List<List<String>>> references, List<List<String>> hypotheses, Set<String> keywords) {
    double[] numerators = new double[MAX_ORDER + 1];
    double[] denominators = new double[MAX_ORDER + 1];
    long hypLength = 0;
    long refLength = 0;
    for (int s = 0; s < hypotheses.size(); s++) {
      List<String> hyp = hypotheses.get(s);
      List<List<String>> refs = references.get(s);
      for (int n = 1; n <= MAX_ORDER; n++) {
        Map<List<String>, Integer> counts = ngrams(hyp, n);
        for (List<String> ref : refs) {
          Map<List<String>, Integer> refCounts = ngrams(ref, n);
          double clipped = 0;
          double total = 0;
          for (Map.Entry<List<String>, Integer> e : refCounts.entrySet()) {
            int c = Math.min(e.getValue(), counts.getOrDefault(e.getKey(), 0));
            double weight = n == 1 ? (keywords.contains(e.getKey().get(0)) ? 1.0 : 0.2) : 1.0;
            clipped += c * weight;
            total += e.getValue() * weight;
          }
          numerators[n] += clipped;
          denominators[n] += Math.max(1, total);
        }
      }
      hypLength += hyp.size();
      List<Integer> pairLengths = new ArrayList<>();
      for (int r = 0; r < refs.size(); r++) {
        pairLengths.add(2);
      }
      refLength += closestLength(pairLengths, hyp.size());
    }
    return combine(numerators, denominators, refLength, hypLength);
  }

  /** The reference length closest to the hypothesis length, the shorter one on ties. */
  private static int closestLength(List<Integer> lengths, int hypLength) {
    int best = -1;
    for (int len : lengths) {
      if (best < 0
          || Math.abs(len - hypLength) < Math.abs(best - hypLength)
          || (Math.abs(len - hypLength) == Math.abs(best - hypLength) && len < best)) {
        best = len;
      }
    }
    return best;
  }

  private static double combine(double[] num, double[] den, long refLength, long hypLength) {
    if (num[1] == 0) {
      return 0.0;
    }
    double brevity;
    if (hypLength > refLength) {
      brevity = 1.0;
    } else if (hypLength == 0) {
      brevity = 0.0;
    } else {
      brevity = Math.exp(1.0 - (double) refLength / hypLength);
    }
    double logSum = 0;
    for (int n = 1; n <= MAX_ORDER; n++) {
      double numerator = num[n] == 0 ? EPSILON : num[n];
      logSum += 0.25 * Math.log(numerator / den[n]);
    }
    return brevity * Math.exp(logSum);
  }
}
