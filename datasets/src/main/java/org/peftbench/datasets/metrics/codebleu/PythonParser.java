package org.peftbench.datasets.metrics.codebleu;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.peftbench.datasets.metrics.Bleu;

/**
 * A recursive-descent Python parser that builds tree-sitter-python 0.21's concrete syntax tree
 * (node types, fields, anonymous tokens), following that grammar rather than CPython's where they
 * differ (e.g. its operator precedences, flat comparison chains, Python 2 print statements).
 * Checked node for node against tree-sitter on the CoNaLa snippets (see the tests).
 *
 * <p>Code that does not parse raises {@link SyntaxError}; tree-sitter would instead recover with
 * ERROR nodes, which are not reproduced (see {@link CodeBleu}).
 */
final class PythonParser {
  /** Code outside the grammar handled here. */
  static final class SyntaxError extends RuntimeException {
    SyntaxError(String message) {
      super(message);
    }
  }

  /**
   * Names that are never identifiers: CodeBLEU's Python keyword list less the soft keywords, which
   * this grammar reads by context ({@code async def}, {@code await x}) or not at all.
   */
  private static final Set<String> KEYWORDS = hardKeywords();

  private static Set<String> hardKeywords() {
    Set<String> s = new HashSet<>(Bleu.PYTHON_KEYWORDS);
    s.removeAll(Set.of("async", "await", "match", "case", "type"));
    return Set.copyOf(s);
  }

  private static final Set<String> AUGMENTED =
      Set.of("+=", "-=", "*=", "/=", "@=", "//=", "%=", "**=", ">>=", "<<=", "&=", "^=", "|=");

  private static final Set<String> COMPARISONS =
      Set.of("<", "<=", "==", "!=", ">=", ">", "<>", "in", "not", "is");

  /** Keywords that can start an expression. */
  private static final Set<String> EXPRESSION_KEYWORDS =
      Set.of("not", "lambda", "None", "True", "False", "await", "yield");

  /** Operators that can start an expression. */
  private static final Set<String> EXPRESSION_OPERATORS =
      Set.of("(", "[", "{", "-", "+", "~", "*", "**", "...");

  /** Keywords that can start the argument of a Python 2 print statement. */
  private static final Set<String> PRINT_ARGUMENT_KEYWORDS =
      Set.of("not", "lambda", "None", "True", "False");

  private final List<PyToken> tokens;
  private int i;

  private PythonParser(List<PyToken> tokens) {
    this.tokens = tokens;
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

  // ------------------------------------------------------------------ tokens

  private PyToken peek() {
    return tokens.get(i);
  }

  private PyToken peek(int ahead) {
    return tokens.get(Math.min(i + ahead, tokens.size() - 1));
  }

  private boolean at(String s) {
    PyToken t = peek();
    return (t.kind() == PyToken.Kind.OP || t.kind() == PyToken.Kind.NAME) && t.text().equals(s);
  }

  private PyToken next() {
    return tokens.get(i++);
  }

  private PyNode expect(String s) {
    if (!at(s)) {
      throw new SyntaxError(
          "expected '"
              + s
              + "' at "
              + peek().startRow()
              + ":"
              + peek().startCol()
              + ", found '"
              + peek().text()
              + "'");
    }
    return next().anonymous();
  }

  private boolean isName(PyToken t) {
    return t.kind() == PyToken.Kind.NAME && !KEYWORDS.contains(t.text());
  }

  // ------------------------------------------------------------------ statements

  private void statement(PyNode parent) {
    PyToken t = peek();
    if (t.kind() == PyToken.Kind.NAME) {
      switch (t.text()) {
        case "if" -> {
          parent.add(ifStatement());
          return;
        }
        case "for" -> {
          parent.add(forStatement(null));
          return;
        }
        case "while" -> {
          parent.add(whileStatement());
          return;
        }
        case "try" -> {
          parent.add(tryStatement());
          return;
        }
        case "with" -> {
          parent.add(withStatement(null));
          return;
        }
        case "def" -> {
          parent.add(functionDefinition(null));
          return;
        }
        case "class" -> {
          parent.add(classDefinition());
          return;
        }
        case "async" -> {
          String n = peek(1).text();
          if (n.equals("for") || n.equals("with") || n.equals("def")) {
            PyNode async = next().anonymous();
            parent.add(
                n.equals("for")
                    ? forStatement(async)
                    : n.equals("with") ? withStatement(async) : functionDefinition(async));
            return;
          }
        }
        default -> {}
      }
    } else if (t.is("@")) {
      parent.add(decoratedDefinition());
      return;
    }
    simpleStatements(parent);
  }

  private void simpleStatements(PyNode parent) {
    parent.add(simpleStatement());
    while (at(";")) {
      parent.add(next().anonymous());
      if (peek().kind() == PyToken.Kind.NEWLINE || peek().kind() == PyToken.Kind.END) {
        break;
      }
      parent.add(simpleStatement());
    }
    endOfLine();
  }

  private void endOfLine() {
    PyToken t = peek();
    if (t.kind() == PyToken.Kind.NEWLINE) {
      i++;
    } else if (t.kind() != PyToken.Kind.END && t.kind() != PyToken.Kind.DEDENT) {
      throw new SyntaxError(
          "unexpected '" + t.text() + "' at " + t.startRow() + ":" + t.startCol());
    }
  }

  private PyNode simpleStatement() {
    PyToken t = peek();
    if (t.kind() == PyToken.Kind.NAME) {
      switch (t.text()) {
        case "import" -> {
          PyNode n = new PyNode("import_statement", true).add(next().anonymous());
          importList(n);
          return n;
        }
        case "from" -> {
          return fromImport();
        }
        case "print" -> {
          if (startsPrintArgument(peek(1))) {
            return printStatement();
          }
        }
        case "exec" -> {
          PyToken n1 = peek(1);
          if (n1.kind() == PyToken.Kind.STRING || isName(n1)) {
            return execStatement();
          }
        }
        case "assert" -> {
          PyNode n = new PyNode("assert_statement", true).add(next().anonymous());
          n.add(expression());
          while (at(",")) {
            n.add(next().anonymous()).add(expression());
          }
          return n;
        }
        case "return" -> {
          PyNode n = new PyNode("return_statement", true).add(next().anonymous());
          if (startsExpression()) {
            n.add(expressions());
          }
          return n;
        }
        case "del" -> {
          return new PyNode("delete_statement", true).add(next().anonymous()).add(expressions());
        }
        case "raise" -> {
          PyNode n = new PyNode("raise_statement", true).add(next().anonymous());
          if (startsExpression()) {
            n.add(expressions());
          }
          if (at("from")) {
            n.add(next().anonymous()).add("cause", expression());
          }
          return n;
        }
        case "pass", "break", "continue" -> {
          return new PyNode(t.text() + "_statement", true).add(next().anonymous());
        }
        case "global", "nonlocal" -> {
          PyNode n = new PyNode(t.text() + "_statement", true).add(next().anonymous());
          n.add(identifier());
          while (at(",")) {
            n.add(next().anonymous()).add(identifier());
          }
          return n;
        }
        default -> {}
      }
    }
    return expressionStatement();
  }

  private boolean startsPrintArgument(PyToken t) {
    if (t.is(">>")) {
      return true;
    }
    return t.kind() == PyToken.Kind.STRING
        || t.kind() == PyToken.Kind.INTEGER
        || t.kind() == PyToken.Kind.FLOAT
        || (t.kind() == PyToken.Kind.NAME
            && (!KEYWORDS.contains(t.text()) || PRINT_ARGUMENT_KEYWORDS.contains(t.text())));
  }

  private PyNode printStatement() {
    PyNode n = new PyNode("print_statement", true).add(next().anonymous());
    if (at(">>")) {
      PyNode chevron = new PyNode("chevron", true).add(next().anonymous()).add(expression());
      n.add(chevron);
      while (at(",")) {
        n.add(next().anonymous());
        if (!startsExpression()) {
          return n;
        }
        n.add("argument", expression());
      }
      return n;
    }
    n.add("argument", expression());
    while (at(",")) {
      n.add(next().anonymous());
      if (!startsExpression()) {
        break;
      }
      n.add("argument", expression());
    }
    return n;
  }

  private PyNode execStatement() {
    PyNode n = new PyNode("exec_statement", true).add(next().anonymous());
    PyToken t = peek();
    n.add("code", t.kind() == PyToken.Kind.STRING ? string() : identifier());
    if (at("in")) {
      n.add(next().anonymous()).add(expression());
      while (at(",")) {
        n.add(next().anonymous()).add(expression());
      }
    }
    return n;
  }

  private PyNode identifier() {
    PyToken t = peek();
    if (t.kind() != PyToken.Kind.NAME || KEYWORDS.contains(t.text())) {
      throw new SyntaxError("expected a name, found '" + t.text() + "'");
    }
    return next().leaf("identifier", true);
  }

  private PyNode dottedName() {
    PyNode n = new PyNode("dotted_name", true).add(identifier());
    while (at(".") && isName(peek(1))) {
      n.add(next().anonymous()).add(identifier());
    }
    return n;
  }

  private void importList(PyNode parent) {
    parent.add("name", importName());
    while (at(",")) {
      parent.add(next().anonymous());
      if (!isName(peek())) {
        break;
      }
      parent.add("name", importName());
    }
  }

  private PyNode importName() {
    PyNode dotted = dottedName();
    if (at("as")) {
      PyNode alias = new PyNode("aliased_import", true).add("name", dotted);
      alias.add(next().anonymous()).add("alias", identifier());
      return alias;
    }
    return dotted;
  }

  private PyNode fromImport() {
    PyToken from = next();
    if (at("__future__")) {
      PyNode n = new PyNode("future_import_statement", true).add(from.anonymous());
      n.add(next().anonymous()).add(expect("import"));
      importTail(n);
      return n;
    }
    PyNode n = new PyNode("import_from_statement", true).add(from.anonymous());
    if (at(".") || at("...")) {
      PyNode relative = new PyNode("relative_import", true);
      PyNode prefix = new PyNode("import_prefix", true);
      while (at(".") || at("...")) {
        PyToken dot = next();
        if (dot.text().equals("...")) {
          // tree-sitter's import_prefix is a run of '.' tokens
          for (int k = 0; k < 3; k++) {
            PyNode d = new PyNode(".", false);
            d.startRow = d.endRow = dot.startRow();
            d.startCol = dot.startCol() + k;
            d.endCol = d.startCol + 1;
            prefix.add(d);
          }
        } else {
          prefix.add(dot.anonymous());
        }
      }
      relative.add(prefix);
      if (isName(peek())) {
        relative.add(dottedName());
      }
      n.add("module_name", relative);
    } else {
      n.add("module_name", dottedName());
    }
    n.add(expect("import"));
    if (at("*")) {
      n.add(new PyNode("wildcard_import", true).add(next().anonymous()));
      return n;
    }
    importTail(n);
    return n;
  }

  private void importTail(PyNode n) {
    if (at("(")) {
      n.add(next().anonymous());
      importList(n);
      n.add(expect(")"));
    } else {
      importList(n);
    }
  }

  /** expression_statement: expressions, an assignment, an augmented assignment or a yield. */
  private PyNode expressionStatement() {
    PyNode stmt = new PyNode("expression_statement", true);
    if (at("yield")) {
      return stmt.add(yieldExpression());
    }
    List<PyNode> items = new ArrayList<>();
    List<PyNode> commas = new ArrayList<>();
    items.add(starredExpression());
    while (at(",")) {
      commas.add(next().anonymous());
      if (!startsExpression()) {
        break;
      }
      items.add(starredExpression());
    }
    boolean list = !commas.isEmpty();
    if (at("=") || (at(":") && !list) || AUGMENTED.contains(peek().text())) {
      PyNode left = list ? patternList(items, commas) : toPattern(items.get(0));
      return stmt.add(assignmentAfterLeft(left));
    }
    for (int k = 0; k < items.size(); k++) {
      stmt.add(items.get(k));
      if (k < commas.size()) {
        stmt.add(commas.get(k));
      }
    }
    return stmt;
  }

  private PyNode assignmentAfterLeft(PyNode left) {
    if (AUGMENTED.contains(peek().text()) && peek().kind() == PyToken.Kind.OP) {
      PyNode n = new PyNode("augmented_assignment", true).add("left", left);
      n.add("operator", next().anonymous());
      n.add("right", rightHandSide());
      return n;
    }
    PyNode n = new PyNode("assignment", true).add("left", left);
    if (at(":")) {
      n.add(next().anonymous()).add("type", type());
      if (!at("=")) {
        return n;
      }
    }
    n.add(expect("=")).add("right", rightHandSide());
    return n;
  }

  /** _right_hand_side: an expression (list), a chained assignment, or a yield. */
  private PyNode rightHandSide() {
    if (at("yield")) {
      return yieldExpression();
    }
    List<PyNode> items = new ArrayList<>();
    List<PyNode> commas = new ArrayList<>();
    items.add(starredExpression());
    while (at(",")) {
      commas.add(next().anonymous());
      if (!startsExpression()) {
        break;
      }
      items.add(starredExpression());
    }
    boolean list = !commas.isEmpty();
    if (at("=") || AUGMENTED.contains(peek().text())) {
      PyNode left = list ? patternList(items, commas) : toPattern(items.get(0));
      return assignmentAfterLeft(left);
    }
    return list ? sequence("expression_list", items, commas) : items.get(0);
  }

  private PyNode yieldExpression() {
    PyNode n = new PyNode("yield", true).add(next().anonymous());
    if (at("from")) {
      return n.add(next().anonymous()).add(expression());
    }
    if (startsExpression()) {
      n.add(expressions());
    }
    return n;
  }

  private static PyNode sequence(String type, List<PyNode> items, List<PyNode> commas) {
    PyNode n = new PyNode(type, true);
    for (int k = 0; k < items.size(); k++) {
      n.add(items.get(k));
      if (k < commas.size()) {
        n.add(commas.get(k));
      }
    }
    return n;
  }

  private PyNode patternList(List<PyNode> items, List<PyNode> commas) {
    List<PyNode> patterns = new ArrayList<>();
    for (PyNode item : items) {
      patterns.add(toPattern(item));
    }
    return sequence("pattern_list", patterns, commas);
  }

  /**
   * Re-labels an expression parsed on the left of '=' (or after 'for') as tree-sitter's pattern.
   */
  private PyNode toPattern(PyNode e) {
    switch (e.type) {
      case "identifier", "attribute", "subscript", "list_splat_pattern" -> {
        return e;
      }
      case "list_splat" -> {
        return relabel(e, "list_splat_pattern");
      }
      case "tuple", "list" -> {
        PyNode p = relabel(e, e.type.equals("tuple") ? "tuple_pattern" : "list_pattern");
        for (int k = 0; k < p.children.size(); k++) {
          PyNode c = p.children.get(k);
          if (c.named) {
            p.children.set(k, toPattern(c));
          }
        }
        return p;
      }
      case "parenthesized_expression" -> {
        // tree-sitter reads "(a) = ..." as a one-element tuple pattern
        PyNode p = relabel(e, "tuple_pattern");
        for (int k = 0; k < p.children.size(); k++) {
          if (p.children.get(k).named) {
            p.children.set(k, toPattern(p.children.get(k)));
          }
        }
        return p;
      }
      default -> throw new SyntaxError("cannot assign to " + e.type);
    }
  }

  private static PyNode relabel(PyNode e, String type) {
    PyNode n = new PyNode(type, true);
    n.field = e.field;
    n.children.addAll(e.children);
    n.startRow = e.startRow;
    n.startCol = e.startCol;
    n.endRow = e.endRow;
    n.endCol = e.endCol;
    return n;
  }

  /** _expressions: one expression, or an expression_list when commas follow. */
  private PyNode expressions() {
    PyNode first = starredExpression();
    if (!at(",")) {
      return first;
    }
    List<PyNode> items = new ArrayList<>(List.of(first));
    List<PyNode> commas = new ArrayList<>();
    while (at(",")) {
      commas.add(next().anonymous());
      if (!startsExpression()) {
        break;
      }
      items.add(starredExpression());
    }
    return sequence("expression_list", items, commas);
  }

  private PyNode suite() {
    if (peek().kind() == PyToken.Kind.NEWLINE) {
      PyToken newline = next();
      if (peek().kind() != PyToken.Kind.INDENT) {
        // tree-sitter accepts a bare newline as an empty block (the next lines are not its body)
        return newline.leaf("block", true);
      }
      i++;
      PyNode block = new PyNode("block", true);
      while (peek().kind() != PyToken.Kind.DEDENT && peek().kind() != PyToken.Kind.END) {
        if (peek().kind() == PyToken.Kind.NEWLINE) {
          i++;
          continue;
        }
        statement(block);
      }
      if (peek().kind() == PyToken.Kind.DEDENT) {
        i++;
      }
      return block;
    }
    PyNode block = new PyNode("block", true);
    simpleStatements(block);
    return block;
  }

  private PyNode ifStatement() {
    PyNode n = new PyNode("if_statement", true).add(next().anonymous());
    n.add("condition", expression()).add(expect(":")).add("consequence", suite());
    while (at("elif")) {
      PyNode elif = new PyNode("elif_clause", true).add(next().anonymous());
      elif.add("condition", expression()).add(expect(":")).add("consequence", suite());
      n.add("alternative", elif);
    }
    if (at("else")) {
      n.add("alternative", elseClause());
    }
    return n;
  }

  private PyNode elseClause() {
    PyNode e = new PyNode("else_clause", true).add(next().anonymous());
    return e.add(expect(":")).add("body", suite());
  }

  private PyNode forStatement(PyNode async) {
    PyNode n = new PyNode("for_statement", true).add(async).add(expect("for"));
    n.add("left", targets()).add(expect("in")).add("right", expressions());
    n.add(expect(":")).add("body", suite());
    if (at("else")) {
      n.add("alternative", elseClause());
    }
    return n;
  }

  /**
   * A for-loop target: one pattern or a pattern_list (parsed below comparisons, so 'in' ends it).
   */
  private PyNode targets() {
    List<PyNode> items = new ArrayList<>();
    List<PyNode> commas = new ArrayList<>();
    items.add(toPattern(target()));
    while (at(",")) {
      commas.add(next().anonymous());
      if (at("in")) {
        break;
      }
      items.add(toPattern(target()));
    }
    return commas.isEmpty() ? items.get(0) : sequence("pattern_list", items, commas);
  }

  private PyNode target() {
    if (at("*")) {
      return new PyNode("list_splat_pattern", true).add(next().anonymous()).add(binary(14));
    }
    return binary(14);
  }

  private PyNode whileStatement() {
    PyNode n = new PyNode("while_statement", true).add(next().anonymous());
    n.add("condition", expression()).add(expect(":")).add("body", suite());
    if (at("else")) {
      n.add("alternative", elseClause());
    }
    return n;
  }

  private PyNode tryStatement() {
    PyNode n = new PyNode("try_statement", true).add(next().anonymous());
    n.add(expect(":")).add("body", suite());
    while (at("except")) {
      PyNode clause = new PyNode("except_clause", true).add(next().anonymous());
      if (!at(":")) {
        PyNode value = expression();
        if (at("as")) {
          PyNode as = new PyNode("as_pattern", true).add(value).add(next().anonymous());
          value = as.add("alias", new PyNode("as_pattern_target", true).add(expression()));
          clause.add(value);
        } else if (at(",")) {
          clause.add(value).add(next().anonymous()).add(expression());
        } else {
          clause.add(value);
        }
      }
      clause.add(expect(":")).add(suite());
      n.add(clause);
    }
    if (at("else")) {
      n.add(elseClause());
    }
    if (at("finally")) {
      PyNode f = new PyNode("finally_clause", true).add(next().anonymous());
      n.add(f.add(expect(":")).add(suite()));
    }
    return n;
  }

  private PyNode withStatement(PyNode async) {
    PyNode n = new PyNode("with_statement", true).add(async).add(expect("with"));
    PyNode clause = new PyNode("with_clause", true);
    boolean parenthesized = at("(") && parenthesizedWithItems();
    if (parenthesized) {
      clause.add(next().anonymous());
    }
    clause.add(withItem());
    while (at(",")) {
      clause.add(next().anonymous());
      if (at(":") || at(")")) {
        break;
      }
      clause.add(withItem());
    }
    if (parenthesized) {
      clause.add(expect(")"));
    }
    n.add(clause).add(expect(":")).add("body", suite());
    return n;
  }

  /** "with (a as b, c):" groups items; "with (a, b):" is a tuple; scan to the matching ')'. */
  private boolean parenthesizedWithItems() {
    int depth = 0;
    boolean sawAs = false;
    for (int k = i; k < tokens.size(); k++) {
      PyToken t = tokens.get(k);
      if (t.is("(") || t.is("[") || t.is("{")) {
        depth++;
      } else if (t.is(")") || t.is("]") || t.is("}")) {
        depth--;
        if (depth == 0) {
          return sawAs && tokens.get(k + 1).is(":");
        }
      } else if (depth == 1 && t.is("as")) {
        sawAs = true;
      }
    }
    return false;
  }

  private PyNode withItem() {
    PyNode item = new PyNode("with_item", true);
    PyNode value = expression();
    if (at("as")) {
      PyNode as = new PyNode("as_pattern", true).add(value).add(next().anonymous());
      as.add("alias", new PyNode("as_pattern_target", true).add(expression()));
      value = as;
    }
    return item.add("value", value);
  }

  private PyNode functionDefinition(PyNode async) {
    PyNode n = new PyNode("function_definition", true).add(async).add(expect("def"));
    n.add("name", identifier());
    PyNode params = new PyNode("parameters", true).add(expect("("));
    parameters(params, ")", true);
    n.add("parameters", params.add(expect(")")));
    if (at("->")) {
      n.add(next().anonymous()).add("return_type", type());
    }
    return n.add(expect(":")).add("body", suite());
  }

  /** The parameters up to {@code end} (')' for def, ':' for lambda), into {@code parent}. */
  private void parameters(PyNode parent, String end, boolean typed) {
    while (!at(end)) {
      parent.add(parameter(typed));
      if (at(",")) {
        parent.add(next().anonymous());
      } else {
        break;
      }
    }
  }

  private PyNode parameter(boolean typed) {
    if (at("/")) {
      return new PyNode("positional_separator", true).add(next().anonymous());
    }
    if (at("*") || at("**")) {
      PyToken star = next();
      if (star.text().equals("*") && (at(",") || at(")") || at(":"))) {
        return new PyNode("keyword_separator", true).add(star.anonymous());
      }
      PyNode splat =
          new PyNode(
                  star.text().equals("*") ? "list_splat_pattern" : "dictionary_splat_pattern", true)
              .add(star.anonymous())
              .add(identifier());
      if (typed && at(":")) {
        return new PyNode("typed_parameter", true)
            .add(splat)
            .add(next().anonymous())
            .add("type", type());
      }
      return splat;
    }
    if (at("(")) {
      // Python 2 tuple parameter
      PyNode tuple = new PyNode("tuple_pattern", true).add(next().anonymous());
      while (!at(")")) {
        tuple.add(toPattern(target()));
        if (at(",")) {
          tuple.add(next().anonymous());
        } else {
          break;
        }
      }
      return tuple.add(expect(")"));
    }
    PyNode name = identifier();
    if (typed && at(":")) {
      PyNode colon = next().anonymous();
      PyNode type = type();
      if (at("=")) {
        PyNode n =
            new PyNode("typed_default_parameter", true)
                .add("name", name)
                .add(colon)
                .add("type", type);
        return n.add(next().anonymous()).add("value", expression());
      }
      return new PyNode("typed_parameter", true).add(name).add(colon).add("type", type);
    }
    if (at("=")) {
      PyNode n = new PyNode("default_parameter", true).add("name", name).add(next().anonymous());
      return n.add("value", expression());
    }
    return name;
  }

  private PyNode type() {
    return typeOf(expression());
  }

  /** tree-sitter's type: name[args] becomes generic_type (with a type per argument). */
  private static PyNode typeOf(PyNode e) {
    PyNode type = new PyNode("type", true);
    if (e.type.equals("subscript") && e.children.get(0).type.equals("identifier")) {
      PyNode generic = new PyNode("generic_type", true);
      PyNode name = e.children.get(0);
      name.field = null;
      generic.add(name);
      PyNode parameter = new PyNode("type_parameter", true);
      for (int k = 1; k < e.children.size(); k++) {
        PyNode c = e.children.get(k);
        if (c.named) {
          c.field = null;
          parameter.add(typeOf(c));
        } else {
          parameter.add(c);
        }
      }
      return type.add(generic.add(parameter));
    }
    return type.add(e);
  }

  private PyNode classDefinition() {
    PyNode n = new PyNode("class_definition", true).add(next().anonymous());
    n.add("name", identifier());
    if (at("(")) {
      n.add("superclasses", argumentList());
    }
    return n.add(expect(":")).add("body", suite());
  }

  private PyNode decoratedDefinition() {
    PyNode n = new PyNode("decorated_definition", true);
    while (at("@")) {
      PyNode d = new PyNode("decorator", true).add(next().anonymous()).add(expression());
      n.add(d);
      if (peek().kind() != PyToken.Kind.NEWLINE) {
        throw new SyntaxError("expected a newline after a decorator");
      }
      i++;
    }
    if (at("class")) {
      return n.add("definition", classDefinition());
    }
    PyNode async = at("async") ? next().anonymous() : null;
    return n.add("definition", functionDefinition(async));
  }

  // ------------------------------------------------------------------ expressions

  private boolean startsExpression() {
    PyToken t = peek();
    return switch (t.kind()) {
      case STRING, INTEGER, FLOAT -> true;
      case NAME -> !KEYWORDS.contains(t.text()) || EXPRESSION_KEYWORDS.contains(t.text());
      case OP -> EXPRESSION_OPERATORS.contains(t.text());
      default -> false;
    };
  }

  /** An expression, or '*expr' (list_splat) where a starred item may stand. */
  private PyNode starredExpression() {
    if (at("*")) {
      return new PyNode("list_splat", true).add(next().anonymous()).add(expression());
    }
    return expression();
  }

  /** expression: lambda, conditional, named expression or anything below. */
  PyNode expression() {
    if (at("lambda")) {
      return lambda(true);
    }
    if (isName(peek()) && peek(1).is(":=")) {
      PyNode n = new PyNode("named_expression", true).add("name", identifier());
      return n.add(next().anonymous()).add("value", expression());
    }
    PyNode e = disjunction();
    if (at("if") && hasElseAhead()) {
      PyNode c = new PyNode("conditional_expression", true).add(e).add(next().anonymous());
      c.add(disjunction()).add(expect("else")).add(expression());
      return c;
    }
    return e;
  }

  /**
   * Whether an 'else' follows at this bracket depth before the expression ends (else: if_clause).
   */
  private boolean hasElseAhead() {
    int depth = 0;
    for (int k = i + 1; k < tokens.size(); k++) {
      PyToken t = tokens.get(k);
      if (t.kind() == PyToken.Kind.NEWLINE || t.kind() == PyToken.Kind.END) {
        return false;
      }
      if (t.is("(") || t.is("[") || t.is("{")) {
        depth++;
      } else if (t.is(")") || t.is("]") || t.is("}")) {
        if (depth == 0) {
          return false;
        }
        depth--;
      } else if (depth == 0 && (t.is("for") || t.is(",") || t.is(":") || t.is("if"))) {
        return false;
      } else if (depth == 0 && t.is("else")) {
        return true;
      }
    }
    return false;
  }

  private PyNode lambda(boolean allowConditional) {
    PyNode n = new PyNode("lambda", true).add(next().anonymous());
    if (!at(":")) {
      PyNode params = new PyNode("lambda_parameters", true);
      parameters(params, ":", false);
      n.add("parameters", params);
    }
    n.add(expect(":"));
    return n.add("body", allowConditional ? expression() : disjunction());
  }

  private PyNode disjunction() {
    PyNode left = conjunction();
    while (at("or")) {
      PyNode n = new PyNode("boolean_operator", true).add("left", left);
      n.add("operator", next().anonymous()).add("right", conjunction());
      left = n;
    }
    return left;
  }

  private PyNode conjunction() {
    PyNode left = inversion();
    while (at("and")) {
      PyNode n = new PyNode("boolean_operator", true).add("left", left);
      n.add("operator", next().anonymous()).add("right", inversion());
      left = n;
    }
    return left;
  }

  private PyNode inversion() {
    if (at("not")) {
      return new PyNode("not_operator", true).add(next().anonymous()).add("argument", inversion());
    }
    return comparison();
  }

  private PyNode comparison() {
    PyNode first = binary(14);
    if (!isComparisonOperator()) {
      return first;
    }
    PyNode n = new PyNode("comparison_operator", true).add(first);
    while (isComparisonOperator()) {
      PyToken op = next();
      if (op.text().equals("not") || (op.text().equals("is") && at("not"))) {
        // tree-sitter aliases "not in" / "is not" and gives both words that type
        String type = op.text().equals("not") ? "not in" : "is not";
        PyToken second = op.text().equals("not") ? next() : next();
        n.add("operators", op.leaf(type, false));
        n.add("operators", second.leaf(type, false));
      } else {
        n.add("operators", op.anonymous());
      }
      n.add(binary(14));
    }
    return n;
  }

  private boolean isComparisonOperator() {
    PyToken t = peek();
    if (!COMPARISONS.contains(t.text()) || t.kind() == PyToken.Kind.STRING) {
      return false;
    }
    if (t.text().equals("not")) {
      return peek(1).is("in");
    }
    return t.kind() == PyToken.Kind.OP || t.kind() == PyToken.Kind.NAME;
  }

  /** tree-sitter's binary operator precedences (bitwise or 14 ... power 21). */
  private static int precedence(PyToken t) {
    if (t.kind() != PyToken.Kind.OP) {
      return -1;
    }
    return switch (t.text()) {
      case "|" -> 14;
      case "&" -> 15;
      case "^" -> 16;
      case "<<", ">>" -> 17;
      case "+", "-" -> 18;
      case "*", "@", "/", "%", "//" -> 19;
      case "**" -> 21;
      default -> -1;
    };
  }

  /** Binary operators of precedence >= {@code min}, by precedence climbing; ** is right-assoc. */
  private PyNode binary(int min) {
    PyNode left = unary();
    while (true) {
      int p = precedence(peek());
      if (p < min) {
        return left;
      }
      PyNode n = new PyNode("binary_operator", true).add("left", left);
      n.add("operator", next().anonymous());
      n.add("right", p == 21 ? binary(21) : binary(p + 1));
      left = n;
    }
  }

  private PyNode unary() {
    if (at("-") || at("+") || at("~")) {
      PyNode n = new PyNode("unary_operator", true).add("operator", next().anonymous());
      return n.add("argument", binary(20));
    }
    if (at("await")) {
      return new PyNode("await", true).add(next().anonymous()).add(binary(20));
    }
    return postfix(atom());
  }

  private PyNode postfix(PyNode e) {
    while (at(".") || at("[") || at("(")) {
      e = postfixStep(e);
    }
    return e;
  }

  /** One attribute access, subscript or call applied to {@code e}. */
  private PyNode postfixStep(PyNode e) {
    if (at(".")) {
      PyNode n = new PyNode("attribute", true).add("object", e).add(next().anonymous());
      return n.add("attribute", identifierOrKeyword());
    }
    if (at("[")) {
      PyNode n = new PyNode("subscript", true).add("value", e).add(next().anonymous());
      n.add("subscript", subscriptItem());
      while (at(",")) {
        n.add(next().anonymous());
        if (at("]")) {
          break;
        }
        n.add("subscript", subscriptItem());
      }
      return n.add(expect("]"));
    }
    PyNode n = new PyNode("call", true).add("function", e);
    return n.add("arguments", argumentsOrGenerator());
  }

  /** After '.', Python 2 code may use names such as "print" or "exec" as attributes. */
  private PyNode identifierOrKeyword() {
    PyToken t = peek();
    if (t.kind() == PyToken.Kind.NAME) {
      return next().leaf("identifier", true);
    }
    throw new SyntaxError("expected an attribute name, found '" + t.text() + "'");
  }

  private PyNode subscriptItem() {
    PyNode start = null;
    if (!at(":")) {
      start = expression();
      if (!at(":")) {
        return start;
      }
    }
    PyNode slice = new PyNode("slice", true);
    if (start != null) {
      slice.add(start);
    }
    slice.add(expect(":"));
    if (!at(":") && !at("]") && !at(",")) {
      slice.add(expression());
    }
    if (at(":")) {
      slice.add(next().anonymous());
      if (!at("]") && !at(",")) {
        slice.add(expression());
      }
    }
    return slice;
  }

  /**
   * A call's arguments, or a generator_expression when the call's parentheses hold one ({@code f(x
   * for x in y)}). The first argument is parsed once, so nested calls stay linear.
   */
  private PyNode argumentsOrGenerator() {
    PyNode open = expect("(");
    PyNode list = new PyNode("argument_list", true).add(open);
    if (at(")")) {
      return list.add(next().anonymous());
    }
    PyNode first = argument();
    boolean plain =
        !first.type.equals("keyword_argument")
            && !first.type.equals("list_splat")
            && !first.type.equals("dictionary_splat");
    if (plain && (at("for") || (at("async") && peek(1).is("for")))) {
      PyNode g = new PyNode("generator_expression", true).add(open).add("body", first);
      comprehensionClauses(g);
      return g.add(expect(")"));
    }
    list.add(first);
    while (at(",")) {
      list.add(next().anonymous());
      if (at(")")) {
        break;
      }
      list.add(argument());
    }
    return list.add(expect(")"));
  }

  private PyNode argumentList() {
    PyNode n = new PyNode("argument_list", true).add(expect("("));
    while (!at(")")) {
      n.add(argument());
      if (at(",")) {
        n.add(next().anonymous());
      } else {
        break;
      }
    }
    return n.add(expect(")"));
  }

  private PyNode argument() {
    if (at("*")) {
      return new PyNode("list_splat", true).add(next().anonymous()).add(expression());
    }
    if (at("**")) {
      return new PyNode("dictionary_splat", true).add(next().anonymous()).add(expression());
    }
    if (peek().kind() == PyToken.Kind.NAME
        && peek(1).is("=")
        && !KEYWORDS.contains(peek().text())) {
      PyNode n = new PyNode("keyword_argument", true).add("name", identifier());
      return n.add(next().anonymous()).add("value", expression());
    }
    return expression();
  }

  private void comprehensionClauses(PyNode parent) {
    while (at("for") || at("if") || (at("async") && peek(1).is("for"))) {
      parent.add(comprehensionClause());
    }
  }

  /** One for_in_clause or if_clause of a comprehension. */
  private PyNode comprehensionClause() {
    if (at("if")) {
      PyNode clause = new PyNode("if_clause", true).add(next().anonymous());
      return clause.add(disjunctionOrLambda());
    }
    PyNode clause = new PyNode("for_in_clause", true);
    if (at("async")) {
      clause.add(next().anonymous());
    }
    clause.add(expect("for")).add("left", targets()).add(expect("in"));
    clause.add("right", disjunctionOrLambda());
    while (at(",") && !peek(1).is(")") && !peek(1).is("]") && !peek(1).is("}")) {
      clause.add(next().anonymous()).add("right", disjunctionOrLambda());
    }
    if (at(",")) {
      clause.add(next().anonymous());
    }
    return clause;
  }

  private PyNode disjunctionOrLambda() {
    return at("lambda") ? lambda(false) : disjunction();
  }

  private PyNode atom() {
    PyToken t = peek();
    switch (t.kind()) {
      case INTEGER -> {
        return next().leaf("integer", true);
      }
      case FLOAT -> {
        return next().leaf("float", true);
      }
      case STRING -> {
        PyNode s = string();
        if (peek().kind() != PyToken.Kind.STRING) {
          return s;
        }
        PyNode c = new PyNode("concatenated_string", true).add(s);
        while (peek().kind() == PyToken.Kind.STRING) {
          c.add(string());
        }
        return c;
      }
      case NAME -> {
        switch (t.text()) {
          case "True" -> {
            return next().leaf("true", true);
          }
          case "False" -> {
            return next().leaf("false", true);
          }
          case "None" -> {
            return next().leaf("none", true);
          }
          case "lambda" -> {
            return lambda(true);
          }
          default -> {
            if (KEYWORDS.contains(t.text())) {
              throw new SyntaxError("unexpected keyword '" + t.text() + "'");
            }
            return next().leaf("identifier", true);
          }
        }
      }
      case OP -> {
        switch (t.text()) {
          case "(" -> {
            return parenthesized();
          }
          case "[" -> {
            return bracketed("[", "]", "list", "list_comprehension");
          }
          case "{" -> {
            return braced();
          }
          case "..." -> {
            return next().leaf("ellipsis", true);
          }
          case "*" -> {
            return new PyNode("list_splat", true).add(next().anonymous()).add(binary(14));
          }
          default ->
              throw new SyntaxError(
                  "unexpected '" + t.text() + "' at " + t.startRow() + ":" + t.startCol());
        }
      }
      default -> throw new SyntaxError("unexpected end of code");
    }
  }

  private PyNode collectionItem() {
    if (at("yield")) {
      return yieldExpression();
    }
    return starredExpression();
  }

  private PyNode parenthesized() {
    PyNode open = next().anonymous();
    if (at(")")) {
      return new PyNode("tuple", true).add(open).add(next().anonymous());
    }
    PyNode first = collectionItem();
    if (at("for") || (at("async") && peek(1).is("for"))) {
      PyNode g = new PyNode("generator_expression", true).add(open).add("body", first);
      comprehensionClauses(g);
      return g.add(expect(")"));
    }
    if (at(")") && !first.type.equals("list_splat")) {
      return new PyNode("parenthesized_expression", true)
          .add(open)
          .add(first)
          .add(next().anonymous());
    }
    PyNode tuple = new PyNode("tuple", true).add(open).add(first);
    while (at(",")) {
      tuple.add(next().anonymous());
      if (at(")")) {
        break;
      }
      tuple.add(collectionItem());
    }
    return tuple.add(expect(")"));
  }

  private PyNode bracketed(String open, String close, String type, String comprehension) {
    PyNode o = next().anonymous();
    if (at(close)) {
      return new PyNode(type, true).add(o).add(next().anonymous());
    }
    PyNode first = collectionItem();
    if (at("for") || (at("async") && peek(1).is("for"))) {
      PyNode c = new PyNode(comprehension, true).add(o).add("body", first);
      comprehensionClauses(c);
      return c.add(expect(close));
    }
    PyNode n = new PyNode(type, true).add(o).add(first);
    while (at(",")) {
      n.add(next().anonymous());
      if (at(close)) {
        break;
      }
      n.add(collectionItem());
    }
    return n.add(expect(close));
  }

  private PyNode braced() {
    PyNode open = next().anonymous();
    if (at("}")) {
      return new PyNode("dictionary", true).add(open).add(next().anonymous());
    }
    if (at("**")) {
      return dictionaryRest(
          open, new PyNode("dictionary_splat", true).add(next().anonymous()).add(expression()));
    }
    PyNode first = collectionItem();
    if (at(":")) {
      PyNode pair = new PyNode("pair", true).add("key", first).add(next().anonymous());
      pair.add("value", expression());
      if (at("for") || (at("async") && peek(1).is("for"))) {
        PyNode c = new PyNode("dictionary_comprehension", true).add(open).add("body", pair);
        comprehensionClauses(c);
        return c.add(expect("}"));
      }
      return dictionaryRest(open, pair);
    }
    if (at("for") || (at("async") && peek(1).is("for"))) {
      PyNode c = new PyNode("set_comprehension", true).add(open).add("body", first);
      comprehensionClauses(c);
      return c.add(expect("}"));
    }
    PyNode set = new PyNode("set", true).add(open).add(first);
    while (at(",")) {
      set.add(next().anonymous());
      if (at("}")) {
        break;
      }
      set.add(collectionItem());
    }
    return set.add(expect("}"));
  }

  private PyNode dictionaryRest(PyNode open, PyNode first) {
    PyNode d = new PyNode("dictionary", true).add(open).add(first);
    while (at(",")) {
      d.add(next().anonymous());
      if (at("}")) {
        break;
      }
      if (at("**")) {
        d.add(new PyNode("dictionary_splat", true).add(next().anonymous()).add(expression()));
      } else {
        PyNode pair = new PyNode("pair", true).add("key", expression()).add(expect(":"));
        d.add(pair.add("value", expression()));
      }
    }
    return d.add(expect("}"));
  }

  private PyNode string() {
    return PyStrings.node(next());
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
