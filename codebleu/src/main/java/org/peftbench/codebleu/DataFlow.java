package org.peftbench.codebleu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * CodeBLEU's data-flow graph of Python code (the reference's {@code DFG_python}): for each variable
 * occurrence, where its value comes from ("comesFrom": earlier occurrences) or what it is computed
 * from ("computedFrom": the variables of the right-hand side). A port of the reference algorithm,
 * quirks included (e.g. a for loop with an else clause does not visit its body).
 */
final class DataFlow {
  /** One edge set: variable {@code code} at token {@code idx}, related to {@code parents}. */
  record Edge(
      String code, int idx, String relation, List<String> parents, List<Integer> parentIdx) {}

  private record Result(List<Edge> edges, Map<String, List<Integer>> states) {}

  /** (start, end) position of a leaf, the key of the reference's index_to_code. */
  private record Span(int sr, int sc, int er, int ec) {
    static Span of(PyNode n) {
      return new Span(n.startRow, n.startCol, n.endRow, n.endCol);
    }
  }

  private final Map<Span, Integer> indexOf = new HashMap<>();
  private final Map<Span, String> codeOf = new HashMap<>();

  private DataFlow(PyNode root, String code) {
    List<PyNode> tokens = new ArrayList<>();
    tokenLeaves(root, tokens);
    String[] lines = code.split("\n", -1);
    for (int k = 0; k < tokens.size(); k++) {
      Span s = Span.of(tokens.get(k));
      indexOf.put(s, k);
      codeOf.put(s, tokenText(s, lines));
    }
  }

  /** Leaves, with a string counting as one token (tree_to_token_index). */
  private static void tokenLeaves(PyNode n, List<PyNode> out) {
    if (n.children.isEmpty() || n.type.equals("string")) {
      out.add(n);
      return;
    }
    for (PyNode c : n.children) {
      tokenLeaves(c, out);
    }
  }

  /**
   * index_to_code_token: the text between two points (columns used as string indices, as there).
   */
  private static String tokenText(Span s, String[] lines) {
    if (s.sr == s.er) {
      String line = s.sr < lines.length ? lines[s.sr] : "";
      return slice(line, s.sc, s.ec);
    }
    StringBuilder sb = new StringBuilder(slice(lines[s.sr], s.sc, Integer.MAX_VALUE));
    for (int r = s.sr + 1; r < s.er; r++) {
      sb.append(lines[r]);
    }
    sb.append(slice(s.er < lines.length ? lines[s.er] : "", 0, s.ec));
    return sb.toString();
  }

  private static String slice(String s, int from, int to) {
    int a = Math.min(from, s.length());
    int b = Math.max(a, Math.min(to, s.length()));
    return s.substring(a, b);
  }

  /** get_data_flow: the graph after dropping unconnected nodes and merging nodes per token. */
  static List<Edge> of(PyNode root, String code) {
    DataFlow d = new DataFlow(root, code);
    List<Edge> dfg;
    try {
      dfg = new ArrayList<>(d.visit(root, new HashMap<>()).edges);
    } catch (RuntimeException e) {
      dfg = new ArrayList<>(); // the reference also falls back to an empty graph
    }
    dfg.sort((a, b) -> Integer.compare(a.idx, b.idx));
    TreeSet<Integer> connected = new TreeSet<>();
    for (Edge e : dfg) {
      if (!e.parentIdx.isEmpty()) {
        connected.add(e.idx);
      }
      connected.addAll(e.parentIdx);
    }
    Map<Integer, Edge> merged = new LinkedHashMap<>();
    for (Edge e : dfg) {
      if (!connected.contains(e.idx)) {
        continue;
      }
      Edge old = merged.get(e.idx);
      if (old == null) {
        merged.put(e.idx, e);
      } else {
        merged.put(
            e.idx,
            new Edge(
                e.code,
                e.idx,
                e.relation,
                union(old.parents, e.parents),
                union(old.parentIdx, e.parentIdx)));
      }
    }
    return new ArrayList<>(merged.values());
  }

  private static <T> List<T> union(List<T> a, List<T> b) {
    LinkedHashSet<T> s = new LinkedHashSet<>(a);
    s.addAll(b);
    return new ArrayList<>(s);
  }

  private boolean isToken(PyNode n) {
    return (n.children.isEmpty() || n.type.equals("string")) && !n.type.equals("comment");
  }

  /**
   * tree_to_variable_index: the leaves whose type differs from their text (not
   * keywords/punctuation).
   */
  private List<Span> variables(PyNode n) {
    List<Span> out = new ArrayList<>();
    collectVariables(n, out);
    return out;
  }

  private void collectVariables(PyNode n, List<Span> out) {
    if (isToken(n)) {
      Span s = Span.of(n);
      if (!n.type.equals(codeOf.get(s))) {
        out.add(s);
      }
      return;
    }
    for (PyNode c : n.children) {
      collectVariables(c, out);
    }
  }

  private static List<Edge> sorted(List<Edge> edges) {
    List<Edge> out = new ArrayList<>(edges);
    out.sort((a, b) -> Integer.compare(a.idx, b.idx));
    return out;
  }

  private Result visit(PyNode node, Map<String, List<Integer>> input) {
    Map<String, List<Integer>> states = new HashMap<>(input);
    if (isToken(node)) {
      Span s = Span.of(node);
      Integer idx = indexOf.get(s);
      String code = codeOf.get(s);
      if (idx == null) {
        throw new IllegalStateException("token without index");
      }
      if (node.type.equals(code)) {
        return new Result(List.of(), states);
      }
      if (states.containsKey(code)) {
        return new Result(
            List.of(new Edge(code, idx, "comesFrom", List.of(code), List.copyOf(states.get(code)))),
            states);
      }
      if (node.type.equals("identifier")) {
        states.put(code, List.of(idx));
      }
      return new Result(List.of(new Edge(code, idx, "comesFrom", List.of(), List.of())), states);
    }
    switch (node.type) {
      case "default_parameter" -> {
        return defaultParameter(node, states);
      }
      case "assignment", "augmented_assignment", "for_in_clause" -> {
        return assignment(node, states);
      }
      case "if_statement" -> {
        return ifStatement(node, states);
      }
      case "for_statement" -> {
        return forStatement(node, states);
      }
      case "while_statement" -> {
        return whileStatement(node, states);
      }
      default -> {
        List<Edge> dfg = new ArrayList<>();
        for (PyNode c : node.children) {
          if (c.type.equals("for_in_clause")) {
            Result r = visit(c, states);
            dfg.addAll(r.edges);
            states = r.states;
          }
        }
        for (PyNode c : node.children) {
          if (!c.type.equals("for_in_clause")) {
            Result r = visit(c, states);
            dfg.addAll(r.edges);
            states = r.states;
          }
        }
        return new Result(sorted(dfg), states);
      }
    }
  }

  private Result defaultParameter(PyNode node, Map<String, List<Integer>> states) {
    PyNode name = node.child("name");
    PyNode value = node.child("value");
    List<Edge> dfg = new ArrayList<>();
    if (value == null) {
      for (Span s : variables(name)) {
        dfg.add(new Edge(codeOf.get(s), indexOf.get(s), "comesFrom", List.of(), List.of()));
        states.put(codeOf.get(s), List.of(indexOf.get(s)));
      }
      return new Result(sorted(dfg), states);
    }
    List<Span> names = variables(name);
    List<Span> values = variables(value);
    Result r = visit(value, states);
    dfg.addAll(r.edges);
    states = r.states;
    for (Span n : names) {
      for (Span v : values) {
        dfg.add(
            new Edge(
                codeOf.get(n),
                indexOf.get(n),
                "comesFrom",
                List.of(codeOf.get(v)),
                List.of(indexOf.get(v))));
      }
      states.put(codeOf.get(n), List.of(indexOf.get(n)));
    }
    return new Result(sorted(dfg), states);
  }

  private static List<PyNode> nonComma(PyNode n) {
    List<PyNode> out = new ArrayList<>();
    for (PyNode c : n.children) {
      if (!c.type.equals(",")) {
        out.add(c);
      }
    }
    return out;
  }

  /** Pairs left and right sides element-wise when their lengths agree, else whole sides. */
  private static List<List<PyNode>> sides(PyNode left, PyNode right) {
    List<PyNode> lefts = nonComma(left);
    List<PyNode> rights = nonComma(right);
    if (lefts.size() != rights.size()) {
      lefts = List.of(left);
      rights = List.of(right);
    }
    if (lefts.isEmpty()) {
      lefts = List.of(left);
    }
    if (rights.isEmpty()) {
      rights = List.of(right);
    }
    return List.of(lefts, rights);
  }

  private Map<String, List<Integer>> computedFrom(
      List<PyNode> lefts, List<PyNode> rights, Map<String, List<Integer>> states, List<Edge> dfg) {
    for (int k = 0; k < Math.min(lefts.size(), rights.size()); k++) {
      List<Span> rightTokens = variables(rights.get(k));
      List<String> codes = new ArrayList<>();
      List<Integer> idxs = new ArrayList<>();
      for (Span s : rightTokens) {
        codes.add(codeOf.get(s));
        idxs.add(indexOf.get(s));
      }
      for (Span s : variables(lefts.get(k))) {
        dfg.add(new Edge(codeOf.get(s), indexOf.get(s), "computedFrom", codes, idxs));
        states.put(codeOf.get(s), List.of(indexOf.get(s)));
      }
    }
    return states;
  }

  private Result assignment(PyNode node, Map<String, List<Integer>> states) {
    List<PyNode> lefts;
    List<PyNode> rights;
    if (node.type.equals("for_in_clause")) {
      rights = List.of(node.children.get(node.children.size() - 1));
      lefts = List.of(node.child("left"));
    } else {
      if (node.child("right") == null) {
        return new Result(List.of(), states);
      }
      List<List<PyNode>> s = sides(node.child("left"), node.child("right"));
      lefts = s.get(0);
      rights = s.get(1);
    }
    List<Edge> dfg = new ArrayList<>();
    for (PyNode r : rights) {
      Result res = visit(r, states);
      dfg.addAll(res.edges);
      states = res.states;
    }
    states = computedFrom(lefts, rights, states, dfg);
    return new Result(sorted(dfg), states);
  }

  private Result ifStatement(PyNode node, Map<String, List<Integer>> states) {
    List<Edge> dfg = new ArrayList<>();
    Map<String, List<Integer>> current = new HashMap<>(states);
    List<Map<String, List<Integer>>> others = new ArrayList<>();
    boolean hasElse = false;
    for (PyNode c : node.children) {
      if (c.type.contains("else")) {
        hasElse = true;
      }
      if (!c.type.equals("elif_clause") && !c.type.equals("else_clause")) {
        Result r = visit(c, current);
        dfg.addAll(r.edges);
        current = r.states;
      } else {
        Result r = visit(c, states);
        dfg.addAll(r.edges);
        others.add(r.states);
      }
    }
    others.add(current);
    if (!hasElse) {
      others.add(states);
    }
    Map<String, TreeSet<Integer>> joined = new LinkedHashMap<>();
    for (Map<String, List<Integer>> m : others) {
      for (Map.Entry<String, List<Integer>> e : m.entrySet()) {
        joined.computeIfAbsent(e.getKey(), k -> new TreeSet<>()).addAll(e.getValue());
      }
    }
    Map<String, List<Integer>> next = new HashMap<>();
    joined.forEach((k, v) -> next.put(k, new ArrayList<>(v)));
    return new Result(sorted(dfg), next);
  }

  private Result forStatement(PyNode node, Map<String, List<Integer>> states) {
    List<Edge> dfg = new ArrayList<>();
    for (int pass = 0; pass < 2; pass++) {
      List<List<PyNode>> s = sides(node.child("left"), node.child("right"));
      for (PyNode r : s.get(1)) {
        Result res = visit(r, states);
        dfg.addAll(res.edges);
        states = res.states;
      }
      states = computedFrom(s.get(0), s.get(1), states, dfg);
      PyNode last = node.children.get(node.children.size() - 1);
      if (last.type.equals("block")) {
        Result res = visit(last, states);
        dfg.addAll(res.edges);
        states = res.states;
      }
    }
    return new Result(dedupe(dfg), states);
  }

  private Result whileStatement(PyNode node, Map<String, List<Integer>> states) {
    List<Edge> dfg = new ArrayList<>();
    for (int pass = 0; pass < 2; pass++) {
      for (PyNode c : node.children) {
        Result res = visit(c, states);
        dfg.addAll(res.edges);
        states = res.states;
      }
    }
    return new Result(dedupe(dfg), states);
  }

  /** Merges edges of the same (variable, token, relation) from the two passes over a loop. */
  private static List<Edge> dedupe(List<Edge> dfg) {
    Map<List<Object>, Edge> byKey = new LinkedHashMap<>();
    for (Edge e : dfg) {
      List<Object> key = List.of(e.code, e.idx, e.relation);
      Edge old = byKey.get(key);
      if (old == null) {
        byKey.put(key, e);
      } else {
        List<Integer> idx = new ArrayList<>(new TreeSet<>(union(old.parentIdx, e.parentIdx)));
        byKey.put(key, new Edge(e.code, e.idx, e.relation, union(old.parents, e.parents), idx));
      }
    }
    return sorted(new ArrayList<>(byKey.values()));
  }
}
