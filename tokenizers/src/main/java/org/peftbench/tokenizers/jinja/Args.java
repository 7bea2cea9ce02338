package org.peftbench.tokenizers.jinja;

import java.util.List;
import java.util.Map;
import org.peftbench.tokenizers.jinja.Values.Undefined;

/** The arguments of one call to a filter, test, method or function, by position or keyword. */
final class Args {
  private final String function;
  private final Object[] values;
  private final boolean[] given;

  Args(String function, List<Object> args, Map<String, Object> kwargs, String... names) {
    this.function = function;
    this.values = new Object[names.length];
    this.given = new boolean[names.length];
    if (args.size() > names.length) {
      throw TemplateException.type(
          function + "() takes at most " + names.length + " arguments (" + args.size() + " given)");
    }
    for (int i = 0; i < args.size(); i++) {
      values[i] = args.get(i);
      given[i] = true;
    }
    for (Map.Entry<String, Object> e : kwargs.entrySet()) {
      int i = List.of(names).indexOf(e.getKey());
      if (i < 0) {
        throw TemplateException.type(
            function + "() got an unexpected keyword argument '" + e.getKey() + "'");
      }
      if (given[i]) {
        throw TemplateException.type(
            function + "() got multiple values for argument '" + e.getKey() + "'");
      }
      values[i] = e.getValue();
      given[i] = true;
    }
  }

  boolean has(int i) {
    return given[i];
  }

  Object get(int i, Object fallback) {
    return given[i] ? values[i] : fallback;
  }

  Object required(int i) {
    if (!given[i]) {
      throw TemplateException.type(function + "() missing a required argument");
    }
    if (values[i] instanceof Undefined u) {
      throw u.fail();
    }
    return values[i];
  }

  String string(int i) {
    Object v = required(i);
    if (!(v instanceof String s)) {
      throw TemplateException.type(function + "() argument must be str, not " + Py.typeName(v));
    }
    return s;
  }

  /** A string argument that may be missing or None. */
  String optString(int i) {
    Object v = get(i, null);
    if (v == null) {
      return null;
    }
    if (v instanceof Undefined u) {
      throw u.fail();
    }
    if (!(v instanceof String s)) {
      throw TemplateException.type(
          function + "() argument must be str or None, not " + Py.typeName(v));
    }
    return s;
  }

  long getLong(int i, long fallback) {
    Object v = get(i, null);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Long || v instanceof Boolean)) {
      throw TemplateException.type(
          function + "() argument must be an integer, not " + Py.typeName(v));
    }
    return Py.number(v).longValue();
  }
}
