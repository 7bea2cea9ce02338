package org.peftbench.tokenizers.jinja;

import java.util.List;

/** The parsed template: statements ({@link Stmt}) holding expressions ({@link Expr}). */
final class Node {
  private Node() {}

  // ---- expressions ----

  sealed interface Expr {}

  record Const(Object value) implements Expr {}

  record Name(String name) implements Expr {}

  record ListLit(List<Expr> items) implements Expr {}

  record TupleLit(List<Expr> items) implements Expr {}

  record DictLit(List<Expr> keys, List<Expr> values) implements Expr {}

  record GetAttr(Expr target, String name) implements Expr {}

  record GetItem(Expr target, Expr key) implements Expr {}

  record Slice(Expr target, Expr start, Expr stop, Expr step) implements Expr {}

  record Call(Expr target, List<Expr> args, List<String> kwNames, List<Expr> kwValues)
      implements Expr {}

  record Filter(
      Expr target, String name, List<Expr> args, List<String> kwNames, List<Expr> kwValues)
      implements Expr {}

  record Test(Expr target, String name, List<Expr> args, boolean negated) implements Expr {}

  record Unary(String op, Expr operand) implements Expr {}

  record Binary(String op, Expr left, Expr right) implements Expr {}

  /** {@code a == b < c}: Python's chained comparison. */
  record Compare(Expr first, List<String> ops, List<Expr> rest) implements Expr {}

  record And(Expr left, Expr right) implements Expr {}

  record Or(Expr left, Expr right) implements Expr {}

  record Not(Expr operand) implements Expr {}

  /** {@code a if cond else b}; without {@code else} the result is undefined. */
  record CondExpr(Expr cond, Expr then, Expr otherwise) implements Expr {}

  // ---- statements ----

  sealed interface Stmt {}

  record Text(String text) implements Stmt {}

  record Output(Expr expr) implements Stmt {}

  record If(List<Expr> conditions, List<List<Stmt>> bodies, List<Stmt> orElse) implements Stmt {}

  record For(List<String> targets, Expr iter, Expr filter, List<Stmt> body, List<Stmt> orElse)
      implements Stmt {}

  /** {@code set a = x}, {@code set a, b = x}, or {@code set ns.attr = x} (namespace != null). */
  record Set(String namespace, List<String> targets, Expr value) implements Stmt {}

  /** {@code {% set x %}...{% endset %}}, optionally through filters. */
  record SetBlock(String target, List<Stmt> body, List<Filter> filters) implements Stmt {}

  record Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body)
      implements Stmt {}

  record Break() implements Stmt {}

  record Continue() implements Stmt {}

  /** transformers' {@code {% generation %}} marks assistant text; it renders its body. */
  record Generation(List<Stmt> body) implements Stmt {}
}
