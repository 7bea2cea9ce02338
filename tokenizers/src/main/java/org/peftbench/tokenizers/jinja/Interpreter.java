package org.peftbench.tokenizers.jinja;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.tokenizers.jinja.Node.Expr;
import org.peftbench.tokenizers.jinja.Node.Stmt;
import org.peftbench.tokenizers.jinja.Values.Callable;
import org.peftbench.tokenizers.jinja.Values.Namespace;
import org.peftbench.tokenizers.jinja.Values.Tuple;
import org.peftbench.tokenizers.jinja.Values.Undefined;

/**
 * Executes a parsed template once. Output is only ever appended, never parsed again, so text that
 * comes from variables (message content) is data. Scoping is Jinja2's: a {@code for} body gets a
 * fresh scope per iteration, {@code if} gets none, a macro sees the scope it was defined in, and
 * only a {@code namespace()} carries values out of a loop.
 */
final class Interpreter {
  private final Budget budget;
  private final Operators ops;
  private final Filters filters;
  private final Frame root;

  /** One scope: its own variables, then the enclosing scope's. */
  private static final class Frame {
    final Map<String, Object> vars = new HashMap<>();
    final Frame parent;

    Frame(Frame parent) {
      this.parent = parent;
    }

    Object lookup(String name) {
      for (Frame f = this; f != null; f = f.parent) {
        Object v = f.vars.get(name);
        if (v != null || f.vars.containsKey(name)) {
          return v;
        }
      }
      return new Undefined("'" + name + "' is undefined");
    }
  }

  private enum Flow {
    NORMAL,
    BREAK,
    CONTINUE
  }

  Interpreter(Limits limits, Map<String, Object> globals) {
    this.budget = new Budget(limits);
    this.ops = new Operators(budget);
    this.filters = new Filters(budget, ops);
    this.root = new Frame(null);
    root.vars.putAll(Functions.globals(budget));
    root.vars.putAll(globals);
  }

  String render(List<Stmt> body) {
    StringBuilder out = new StringBuilder();
    try {
      exec(body, root, out);
    } catch (StackOverflowError e) {
      throw Budget.exceeded("the template recursed too deeply");
    }
    budget.checkClock();
    return out.toString();
  }

  // ---- statements ----

  private Flow exec(List<Stmt> body, Frame f, StringBuilder sink) {
    for (Stmt s : body) {
      Flow flow = exec(s, f, sink);
      if (flow != Flow.NORMAL) {
        return flow;
      }
    }
    return Flow.NORMAL;
  }

  private void append(StringBuilder sink, String s) {
    budget.output((long) sink.length() + s.length());
    sink.append(s);
  }

  private Flow exec(Stmt stmt, Frame f, StringBuilder sink) {
    budget.step();
    switch (stmt) {
      case Node.Text t -> append(sink, t.text());
      case Node.Output o -> append(sink, Py.str(eval(o.expr(), f)));
      case Node.If s -> {
        for (int i = 0; i < s.conditions().size(); i++) {
          if (Py.truthy(eval(s.conditions().get(i), f))) {
            return exec(s.bodies().get(i), f, sink);
          }
        }
        return exec(s.orElse(), f, sink);
      }
      case Node.For s -> forLoop(s, f, sink);
      case Node.Set s -> assign(s, f);
      case Node.SetBlock s -> {
        StringBuilder body = new StringBuilder();
        exec(s.body(), f, body);
        Object value = body.toString();
        for (Node.Filter filter : s.filters()) {
          value = applyFilter(filter, value, f);
        }
        f.vars.put(s.target(), value);
      }
      case Node.Macro m -> f.vars.put(m.name(), macro(m, f));
      case Node.Break b -> {
        return Flow.BREAK;
      }
      case Node.Continue c -> {
        return Flow.CONTINUE;
      }
      case Node.Generation g -> {
        return exec(g.body(), f, sink);
      }
    }
    return Flow.NORMAL;
  }

  private void forLoop(Node.For s, Frame f, StringBuilder sink) {
    List<Object> items = Filters.iterate(eval(s.iter(), f));
    if (s.filter() != null) {
      List<Object> kept = new ArrayList<>();
      for (Object item : items) {
        budget.iteration();
        Frame scope = new Frame(f);
        bind(s.targets(), item, scope);
        if (Py.truthy(eval(s.filter(), scope))) {
          kept.add(item);
        }
      }
      items = kept;
    }
    if (items.isEmpty()) {
      exec(s.orElse(), f, sink);
      return;
    }
    Values.Loop loop = new Values.Loop(items);
    for (int i = 0; i < items.size(); i++) {
      budget.iteration();
      Frame scope = new Frame(f);
      bind(s.targets(), items.get(i), scope);
      loop.index0 = i;
      scope.vars.put("loop", loop);
      if (exec(s.body(), scope, sink) == Flow.BREAK) {
        break;
      }
    }
  }

  private void bind(List<String> targets, Object value, Frame scope) {
    if (targets.size() == 1) {
      scope.vars.put(targets.get(0), value);
      return;
    }
    List<Object> parts = Filters.iterate(value);
    if (parts.size() != targets.size()) {
      throw TemplateException.type(
          "cannot unpack " + parts.size() + " values into " + targets.size() + " names");
    }
    for (int i = 0; i < targets.size(); i++) {
      scope.vars.put(targets.get(i), parts.get(i));
    }
  }

  private void assign(Node.Set s, Frame f) {
    Object value = eval(s.value(), f);
    if (s.namespace() == null) {
      bind(s.targets(), value, f);
      return;
    }
    Object ns = f.lookup(s.namespace());
    if (!(ns instanceof Namespace n)) {
      throw TemplateException.type("cannot assign attribute on non-namespace object");
    }
    n.attrs.put(s.targets().get(0), value);
  }

  private Callable macro(Node.Macro m, Frame definedIn) {
    return (args, kwargs) -> {
      if (args.size() > m.params().size()) {
        throw TemplateException.type(
            "macro '" + m.name() + "' takes not more than " + m.params().size() + " argument(s)");
      }
      budget.enterCall();
      try {
        Frame scope = new Frame(definedIn);
        int firstDefault = m.params().size() - m.defaults().size();
        for (int i = 0; i < m.params().size(); i++) {
          String p = m.params().get(i);
          if (i < args.size()) {
            scope.vars.put(p, args.get(i));
          } else if (kwargs.containsKey(p)) {
            scope.vars.put(p, kwargs.get(p));
          } else if (i >= firstDefault) {
            scope.vars.put(p, eval(m.defaults().get(i - firstDefault), scope));
          } else {
            scope.vars.put(p, new Undefined("parameter '" + p + "' was not provided"));
          }
        }
        for (String k : kwargs.keySet()) {
          if (!m.params().contains(k)) {
            throw TemplateException.type("macro '" + m.name() + "' has no argument '" + k + "'");
          }
        }
        StringBuilder out = new StringBuilder();
        exec(m.body(), scope, out);
        return out.toString();
      } finally {
        budget.exitCall();
      }
    };
  }

  // ---- expressions ----

  private Object eval(Expr expr, Frame f) {
    budget.step();
    return switch (expr) {
      case Node.Const c -> c.value();
      case Node.Name n -> f.lookup(n.name());
      case Node.ListLit l -> {
        budget.items(l.items().size());
        List<Object> out = new ArrayList<>();
        for (Expr e : l.items()) {
          out.add(eval(e, f));
        }
        yield java.util.Collections.unmodifiableList(out);
      }
      case Node.TupleLit t -> {
        List<Object> out = new ArrayList<>();
        for (Expr e : t.items()) {
          out.add(eval(e, f));
        }
        yield new Tuple(out);
      }
      case Node.DictLit d -> {
        Map<Object, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < d.keys().size(); i++) {
          out.put(eval(d.keys().get(i), f), eval(d.values().get(i), f));
        }
        yield java.util.Collections.unmodifiableMap(out);
      }
      case Node.GetAttr g -> ops.getattr(eval(g.target(), f), g.name());
      case Node.GetItem g -> ops.getitem(eval(g.target(), f), eval(g.key(), f));
      case Node.Slice s ->
          ops.slice(
              eval(s.target(), f),
              s.start() == null ? null : eval(s.start(), f),
              s.stop() == null ? null : eval(s.stop(), f),
              s.step() == null ? null : eval(s.step(), f));
      case Node.Call c -> call(c, f);
      case Node.Filter fl -> applyFilter(fl, eval(fl.target(), f), f);
      case Node.Test t -> {
        List<Object> args = new ArrayList<>();
        for (Expr e : t.args()) {
          args.add(eval(e, f));
        }
        yield Tests.apply(t.name(), eval(t.target(), f), args) != t.negated();
      }
      case Node.Unary u -> ops.negate(u.op(), eval(u.operand(), f));
      case Node.Binary b -> ops.binary(b.op(), eval(b.left(), f), eval(b.right(), f));
      case Node.Compare c -> compare(c, f);
      case Node.And a -> {
        Object left = eval(a.left(), f);
        yield Py.truthy(left) ? eval(a.right(), f) : left;
      }
      case Node.Or o -> {
        Object left = eval(o.left(), f);
        yield Py.truthy(left) ? left : eval(o.right(), f);
      }
      case Node.Not n -> !Py.truthy(eval(n.operand(), f));
      case Node.CondExpr c -> {
        if (Py.truthy(eval(c.cond(), f))) {
          yield eval(c.then(), f);
        }
        yield c.otherwise() == null
            ? new Undefined(
                "the inline if-expression evaluated to false and no else section was defined.")
            : eval(c.otherwise(), f);
      }
    };
  }

  private Object compare(Node.Compare c, Frame f) {
    Object left = eval(c.first(), f);
    for (int i = 0; i < c.ops().size(); i++) {
      Object right = eval(c.rest().get(i), f);
      String op = c.ops().get(i);
      boolean ok =
          switch (op) {
            case "==" -> Py.eq(left, right);
            case "!=" -> !Py.eq(left, right);
            case "<" -> Py.compare(left, right, op) < 0;
            case ">" -> Py.compare(left, right, op) > 0;
            case "<=" -> Py.compare(left, right, op) <= 0;
            case ">=" -> Py.compare(left, right, op) >= 0;
            case "in" -> Operators.contains(right, left);
            case "not in" -> !Operators.contains(right, left);
            default -> throw new IllegalStateException(op);
          };
      if (!ok) {
        return false;
      }
      left = right;
    }
    return true;
  }

  private Object call(Node.Call c, Frame f) {
    Object fn = eval(c.target(), f);
    List<Object> args = new ArrayList<>();
    for (Expr e : c.args()) {
      args.add(eval(e, f));
    }
    Map<String, Object> kwargs = new LinkedHashMap<>();
    for (int i = 0; i < c.kwNames().size(); i++) {
      kwargs.put(c.kwNames().get(i), eval(c.kwValues().get(i), f));
    }
    return switch (fn) {
      case Callable callable -> callable.call(args, kwargs);
      case Undefined u -> throw u.fail();
      case null, default ->
          throw TemplateException.type("'" + Py.typeName(fn) + "' object is not callable");
    };
  }

  private Object applyFilter(Node.Filter fl, Object value, Frame f) {
    List<Object> args = new ArrayList<>();
    for (Expr e : fl.args()) {
      args.add(eval(e, f));
    }
    Map<String, Object> kwargs = new LinkedHashMap<>();
    for (int i = 0; i < fl.kwNames().size(); i++) {
      kwargs.put(fl.kwNames().get(i), eval(fl.kwValues().get(i), f));
    }
    return filters.apply(fl.name(), value, args, kwargs);
  }
}
