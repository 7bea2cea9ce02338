package org.peftbench.codebleu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CodeBLEU for Python (Ren et al. 2020) as its reference implementation computes it, with the
 * weights PEFT-Bench uses (0.25 each): n-gram match (BLEU-4), keyword-weighted n-gram match, syntax
 * match (the share of the reference's syntax subtrees also found in the candidate, over
 * tree-sitter-shaped trees from {@link PythonParser}) and data-flow match (the share of the
 * reference's normalized data-flow edges found in the candidate).
 *
 * <p>One deviation: for code that does not parse, tree-sitter recovers with ERROR nodes; here such
 * code becomes a module holding one ERROR node over its tokens, so its syntax and data-flow scores
 * approximate the reference's.
 */
public final class CodeBleu {
  private CodeBleu() {}

  /** The scores of the reference's calc_codebleu, under its key names. */
  public static Map<String, Double> score(List<List<String>> references, List<String> predictions) {
    List<List<List<String>>> refTokens = new ArrayList<>();
    List<List<String>> hypTokens = new ArrayList<>();
    List<List<String>> refs = new ArrayList<>();
    List<String> hyps = new ArrayList<>();
    for (int k = 0; k < predictions.size(); k++) {
      List<String> r = new ArrayList<>();
      List<List<String>> rt = new ArrayList<>();
      for (String ref : references.get(k)) {
        r.add(ref.strip());
        rt.add(Bleu.tokens(ref.strip()));
      }
      refs.add(r);
      refTokens.add(rt);
      hyps.add(predictions.get(k).strip());
      hypTokens.add(Bleu.tokens(predictions.get(k).strip()));
    }
    double ngram = Bleu.corpusBleu(refTokens, hypTokens);
    double weighted = Bleu.weightedNgramMatch(refTokens, hypTokens, Bleu.PYTHON_KEYWORDS);
    double syntax = syntaxMatch(refs, hyps);
    double dataflow = dataflowMatch(refs, hyps);
    Map<String, Double> out = new LinkedHashMap<>();
    // The reference adds the data-flow score as "dataflow or 1": a 0 counts as 1.
    out.put(
        "codebleu",
        0.25 * ngram + 0.25 * weighted + 0.25 * syntax + 0.25 * (dataflow == 0 ? 1 : dataflow));
    out.put("ngram_match_score", ngram);
    out.put("weighted_ngram_match_score", weighted);
    out.put("syntax_match_score", syntax);
    out.put("dataflow_match_score", dataflow);
    return out;
  }

  /**
   * Python itself refuses more than 200 nested brackets; deeper (degenerate) text is not parsed but
   * kept as a flat ERROR node, which also bounds the recursion depth here.
   */
  private static final int MAX_NESTING = 200;

  /** The tree of {@code code}, or the ERROR stand-in when it does not parse. */
  static PyNode tree(String code) {
    if (nesting(code) > MAX_NESTING) {
      return PythonParser.flat(code);
    }
    try {
      PyNode tree = PythonParser.parse(code);
      // e.g. a chain of thousands of "+": deeper than any real code, and than our recursion
      return depth(tree) > MAX_DEPTH ? PythonParser.flat(code) : tree;
    } catch (PythonParser.SyntaxError | IndexOutOfBoundsException | StackOverflowError e) {
      return PythonParser.salvage(code);
    }
  }

  private static final int MAX_DEPTH = 1000;

  private static int depth(PyNode root) {
    int max = 0;
    Deque<PyNode> nodes = new ArrayDeque<>();
    Deque<Integer> depths = new ArrayDeque<>();
    nodes.push(root);
    depths.push(1);
    while (!nodes.isEmpty()) {
      PyNode n = nodes.pop();
      int d = depths.pop();
      max = Math.max(max, d);
      for (PyNode c : n.children) {
        nodes.push(c);
        depths.push(d + 1);
      }
    }
    return max;
  }

  private static int nesting(String code) {
    int depth = 0;
    int max = 0;
    for (PyToken t : PyLexer.tokenize(code)) {
      if (t.is("(") || t.is("[") || t.is("{")) {
        max = Math.max(max, ++depth);
      } else if (t.is(")") || t.is("]") || t.is("}")) {
        depth = Math.max(0, depth - 1);
      }
    }
    return max;
  }

  /** The S-expressions of the root and of every node that has children (get_all_sub_trees). */
  static List<String> subtrees(PyNode root) {
    List<String> out = new ArrayList<>();
    Deque<PyNode> stack = new ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty()) {
      PyNode n = stack.pop();
      out.add(n.sexp());
      for (PyNode c : n.children) {
        if (!c.children.isEmpty()) {
          stack.push(c);
        }
      }
    }
    return out;
  }

  static double syntaxMatch(List<List<String>> references, List<String> candidates) {
    long matched = 0;
    long total = 0;
    for (int k = 0; k < candidates.size(); k++) {
      String candidate = CommentStripper.strip(candidates.get(k));
      Set<String> candidateTrees = new HashSet<>(subtrees(tree(candidate)));
      for (String reference : references.get(k)) {
        List<String> referenceTrees = subtrees(tree(CommentStripper.strip(reference)));
        for (String s : referenceTrees) {
          if (candidateTrees.contains(s)) {
            matched++;
          }
        }
        total += referenceTrees.size();
      }
    }
    return total == 0 ? 0.0 : (double) matched / total;
  }

  /** A data-flow edge with variable names replaced by var_0, var_1, ... in order of appearance. */
  private record NormalEdge(String variable, String relation, List<String> parents) {}

  private static List<NormalEdge> normalize(List<DataFlow.Edge> edges) {
    Map<String, String> names = new LinkedHashMap<>();
    List<NormalEdge> out = new ArrayList<>();
    for (DataFlow.Edge e : edges) {
      for (String p : e.parents()) {
        names.computeIfAbsent(p, x -> "var_" + names.size());
      }
      names.computeIfAbsent(e.code(), x -> "var_" + names.size());
      List<String> parents = new ArrayList<>();
      for (String p : e.parents()) {
        parents.add(names.get(p));
      }
      out.add(new NormalEdge(names.get(e.code()), e.relation(), parents));
    }
    return out;
  }

  static double dataflowMatch(List<List<String>> references, List<String> candidates) {
    long matched = 0;
    long total = 0;
    for (int k = 0; k < candidates.size(); k++) {
      String candidate = CommentStripper.strip(candidates.get(k));
      for (String reference : references.get(k)) {
        String ref = CommentStripper.strip(reference);
        List<NormalEdge> cand = normalize(DataFlow.of(tree(candidate), candidate));
        List<NormalEdge> refs = normalize(DataFlow.of(tree(ref), ref));
        total += refs.size();
        for (NormalEdge e : refs) {
          if (cand.remove(e)) {
            matched++;
          }
        }
      }
    }
    return total == 0 ? 0.0 : (double) matched / total;
  }
}
