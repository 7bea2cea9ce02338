package org.peftbench.tokenizers.jinja;

import java.util.AbstractList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The runtime value types a template can see besides strings, numbers, lists and dicts. */
final class Values {
  private Values() {}

  /**
   * Jinja2's default {@code Undefined}: prints as nothing, is false, iterates as empty, and fails
   * when used in arithmetic, called, or looked into. {@code hint} is the message of that failure.
   */
  record Undefined(String hint) {
    TemplateException fail() {
      return new TemplateException(TemplateException.Kind.UNDEFINED, hint);
    }
  }

  /** A Python tuple: an immutable list that prints with parentheses. */
  static final class Tuple extends AbstractList<Object> {
    private final List<Object> items;

    Tuple(List<Object> items) {
      this.items = List.copyOf(nullSafe(items));
    }

    private static List<Object> nullSafe(List<Object> items) {
      return items.stream().map(o -> o == null ? NONE : o).toList();
    }

    @Override
    public Object get(int i) {
      Object o = items.get(i);
      return o == NONE ? null : o;
    }

    @Override
    public int size() {
      return items.size();
    }

    private static final Object NONE = new Object();
  }

  /** Python's {@code range(start, stop, step)}: a list of its numbers that prints as a range. */
  static final class Range extends AbstractList<Object> {
    final long start;
    final long stop;
    final long step;
    private final List<Object> items;

    Range(long start, long stop, long step, List<Object> items) {
      this.start = start;
      this.stop = stop;
      this.step = step;
      this.items = items;
    }

    @Override
    public Object get(int i) {
      return items.get(i);
    }

    @Override
    public int size() {
      return items.size();
    }
  }

  /** {@code namespace(...)}: the one mutable object, written by {@code set ns.attr = ...}. */
  static final class Namespace {
    final Map<String, Object> attrs = new LinkedHashMap<>();
  }

  /** Something a template can call: a global function, a macro, a bound string/dict method. */
  @FunctionalInterface
  interface Callable {
    Object call(List<Object> args, Map<String, Object> kwargs);
  }

  /** The {@code loop} variable of a for loop. */
  static final class Loop {
    final List<Object> items;
    int index0;

    Loop(List<Object> items) {
      this.items = items;
    }

    Object attr(String name) {
      int n = items.size();
      return switch (name) {
        case "index0" -> (long) index0;
        case "index" -> (long) index0 + 1;
        case "revindex0" -> (long) (n - index0 - 1);
        case "revindex" -> (long) (n - index0);
        case "first" -> index0 == 0;
        case "last" -> index0 == n - 1;
        case "length" -> (long) n;
        case "depth" -> 1L;
        case "depth0" -> 0L;
        case "previtem" ->
            index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
        case "nextitem" ->
            index0 < n - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
        case "cycle" ->
            (Callable)
                (args, kw) -> {
                  if (args.isEmpty()) {
                    throw TemplateException.type("no items for cycling given");
                  }
                  return args.get(index0 % args.size());
                };
        default -> new Undefined("'LoopContext' object has no attribute '" + name + "'");
      };
    }
  }
}
