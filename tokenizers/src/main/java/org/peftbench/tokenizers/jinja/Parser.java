package org.peftbench.tokenizers.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.peftbench.tokenizers.jinja.Node.Expr;
import org.peftbench.tokenizers.jinja.Node.Stmt;
import org.peftbench.tokenizers.jinja.Token.Type;

/**
 * Recursive-descent parser with Jinja2's grammar and precedence (lowest first): {@code x if c else
 * y}, {@code or}, {@code and}, {@code not}, comparisons and {@code in}, {@code + -}, {@code ~},
 * {@code * / // %}, {@code **}, unary {@code -}, then postfix {@code .a [i] (args) | filter is
 * test}. So {@code not x is defined} is {@code not (x is defined)} and {@code a + b | trim} trims
 * only {@code b}, as in Jinja2. Tags that would reach outside the template ({@code include}, {@code
 * import}, {@code extends}, ...) are rejected.
 */
final class Parser {
  private static final Set<String> FORBIDDEN_TAGS =
      Set.of("include", "import", "from", "extends", "block", "call", "filter", "with", "do");

  private final List<Token> tokens;
  private final int maxNesting;
  private int pos;
  private int nesting;

  private Parser(List<Token> tokens, int maxNesting) {
    this.tokens = tokens;
    this.maxNesting = maxNesting;
  }

  static List<Stmt> parse(String template, Limits limits) {
    Parser p = new Parser(Lexer.tokenize(template), limits.maxNesting());
    List<Stmt> body = p.statements(Set.of());
    if (p.cur().type() != Type.EOF) {
      Token t = p.cur();
      throw TemplateException.syntax(t.line(), "unexpected tag '" + t.text() + "'");
    }
    return body;
  }

  // ---- token helpers ----

  private Token cur() {
    return tokens.get(pos);
  }

  private Token peek(int k) {
    return tokens.get(Math.min(pos + k, tokens.size() - 1));
  }

  private Token next() {
    Token t = tokens.get(pos);
    if (t.type() != Type.EOF) {
      pos++;
    }
    return t;
  }

  private boolean skipOp(String op) {
    if (cur().isOp(op)) {
      pos++;
      return true;
    }
    return false;
  }

  private boolean skipName(String name) {
    if (cur().isName(name)) {
      pos++;
      return true;
    }
    return false;
  }

  private void expectOp(String op) {
    if (!skipOp(op)) {
      throw error("expected '" + op + "', got " + cur());
    }
  }

  private String expectName() {
    if (cur().type() != Type.NAME) {
      throw error("expected a name, got " + cur());
    }
    return next().text();
  }

  private void expect(Type type) {
    if (cur().type() != type) {
      throw error("expected end of tag, got " + cur());
    }
    pos++;
  }

  private TemplateException error(String message) {
    return TemplateException.syntax(cur().line(), message);
  }

  private void enter() {
    if (++nesting > maxNesting) {
      throw new TemplateException(
          TemplateException.Kind.LIMIT,
          "template nesting deeper than the limit of "
              + maxNesting
              + " (line "
              + cur().line()
              + ")");
    }
  }

  // ---- statements ----

  /** Statements up to a block tag whose name is in {@code ends} (left as the current token). */
  private List<Stmt> statements(Set<String> ends) {
    enter();
    List<Stmt> body = new ArrayList<>();
    while (true) {
      Token t = cur();
      switch (t.type()) {
        case EOF -> {
          if (!ends.isEmpty()) {
            throw error("unexpected end of template, expected one of " + ends);
          }
          nesting--;
          return body;
        }
        case TEXT -> body.add(new Node.Text(next().text()));
        case VAR_BEGIN -> {
          next();
          body.add(new Node.Output(tuple(true, Set.of(), false)));
          expect(Type.VAR_END);
        }
        case BLOCK_BEGIN -> {
          Token name = peek(1);
          if (name.type() == Type.NAME && ends.contains(name.text())) {
            next();
            nesting--;
            return body;
          }
          next();
          body.add(statement());
        }
        default -> throw error("unexpected " + t);
      }
    }
  }

  private Stmt statement() {
    Token t = cur();
    if (t.type() != Type.NAME) {
      throw error("expected a tag name, got " + t);
    }
    String tag = next().text();
    if (FORBIDDEN_TAGS.contains(tag)) {
      throw new TemplateException(
          TemplateException.Kind.FORBIDDEN,
          "'" + tag + "' tags are not allowed in a chat template (line " + t.line() + ")");
    }
    return switch (tag) {
      case "for" -> forStatement();
      case "if" -> ifStatement();
      case "set" -> setStatement();
      case "macro" -> macroStatement();
      case "break" -> {
        expect(Type.BLOCK_END);
        yield new Node.Break();
      }
      case "continue" -> {
        expect(Type.BLOCK_END);
        yield new Node.Continue();
      }
      case "generation" -> {
        expect(Type.BLOCK_END);
        List<Stmt> body = statements(Set.of("endgeneration"));
        endTag("endgeneration");
        yield new Node.Generation(body);
      }
      default -> throw TemplateException.syntax(t.line(), "unknown tag '" + tag + "'");
    };
  }

  private void endTag(String name) {
    if (!skipName(name)) {
      throw error("expected '" + name + "'");
    }
    expect(Type.BLOCK_END);
  }

  private Stmt forStatement() {
    List<String> targets = new ArrayList<>();
    do {
      targets.add(expectName());
    } while (skipOp(","));
    if (!skipName("in")) {
      throw error("expected 'in' in for loop");
    }
    Expr iter = tuple(false, Set.of("recursive", "if"), false);
    Expr filter = skipName("if") ? expression(true) : null;
    if (cur().isName("recursive")) {
      throw error("recursive loops are not supported in chat templates");
    }
    expect(Type.BLOCK_END);
    List<Stmt> body = statements(Set.of("endfor", "else"));
    List<Stmt> orElse = List.of();
    if (skipName("else")) {
      expect(Type.BLOCK_END);
      orElse = statements(Set.of("endfor"));
    }
    endTag("endfor");
    return new Node.For(targets, iter, filter, body, orElse);
  }

  private Stmt ifStatement() {
    List<Expr> conditions = new ArrayList<>();
    List<List<Stmt>> bodies = new ArrayList<>();
    List<Stmt> orElse = List.of();
    conditions.add(tuple(false, Set.of(), false));
    expect(Type.BLOCK_END);
    while (true) {
      bodies.add(statements(Set.of("elif", "else", "endif")));
      if (skipName("elif")) {
        conditions.add(tuple(false, Set.of(), false));
        expect(Type.BLOCK_END);
      } else if (skipName("else")) {
        expect(Type.BLOCK_END);
        orElse = statements(Set.of("endif"));
        endTag("endif");
        break;
      } else {
        endTag("endif");
        break;
      }
    }
    return new Node.If(conditions, bodies, orElse);
  }

  private Stmt setStatement() {
    String first = expectName();
    if (skipOp(".")) {
      String attr = expectName();
      expectOp("=");
      Expr value = tuple(true, Set.of(), false);
      expect(Type.BLOCK_END);
      return new Node.Set(first, List.of(attr), value);
    }
    List<String> targets = new ArrayList<>(List.of(first));
    while (skipOp(",")) {
      targets.add(expectName());
    }
    if (skipOp("=")) {
      Expr value = tuple(true, Set.of(), false);
      expect(Type.BLOCK_END);
      return new Node.Set(null, targets, value);
    }
    if (targets.size() != 1) {
      throw error("a block set takes one name");
    }
    List<Node.Filter> filters = new ArrayList<>();
    while (skipOp("|")) {
      filters.add(filter(null));
    }
    expect(Type.BLOCK_END);
    List<Stmt> body = statements(Set.of("endset"));
    endTag("endset");
    return new Node.SetBlock(first, body, filters);
  }

  private Stmt macroStatement() {
    String name = expectName();
    List<String> params = new ArrayList<>();
    List<Expr> defaults = new ArrayList<>();
    expectOp("(");
    while (!cur().isOp(")")) {
      if (!params.isEmpty()) {
        expectOp(",");
        if (cur().isOp(")")) {
          break;
        }
      }
      params.add(expectName());
      if (skipOp("=")) {
        defaults.add(expression(true));
      } else if (!defaults.isEmpty()) {
        throw error("non-default argument follows default argument");
      }
    }
    expectOp(")");
    expect(Type.BLOCK_END);
    List<Stmt> body = statements(Set.of("endmacro"));
    endTag("endmacro");
    return new Node.Macro(name, params, defaults, body);
  }

  // ---- expressions ----

  private boolean tupleEnd(Set<String> extraEnds) {
    Token t = cur();
    return t.type() == Type.VAR_END
        || t.type() == Type.BLOCK_END
        || t.isOp(")")
        || (t.type() == Type.NAME && extraEnds.contains(t.text()));
  }

  /** Comma-separated expressions: one is itself, several (or a trailing comma) a tuple. */
  private Expr tuple(boolean withCondExpr, Set<String> extraEnds, boolean explicitParens) {
    List<Expr> items = new ArrayList<>();
    boolean isTuple = false;
    while (true) {
      if (!items.isEmpty()) {
        expectOp(",");
      }
      if (tupleEnd(extraEnds)) {
        break;
      }
      items.add(expression(withCondExpr));
      if (cur().isOp(",")) {
        isTuple = true;
      } else {
        break;
      }
    }
    if (!isTuple) {
      if (!items.isEmpty()) {
        return items.get(0);
      }
      if (!explicitParens) {
        throw error("expected an expression, got " + cur());
      }
    }
    return new Node.TupleLit(items);
  }

  private Expr expression(boolean withCondExpr) {
    enter();
    Expr e = withCondExpr ? condExpr() : or();
    nesting--;
    return e;
  }

  private Expr condExpr() {
    Expr e = or();
    while (skipName("if")) {
      Expr cond = or();
      Expr otherwise = skipName("else") ? condExpr() : null;
      e = new Node.CondExpr(cond, e, otherwise);
    }
    return e;
  }

  private Expr or() {
    Expr e = and();
    while (skipName("or")) {
      e = new Node.Or(e, and());
    }
    return e;
  }

  private Expr and() {
    Expr e = not();
    while (skipName("and")) {
      e = new Node.And(e, not());
    }
    return e;
  }

  private Expr not() {
    if (skipName("not")) {
      enter();
      Expr e = new Node.Not(not());
      nesting--;
      return e;
    }
    return compare();
  }

  private Expr compare() {
    Expr first = math1();
    List<String> ops = new ArrayList<>();
    List<Expr> rest = new ArrayList<>();
    while (true) {
      Token t = cur();
      if (t.type() == Type.OP && Set.of("==", "!=", "<", ">", "<=", ">=").contains(t.text())) {
        next();
        ops.add(t.text());
      } else if (skipName("in")) {
        ops.add("in");
      } else if (t.isName("not") && peek(1).isName("in")) {
        pos += 2;
        ops.add("not in");
      } else {
        break;
      }
      rest.add(math1());
    }
    return ops.isEmpty() ? first : new Node.Compare(first, ops, rest);
  }

  private Expr math1() {
    Expr e = concat();
    while (cur().isOp("+") || cur().isOp("-")) {
      String op = next().text();
      e = new Node.Binary(op, e, concat());
    }
    return e;
  }

  private Expr concat() {
    Expr e = math2();
    while (skipOp("~")) {
      e = new Node.Binary("~", e, math2());
    }
    return e;
  }

  private Expr math2() {
    Expr e = pow();
    while (cur().isOp("*") || cur().isOp("/") || cur().isOp("//") || cur().isOp("%")) {
      String op = next().text();
      e = new Node.Binary(op, e, pow());
    }
    return e;
  }

  private Expr pow() {
    Expr e = unary(true);
    while (skipOp("**")) {
      e = new Node.Binary("**", e, unary(true));
    }
    return e;
  }

  private Expr unary(boolean withFilter) {
    enter();
    Expr e;
    if (cur().isOp("-") || cur().isOp("+")) {
      String op = next().text();
      e = new Node.Unary(op, unary(false));
    } else {
      e = primary();
    }
    e = postfix(e);
    if (withFilter) {
      e = filterExpr(e);
    }
    nesting--;
    return e;
  }

  private Expr primary() {
    Token t = cur();
    switch (t.type()) {
      case NAME -> {
        next();
        return switch (t.text()) {
          case "true", "True" -> new Node.Const(Boolean.TRUE);
          case "false", "False" -> new Node.Const(Boolean.FALSE);
          case "none", "None" -> new Node.Const(null);
          default -> new Node.Name(t.text());
        };
      }
      case STRING -> {
        StringBuilder sb = new StringBuilder();
        while (cur().type() == Type.STRING) {
          sb.append(next().text());
        }
        return new Node.Const(sb.toString());
      }
      case INT -> {
        next();
        try {
          return new Node.Const(Long.parseLong(t.text()));
        } catch (NumberFormatException e) {
          throw TemplateException.syntax(t.line(), "integer literal too large: " + t.text());
        }
      }
      case FLOAT -> {
        next();
        return new Node.Const(Double.parseDouble(t.text()));
      }
      case OP -> {
        if (skipOp("(")) {
          Expr e = tuple(true, Set.of(), true);
          expectOp(")");
          return e;
        }
        if (skipOp("[")) {
          List<Expr> items = new ArrayList<>();
          while (!cur().isOp("]")) {
            if (!items.isEmpty()) {
              expectOp(",");
              if (cur().isOp("]")) {
                break;
              }
            }
            items.add(expression(true));
          }
          expectOp("]");
          return new Node.ListLit(items);
        }
        if (skipOp("{")) {
          List<Expr> keys = new ArrayList<>();
          List<Expr> values = new ArrayList<>();
          while (!cur().isOp("}")) {
            if (!keys.isEmpty()) {
              expectOp(",");
              if (cur().isOp("}")) {
                break;
              }
            }
            keys.add(expression(true));
            expectOp(":");
            values.add(expression(true));
          }
          expectOp("}");
          return new Node.DictLit(keys, values);
        }
        throw error("unexpected " + t);
      }
      default -> throw error("unexpected " + t);
    }
  }

  private Expr postfix(Expr e) {
    while (true) {
      if (skipOp(".")) {
        Token t = next();
        if (t.type() == Type.NAME) {
          e = new Node.GetAttr(e, t.text());
        } else if (t.type() == Type.INT) {
          e = new Node.GetItem(e, new Node.Const(Long.parseLong(t.text())));
        } else {
          throw TemplateException.syntax(t.line(), "expected an attribute name, got " + t);
        }
      } else if (skipOp("[")) {
        e = subscript(e);
      } else if (cur().isOp("(")) {
        e = call(e);
      } else {
        return e;
      }
    }
  }

  private Expr filterExpr(Expr e) {
    while (true) {
      if (skipOp("|")) {
        e = filter(e);
      } else if (skipName("is")) {
        e = test(e);
      } else if (cur().isOp("(")) {
        e = call(e);
      } else {
        return e;
      }
    }
  }

  private Expr subscript(Expr target) {
    List<Expr> items = new ArrayList<>();
    Expr slice = null;
    while (!cur().isOp("]")) {
      if (!items.isEmpty() || slice != null) {
        expectOp(",");
      }
      Expr start = cur().isOp(":") ? null : expression(true);
      if (!cur().isOp(":")) {
        items.add(start);
        continue;
      }
      next();
      Expr stop = cur().isOp("]") || cur().isOp(",") || cur().isOp(":") ? null : expression(true);
      Expr step = null;
      if (skipOp(":")) {
        step = cur().isOp("]") || cur().isOp(",") ? null : expression(true);
      }
      slice = new Node.Slice(target, start, stop, step);
    }
    expectOp("]");
    if (slice != null) {
      if (!items.isEmpty()) {
        throw error("multi-dimensional slices are not supported");
      }
      return slice;
    }
    if (items.isEmpty()) {
      throw error("expected a subscript");
    }
    return new Node.GetItem(target, items.size() == 1 ? items.get(0) : new Node.TupleLit(items));
  }

  private Node.Call call(Expr target) {
    List<Expr> args = new ArrayList<>();
    List<String> kwNames = new ArrayList<>();
    List<Expr> kwValues = new ArrayList<>();
    arguments(args, kwNames, kwValues);
    return new Node.Call(target, args, kwNames, kwValues);
  }

  private void arguments(List<Expr> args, List<String> kwNames, List<Expr> kwValues) {
    expectOp("(");
    boolean first = true;
    while (!cur().isOp(")")) {
      if (!first) {
        expectOp(",");
        if (cur().isOp(")")) {
          break;
        }
      }
      first = false;
      if (cur().isOp("*") || cur().isOp("**")) {
        throw error("*args and **kwargs are not supported");
      }
      if (cur().type() == Type.NAME && peek(1).isOp("=")) {
        kwNames.add(next().text());
        next();
        kwValues.add(expression(true));
      } else {
        if (!kwNames.isEmpty()) {
          throw error("positional argument follows keyword argument");
        }
        args.add(expression(true));
      }
    }
    expectOp(")");
  }

  private String dottedName() {
    StringBuilder name = new StringBuilder(expectName());
    while (cur().isOp(".") && peek(1).type() == Type.NAME) {
      next();
      name.append('.').append(next().text());
    }
    return name.toString();
  }

  private Node.Filter filter(Expr target) {
    int line = cur().line();
    String name = dottedName();
    if (!Filters.NAMES.contains(name)) {
      throw TemplateException.syntax(line, "no filter named '" + name + "'");
    }
    List<Expr> args = new ArrayList<>();
    List<String> kwNames = new ArrayList<>();
    List<Expr> kwValues = new ArrayList<>();
    if (cur().isOp("(")) {
      arguments(args, kwNames, kwValues);
    }
    return new Node.Filter(target, name, args, kwNames, kwValues);
  }

  private Expr test(Expr target) {
    boolean negated = skipName("not");
    int line = cur().line();
    String name = dottedName();
    if (!Tests.NAMES.contains(name)) {
      throw TemplateException.syntax(line, "no test named '" + name + "'");
    }
    List<Expr> args = new ArrayList<>();
    Token t = cur();
    if (t.isOp("(")) {
      List<String> kwNames = new ArrayList<>();
      arguments(args, kwNames, new ArrayList<>());
      if (!kwNames.isEmpty()) {
        throw error("tests take no keyword arguments");
      }
    } else if ((t.type() == Type.NAME
            || t.type() == Type.STRING
            || t.type() == Type.INT
            || t.type() == Type.FLOAT
            || t.isOp("[")
            || t.isOp("{"))
        && !(t.isName("else") || t.isName("or") || t.isName("and"))) {
      if (t.isName("is")) {
        throw error("you cannot chain multiple tests with 'is'");
      }
      args.add(postfix(primary()));
    }
    return new Node.Test(target, name, args, negated);
  }
}
