package org.peftbench.tokenizers.jinja;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.tokenizers.jinja.Node.Stmt;

/**
 * A sandboxed Jinja2 template: the subset of Jinja2 that Hugging Face chat templates use, with
 * Jinja2's semantics in the environment transformers renders them in ({@code
 * ImmutableSandboxedEnvironment}, {@code trim_blocks}, {@code lstrip_blocks}, loop controls). The
 * template is untrusted: it can reach no Java object or method, no file, and no other template, and
 * every render is bounded by {@link Limits}. Variables are data: what they hold is printed, never
 * interpreted.
 */
public final class Template {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<Stmt> body;
  private final Limits limits;

  private Template(List<Stmt> body, Limits limits) {
    this.body = body;
    this.limits = limits;
  }

  /** Parses {@code text}; a syntax error or a forbidden tag throws {@link TemplateException}. */
  public static Template parse(String text, Limits limits) {
    return new Template(Parser.parse(text, limits), limits);
  }

  /**
   * Renders with {@code variables} (JSON-like Java values: maps, lists, strings, numbers, booleans,
   * null, Jackson trees); anything else is rejected rather than exposed to the template.
   */
  public String render(Map<String, ?> variables) {
    Map<String, Object> globals = new LinkedHashMap<>();
    variables.forEach((k, v) -> globals.put(k, fromJava(v)));
    return new Interpreter(limits, globals).render(body);
  }

  /** A deep, immutable copy of a JSON-like Java value in the interpreter's value types. */
  static Object fromJava(Object v) {
    return switch (v) {
      case null -> null;
      case String s -> s;
      case CharSequence cs -> cs.toString();
      case Character c -> c.toString();
      case Boolean b -> b;
      case Long l -> l;
      case Integer i -> (long) i;
      case Short s -> (long) s;
      case Byte b -> (long) b;
      case BigInteger b -> b.longValueExact();
      case Float f -> (double) f;
      case Double d -> d;
      case BigDecimal b -> b.doubleValue();
      case JsonNode n -> fromJava(JSON.convertValue(n, Object.class));
      case Map<?, ?> m -> {
        Map<Object, Object> out = new LinkedHashMap<>();
        m.forEach((k, x) -> out.put(fromJava(k), fromJava(x)));
        yield Collections.unmodifiableMap(out);
      }
      case Iterable<?> it -> {
        List<Object> out = new ArrayList<>();
        it.forEach(x -> out.add(fromJava(x)));
        yield Collections.unmodifiableList(out);
      }
      case Object[] arr -> fromJava(java.util.Arrays.asList(arr));
      default ->
          throw new IllegalArgumentException(
              "a " + v.getClass().getName() + " cannot be passed to a chat template");
    };
  }
}
