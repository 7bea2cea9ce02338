package org.peftbench.harness.cli;

import java.lang.reflect.AnnotatedElement;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Enforces the {@link Range} of every numeric option the user gave, for the command and its
 * parents, before the command runs: a value outside is a usage error naming the option, its value
 * and the accepted range (exit code 2), so no command ever starts work on, say, {@code --lr
 * Infinity} or {@code --max-steps -5}.
 */
public final class OptionRanges {
  /** The option types that must carry a {@link Range}. */
  static final Set<Class<?>> NUMERIC =
      Set.of(
          int.class,
          long.class,
          double.class,
          float.class,
          short.class,
          Integer.class,
          Long.class,
          Double.class,
          Float.class,
          Short.class);

  private OptionRanges() {}

  /** An execution strategy that checks ranges, then runs the last subcommand as picocli does. */
  static CommandLine.IExecutionStrategy checkingThen(CommandLine.IExecutionStrategy next) {
    return parseResult -> {
      check(parseResult);
      return next.execute(parseResult);
    };
  }

  /** Throws a ParameterException for the first matched option whose value is out of range. */
  static void check(ParseResult parseResult) {
    for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
      for (OptionSpec o : pr.matchedOptions()) {
        String problem = violation(o, o.getValue());
        if (problem != null) {
          throw new CommandLine.ParameterException(pr.commandSpec().commandLine(), problem);
        }
      }
    }
  }

  /** Whether an option holds numbers (alone, or in an array or collection). */
  static boolean isNumeric(OptionSpec o) {
    if (NUMERIC.contains(o.type())) {
      return true;
    }
    if (o.type().isArray()) {
      return NUMERIC.contains(o.type().getComponentType());
    }
    return Collection.class.isAssignableFrom(o.type())
        && o.auxiliaryTypes().length > 0
        && NUMERIC.contains(o.auxiliaryTypes()[0]);
  }

  /** The declared range of an option, or null when it has none. */
  static Range rangeOf(OptionSpec o) {
    return o.userObject() instanceof AnnotatedElement e ? e.getAnnotation(Range.class) : null;
  }

  /** Why {@code value} is not acceptable for option {@code o}, or null when it is. */
  static String violation(OptionSpec o, Object value) {
    Range r = rangeOf(o);
    if (r == null || value == null) {
      return null;
    }
    for (Object v : values(value)) {
      if (!(v instanceof Number n)) {
        continue;
      }
      double d = n.doubleValue();
      boolean ok = Double.isFinite(d) && d >= r.min() && d <= r.max();
      if (!ok) {
        return String.format(
            Locale.ROOT, "%s %s is out of range: %s", o.longestName(), v, describe(r));
      }
    }
    return null;
  }

  /** The accepted range in words, e.g. "must be a finite number in [0, 100]". */
  static String describe(Range r) {
    boolean noMin = r.min() <= -Double.MAX_VALUE || r.min() <= Long.MIN_VALUE;
    boolean noMax = r.max() >= Double.MAX_VALUE || r.max() >= Long.MAX_VALUE;
    if (noMin && noMax) {
      return "must be a finite number";
    }
    if (noMax) {
      return "must be at least " + num(r.min());
    }
    if (noMin) {
      return "must be at most " + num(r.max());
    }
    return "must be between " + num(r.min()) + " and " + num(r.max());
  }

  private static String num(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15
        ? Long.toString((long) d)
        : String.format(Locale.ROOT, "%s", d);
  }

  private static List<?> values(Object value) {
    if (value instanceof Collection<?> c) {
      return List.copyOf(c);
    }
    if (value.getClass().isArray()) {
      int n = java.lang.reflect.Array.getLength(value);
      Object[] out = new Object[n];
      for (int i = 0; i < n; i++) {
        out[i] = java.lang.reflect.Array.get(value, i);
      }
      return List.of(out);
    }
    return List.of(value);
  }
}
