package org.peftbench.codebleu;

import java.util.ArrayList;
import java.util.List;

/**
 * A recursive-descent Python parser that builds tree-sitter-python 0.21's concrete syntax tree
 * (node types, fields, anonymous tokens), following that grammar rather than CPython's where they
 * differ (e.g. its operator precedences, flat comparison chains, Python 2 print statements).
 * Checked node for node against tree-sitter on the CoNaLa snippets (see the tests).
 *
 * <p>Code that does not parse raises {@link SyntaxError}; tree-sitter would instead recover with
 * ERROR nodes, which are not reproduced (see {@link CodeBleu}).
 */
final class PythonParser extends PythonStatements {
  private PythonParser(List<PyToken> tokens) {
    super(tokens);
  }

  /** Parses a module; throws {@link SyntaxError} when the code is outside the grammar. */
  static PyNode parse(String code) {
    PythonParser p = new PythonParser(PyLexer.tokenize(code));
    PyNode module = new PyNode("module", true);
    while (p.peek().kind() != PyToken.Kind.END) {
      if (p.peek().kind() == PyToken.Kind.NEWLINE) {
        p.i++;
        continue;
      }
      if (p.peek().kind() == PyToken.Kind.INDENT || p.peek().kind() == PyToken.Kind.DEDENT) {
        throw new SyntaxError("unexpected indentation");
      }
      p.statement(module);
    }
    return module;
  }

  /** A module holding one ERROR node over the bare tokens (for text too deep to parse). */
  static PyNode flat(String code) {
    PyNode error = new PyNode("ERROR", true);
    for (PyToken t : PyLexer.tokenize(code)) {
      switch (t.kind()) {
        case NAME ->
            error.add(KEYWORDS.contains(t.text()) ? t.anonymous() : t.leaf("identifier", true));
        case INTEGER -> error.add(t.leaf("integer", true));
        case FLOAT -> error.add(t.leaf("float", true));
        case STRING -> error.add(t.leaf("string", true));
        case OP -> error.add(t.anonymous());
        default -> {}
      }
    }
    PyNode module = new PyNode("module", true);
    return error.children.isEmpty() ? module : module.add(error);
  }

  /**
   * Best-effort tree for code outside the grammar, after tree-sitter's error recovery: the complete
   * statements from the top are kept, and the rest becomes one ERROR node holding, left to right,
   * the complete expressions found (or the longest valid prefix of a primary expression such as
   * {@code df.groupby} before an unclosed call; keyword arguments inside an unclosed call) and the
   * single tokens between them. Truncated generations are the common case.
   */
  static PyNode salvage(String code) {
    List<PyToken> all = PyLexer.tokenize(code);
    PyNode module = new PyNode("module", true);
    PythonParser p = new PythonParser(all);
    while (true) {
      while (p.peek().kind() == PyToken.Kind.NEWLINE) {
        p.i++;
      }
      PyToken t = p.peek();
      if (t.kind() == PyToken.Kind.END
          || t.kind() == PyToken.Kind.INDENT
          || t.kind() == PyToken.Kind.DEDENT) {
        break;
      }
      int start = p.i;
      PyNode statements = new PyNode("module", true);
      try {
        p.statement(statements);
      } catch (SyntaxError | IndexOutOfBoundsException | StackOverflowError ex) {
        p.i = start;
        break;
      }
      for (PyNode c : statements.children) {
        module.add(c);
      }
    }
    List<PyToken> rest = new ArrayList<>();
    for (PyToken t : all.subList(p.i, all.size())) {
      if (t.kind() != PyToken.Kind.NEWLINE
          && t.kind() != PyToken.Kind.INDENT
          && t.kind() != PyToken.Kind.DEDENT) {
        rest.add(t);
      }
    }
    PyNode error = errorNode(rest);
    return error.children.isEmpty() ? module : module.add(error);
  }

  private static PyNode errorNode(List<PyToken> tokens) {
    PyNode error = new PyNode("ERROR", true);
    PythonParser p = new PythonParser(tokens);
    int depth = 0; // unclosed '(' so far: inside one, name=value is a keyword argument
    while (p.peek().kind() != PyToken.Kind.END) {
      int start = p.i;
      PyNode e = null;
      try {
        if (depth > 0 && p.isName(p.peek()) && p.peek(1).is("=")) {
          e = p.argument();
        } else if (p.at("for") || p.at("if")) {
          e = p.comprehensionClause(); // a comprehension cut short keeps its clauses
        } else if (p.startsExpression() && !p.at("*") && !p.at("**")) {
          e = p.expression();
        }
      } catch (SyntaxError | IndexOutOfBoundsException | StackOverflowError ex) {
        p.i = start;
        e = p.longestPrimary();
      }
      if (e == null || p.i == start) {
        p.i = start;
        PyToken t = p.next();
        depth += t.is("(") ? 1 : t.is(")") && depth > 0 ? -1 : 0;
        e =
            switch (t.kind()) {
              case NAME -> KEYWORDS.contains(t.text()) ? t.anonymous() : t.leaf("identifier", true);
              case INTEGER -> t.leaf("integer", true);
              case FLOAT -> t.leaf("float", true);
              case STRING -> stringOrLeaf(t);
              default -> t.anonymous();
            };
      }
      error.add(e);
    }
    return error;
  }

  private static PyNode stringOrLeaf(PyToken t) {
    try {
      return PyStrings.node(t);
    } catch (SyntaxError | IndexOutOfBoundsException e) {
      return t.leaf("string", true);
    }
  }

  /** An atom and as many attribute/subscript/call steps as parse; null if the atom fails. */
  private PyNode longestPrimary() {
    int start = i;
    PyNode e;
    try {
      e = atom();
    } catch (SyntaxError | IndexOutOfBoundsException | StackOverflowError ex) {
      i = start;
      return null;
    }
    while (at(".") || at("[") || at("(")) {
      int save = i;
      try {
        PyNode longer = postfixStep(e);
        e = longer;
      } catch (SyntaxError | IndexOutOfBoundsException | StackOverflowError ex) {
        i = save;
        break;
      }
    }
    return e;
  }

  /** Parses an f-string replacement field's expression (used by {@link PyStrings}). */
  static PyNode parseEmbedded(List<PyToken> tokens) {
    PythonParser p = new PythonParser(tokens);
    PyNode first = p.starredExpression();
    if (!p.at(",")) {
      return first;
    }
    List<PyNode> items = new ArrayList<>(List.of(first));
    List<PyNode> commas = new ArrayList<>();
    while (p.at(",")) {
      commas.add(p.next().anonymous());
      if (!p.startsExpression()) {
        break;
      }
      items.add(p.starredExpression());
    }
    return sequence("expression_list", items, commas);
  }
}
