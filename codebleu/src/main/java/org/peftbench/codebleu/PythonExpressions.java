package org.peftbench.codebleu;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Expressions of tree-sitter-python's grammar: conditional and lambda expressions, boolean and
 * comparison chains, binary operators by precedence, unary and postfix forms (calls, subscripts,
 * attributes), arguments, comprehensions, and the targets, patterns and parameter lists that
 * statements and lambdas share. Atoms (literals, brackets) come from {@link PythonAtoms}.
 */
abstract class PythonExpressions extends PyTokenCursor {
  private static final Set<String> COMPARISONS =
      Set.of("<", "<=", "==", "!=", ">=", ">", "<>", "in", "not", "is");

  /** Keywords that can start an expression. */
  private static final Set<String> EXPRESSION_KEYWORDS =
      Set.of("not", "lambda", "None", "True", "False", "await", "yield");

  /** Operators that can start an expression. */
  private static final Set<String> EXPRESSION_OPERATORS =
      Set.of("(", "[", "{", "-", "+", "~", "*", "**", "...");

  PythonExpressions(List<PyToken> tokens) {
    super(tokens);
  }

  /** Defined in a subclass. */
  abstract PyNode atom();

  PyNode yieldExpression() {
    PyNode n = new PyNode("yield", true).add(next().anonymous());
    if (at("from")) {
      return n.add(next().anonymous()).add(expression());
    }
    if (startsExpression()) {
      n.add(expressions());
    }
    return n;
  }

  static PyNode sequence(String type, List<PyNode> items, List<PyNode> commas) {
    PyNode n = new PyNode(type, true);
    for (int k = 0; k < items.size(); k++) {
      n.add(items.get(k));
      if (k < commas.size()) {
        n.add(commas.get(k));
      }
    }
    return n;
  }

  PyNode patternList(List<PyNode> items, List<PyNode> commas) {
    List<PyNode> patterns = new ArrayList<>();
    for (PyNode item : items) {
      patterns.add(toPattern(item));
    }
    return sequence("pattern_list", patterns, commas);
  }

  /**
   * Re-labels an expression parsed on the left of '=' (or after 'for') as tree-sitter's pattern.
   */
  PyNode toPattern(PyNode e) {
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
  PyNode expressions() {
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

  /**
   * A for-loop target: one pattern or a pattern_list (parsed below comparisons, so 'in' ends it).
   */
  PyNode targets() {
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

  /** The parameters up to {@code end} (')' for def, ':' for lambda), into {@code parent}. */
  void parameters(PyNode parent, String end, boolean typed) {
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

  PyNode type() {
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

  boolean startsExpression() {
    PyToken t = peek();
    return switch (t.kind()) {
      case STRING, INTEGER, FLOAT -> true;
      case NAME -> !KEYWORDS.contains(t.text()) || EXPRESSION_KEYWORDS.contains(t.text());
      case OP -> EXPRESSION_OPERATORS.contains(t.text());
      default -> false;
    };
  }

  /** An expression, or '*expr' (list_splat) where a starred item may stand. */
  PyNode starredExpression() {
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

  PyNode lambda(boolean allowConditional) {
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
  PyNode binary(int min) {
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
  PyNode postfixStep(PyNode e) {
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

  PyNode argumentList() {
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

  PyNode argument() {
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

  void comprehensionClauses(PyNode parent) {
    while (at("for") || at("if") || (at("async") && peek(1).is("for"))) {
      parent.add(comprehensionClause());
    }
  }

  /** One for_in_clause or if_clause of a comprehension. */
  PyNode comprehensionClause() {
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
}
