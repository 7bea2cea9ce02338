package org.peftbench.codebleu;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Statements of tree-sitter-python's grammar: simple statements (assignments, imports, print and
 * exec of Python 2, ...) and compound ones (if/for/while/try/with, function and class definitions,
 * decorators), with their suites.
 */
abstract class PythonStatements extends PythonAtoms {
  private static final Set<String> AUGMENTED =
      Set.of("+=", "-=", "*=", "/=", "@=", "//=", "%=", "**=", ">>=", "<<=", "&=", "^=", "|=");

  /** Keywords that can start the argument of a Python 2 print statement. */
  private static final Set<String> PRINT_ARGUMENT_KEYWORDS =
      Set.of("not", "lambda", "None", "True", "False");

  PythonStatements(List<PyToken> tokens) {
    super(tokens);
  }

  void statement(PyNode parent) {
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
}
