package org.peftbench.tokenizers.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.peftbench.tokenizers.jinja.Values.Namespace;
import org.peftbench.tokenizers.jinja.Values.Tuple;
import org.peftbench.tokenizers.jinja.Values.Undefined;

/**
 * Python's arithmetic, membership, attribute and item access, and slicing on template values. The
 * only attributes that exist are the Python string and dict methods of {@link Methods}, namespace
 * attributes and loop variables: no Java object or method is ever reachable from a template.
 */
final class Operators {
  private final Budget budget;

  Operators(Budget budget) {
    this.budget = budget;
  }

  Object binary(String op, Object a, Object b) {
    if (op.equals("~")) {
      String x = Py.str(a);
      String y = Py.str(b);
      budget.chars((long) x.length() + y.length());
      return x + y;
    }
    if (a instanceof Undefined u) {
      throw u.fail();
    }
    if (b instanceof Undefined u) {
      throw u.fail();
    }
    if (Py.isNumber(a) && Py.isNumber(b)) {
      return arithmetic(op, Py.number(a), Py.number(b));
    }
    switch (op) {
      case "+" -> {
        if (a instanceof String x && b instanceof String y) {
          budget.chars((long) x.length() + y.length());
          return x + y;
        }
        if (a instanceof List<?> x
            && b instanceof List<?> y
            && (a instanceof Tuple == b instanceof Tuple)) {
          budget.items((long) x.size() + y.size());
          List<Object> out = new ArrayList<>(x);
          out.addAll(y);
          return a instanceof Tuple ? new Tuple(out) : java.util.Collections.unmodifiableList(out);
        }
        if (a instanceof String) {
          throw TemplateException.type(
              "can only concatenate str (not \"" + Py.typeName(b) + "\") to str");
        }
      }
      case "*" -> {
        if (a instanceof Long || a instanceof Boolean) {
          return repeat(b, Py.number(a).longValue(), a);
        }
        if (b instanceof Long || b instanceof Boolean) {
          return repeat(a, Py.number(b).longValue(), b);
        }
      }
      case "%" -> {
        if (a instanceof String) {
          throw TemplateException.type("printf-style '%' string formatting is not supported");
        }
      }
      default -> {}
    }
    throw TemplateException.type(
        "unsupported operand type(s) for "
            + op
            + ": '"
            + Py.typeName(a)
            + "' and '"
            + Py.typeName(b)
            + "'");
  }

  private Object repeat(Object seq, long n, Object count) {
    long k = Math.max(0, n);
    if (seq instanceof String s) {
      budget.chars(s.length() * k);
      return s.repeat((int) k);
    }
    if (seq instanceof List<?> l) {
      budget.items(l.size() * k);
      List<Object> out = new ArrayList<>();
      for (long i = 0; i < k; i++) {
        out.addAll(l);
      }
      return seq instanceof Tuple ? new Tuple(out) : out;
    }
    throw TemplateException.type(
        "unsupported operand type(s) for *: '"
            + Py.typeName(seq)
            + "' and '"
            + Py.typeName(count)
            + "'");
  }

  private static Object arithmetic(String op, Number x, Number y) {
    boolean ints = x instanceof Long && y instanceof Long;
    try {
      if (ints) {
        long a = x.longValue();
        long b = y.longValue();
        return switch (op) {
          case "+" -> Math.addExact(a, b);
          case "-" -> Math.subtractExact(a, b);
          case "*" -> Math.multiplyExact(a, b);
          case "/" -> {
            if (b == 0) {
              throw TemplateException.type("division by zero");
            }
            yield (double) a / b;
          }
          case "//" -> {
            if (b == 0) {
              throw TemplateException.type("integer division or modulo by zero");
            }
            yield Math.floorDiv(a, b);
          }
          case "%" -> {
            if (b == 0) {
              throw TemplateException.type("integer division or modulo by zero");
            }
            yield Math.floorMod(a, b);
          }
          case "**" -> b < 0 ? (Object) Math.pow(a, b) : (Object) power(a, b);
          default -> throw new IllegalStateException(op);
        };
      }
    } catch (ArithmeticException e) {
      throw Budget.exceeded("an integer result beyond 64 bits");
    }
    double a = x.doubleValue();
    double b = y.doubleValue();
    return switch (op) {
      case "+" -> a + b;
      case "-" -> a - b;
      case "*" -> a * b;
      case "/" -> {
        if (b == 0) {
          throw TemplateException.type("float division by zero");
        }
        yield a / b;
      }
      case "//" -> {
        if (b == 0) {
          throw TemplateException.type("float floor division by zero");
        }
        yield Math.floor(a / b);
      }
      case "%" -> {
        if (b == 0) {
          throw TemplateException.type("float modulo");
        }
        double m = a % b;
        yield m != 0 && (m < 0) != (b < 0) ? m + b : m;
      }
      case "**" -> Math.pow(a, b);
      default -> throw new IllegalStateException(op);
    };
  }

  private static long power(long base, long exp) {
    long result = 1;
    for (long i = 0; i < exp; i++) {
      result = Math.multiplyExact(result, base);
      if (result == 0 || result == 1 && base == 1) {
        return result;
      }
    }
    return result;
  }

  Object negate(String op, Object v) {
    if (v instanceof Undefined u) {
      throw u.fail();
    }
    if (!Py.isNumber(v)) {
      throw TemplateException.type(
          "bad operand type for unary " + op + ": '" + Py.typeName(v) + "'");
    }
    Number n = Py.number(v);
    if (op.equals("+")) {
      return n;
    }
    return n instanceof Long l ? (Object) Math.negateExact(l) : (Object) (-n.doubleValue());
  }

  /** Python's {@code item in container}. */
  static boolean contains(Object container, Object item) {
    switch (container) {
      case String s -> {
        if (!(item instanceof String sub)) {
          throw TemplateException.type(
              "'in <string>' requires string as left operand, not " + Py.typeName(item));
        }
        return s.contains(sub);
      }
      case List<?> l -> {
        for (Object o : l) {
          if (Py.eq(o, item)) {
            return true;
          }
        }
        return false;
      }
      case Map<?, ?> m -> {
        for (Object k : m.keySet()) {
          if (Py.eq(k, item)) {
            return true;
          }
        }
        return false;
      }
      case Undefined u -> {
        return false;
      }
      case null, default ->
          throw TemplateException.type(
              "argument of type '" + Py.typeName(container) + "' is not iterable");
    }
  }

  /** Python methods that would change a list or dict; the immutable sandbox refuses them. */
  private static final java.util.Set<String> MUTATORS =
      java.util.Set.of(
          "append",
          "extend",
          "insert",
          "pop",
          "remove",
          "clear",
          "sort",
          "reverse",
          "update",
          "popitem",
          "setdefault");

  /** {@code obj.name}: a method, then a key (Jinja2's getattr order). */
  Object getattr(Object obj, String name) {
    if (obj instanceof Undefined u) {
      throw u.fail();
    }
    if (name.startsWith("_")
        || ((obj instanceof List<?> || obj instanceof Map<?, ?>) && MUTATORS.contains(name))) {
      throw new TemplateException(
          TemplateException.Kind.FORBIDDEN,
          "access to attribute '" + name + "' of '" + Py.typeName(obj) + "' object is unsafe.");
    }
    Object method = Methods.bound(obj, name, budget);
    if (method != null) {
      return method;
    }
    return switch (obj) {
      case Map<?, ?> m ->
          m.containsKey(name)
              ? m.get(name)
              : new Undefined("'dict object' has no attribute '" + name + "'");
      case Namespace ns ->
          ns.attrs.containsKey(name)
              ? ns.attrs.get(name)
              : new Undefined("'Namespace' object has no attribute '" + name + "'");
      case Values.Loop loop -> loop.attr(name);
      case null -> new Undefined("'None' has no attribute '" + name + "'");
      default -> new Undefined("'" + Py.typeName(obj) + " object' has no attribute '" + name + "'");
    };
  }

  /** {@code obj[key]}: a key or index, then an attribute (Jinja2's getitem order). */
  Object getitem(Object obj, Object key) {
    if (obj instanceof Undefined u) {
      throw u.fail();
    }
    if (obj instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (Py.eq(e.getKey(), key)) {
          return e.getValue();
        }
      }
    } else if ((obj instanceof List<?> || obj instanceof String)
        && (key instanceof Long || key instanceof Boolean)) {
      long i = Py.number(key).longValue();
      if (obj instanceof List<?> l) {
        long j = i < 0 ? i + l.size() : i;
        if (j >= 0 && j < l.size()) {
          return l.get((int) j);
        }
        return new Undefined("'" + Py.typeName(obj) + " object' has no element " + i);
      }
      int[] cps = ((String) obj).codePoints().toArray();
      long j = i < 0 ? i + cps.length : i;
      if (j >= 0 && j < cps.length) {
        return new String(cps, (int) j, 1);
      }
      return new Undefined("'str object' has no element " + i);
    }
    if (key instanceof String name && !(obj instanceof Map<?, ?>)) {
      return getattr(obj, name);
    }
    if (obj instanceof Map<?, ?>) {
      return new Undefined("'dict object' has no attribute " + Py.repr(key));
    }
    return new Undefined("'" + Py.typeName(obj) + " object' has no element " + Py.repr(key));
  }

  /** Python's {@code seq[start:stop:step]} on lists, tuples and strings (by code point). */
  Object slice(Object seq, Object start, Object stop, Object step) {
    if (seq instanceof Undefined u) {
      throw u.fail();
    }
    long st = step == null ? 1 : index(step);
    if (st == 0) {
      throw TemplateException.type("slice step cannot be zero");
    }
    int n;
    int[] cps = null;
    if (seq instanceof String s) {
      cps = s.codePoints().toArray();
      n = cps.length;
    } else if (seq instanceof List<?> l) {
      n = l.size();
    } else {
      throw TemplateException.type("'" + Py.typeName(seq) + "' object is not subscriptable");
    }
    long lo;
    long hi;
    if (st > 0) {
      lo = start == null ? 0 : clamp(index(start), n, 0, n);
      hi = stop == null ? n : clamp(index(stop), n, 0, n);
    } else {
      lo = start == null ? n - 1 : clamp(index(start), n, -1, n - 1);
      hi = stop == null ? -1 : clamp(index(stop), n, -1, n - 1);
    }
    List<Integer> picked = new ArrayList<>();
    for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
      picked.add((int) i);
    }
    if (cps != null) {
      StringBuilder sb = new StringBuilder();
      for (int i : picked) {
        sb.appendCodePoint(cps[i]);
      }
      return sb.toString();
    }
    List<?> l = (List<?>) seq;
    List<Object> out = new ArrayList<>();
    for (int i : picked) {
      out.add(l.get(i));
    }
    return seq instanceof Tuple ? new Tuple(out) : java.util.Collections.unmodifiableList(out);
  }

  private static long clamp(long i, int n, long min, long max) {
    long j = i < 0 ? i + n : i;
    return Math.max(min, Math.min(max, j));
  }

  private static long index(Object v) {
    if (v instanceof Long || v instanceof Boolean) {
      return Py.number(v).longValue();
    }
    if (v instanceof Undefined u) {
      throw u.fail();
    }
    throw TemplateException.type("slice indices must be integers or None, not " + Py.typeName(v));
  }
}
