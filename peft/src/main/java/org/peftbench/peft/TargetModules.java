package org.peftbench.peft;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which modules a method adapts, spelled as in HF PEFT's {@code target_modules}: either a list of
 * names, where a module matches if its full name equals an entry or ends with {@code "." + entry}
 * (so {@code "q_proj"} matches {@code model.layers.0.self_attn.q_proj}), or one regular expression
 * string that must match the whole module name. PEFT's shorthand {@code "all-linear"} means every
 * linear layer except the output layer ({@code lm_head}).
 */
public final class TargetModules {
  private final List<String> names; // null when a regex
  private final Pattern regex; // null when a list

  private TargetModules(List<String> names, Pattern regex) {
    this.names = names;
    this.regex = regex;
  }

  public static TargetModules of(String... names) {
    return new TargetModules(List.of(names), null);
  }

  public static TargetModules of(Collection<String> names) {
    return new TargetModules(List.copyOf(names), null);
  }

  /** PEFT's {@code INCLUDE_LINEAR_LAYERS_SHORTHAND}. */
  public static final String ALL_LINEAR = "all-linear";

  public static TargetModules regex(String regex) {
    if (regex.equals(ALL_LINEAR)) {
      return new TargetModules(null, Pattern.compile("(?!lm_head$).*"));
    }
    try {
      return new TargetModules(null, Pattern.compile(regex));
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "target_modules: invalid regex '" + regex + "': " + e.getDescription(), e);
    }
  }

  /** Reads the JSON form: a string (regex) or an array of strings. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static TargetModules fromJson(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return regex(node.asText());
    }
    if (node.isArray()) {
      List<String> list = new ArrayList<>();
      for (JsonNode e : node) {
        if (!e.isTextual()) {
          throw new IllegalArgumentException("module list entries must be strings, got " + e);
        }
        list.add(e.asText());
      }
      return new TargetModules(List.copyOf(list), null);
    }
    throw new IllegalArgumentException(
        "a module list must be a string (regex) or a list of names, got " + node);
  }

  /** The JSON form: the regex string or the list. */
  @JsonValue
  public Object toJson() {
    if (regex != null) {
      return regex.pattern().equals("(?!lm_head$).*") ? ALL_LINEAR : regex.pattern();
    }
    return names;
  }

  public boolean isRegex() {
    return regex != null;
  }

  /** The listed names (empty for a regex). */
  public List<String> names() {
    return names == null ? List.of() : names;
  }

  /** PEFT's rule: regex full match, or exact name, or suffix after a dot. */
  public boolean matches(String moduleName) {
    if (regex != null) {
      return regex.matcher(moduleName).matches();
    }
    for (String n : names) {
      if (moduleName.equals(n) || moduleName.endsWith("." + n)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The rule PEFT's IA3 uses for {@code feedforward_modules}: regex full match, or a plain suffix
   * (no dot required).
   */
  public boolean matchesSuffix(String moduleName) {
    if (regex != null) {
      return regex.matcher(moduleName).matches();
    }
    return names.stream().anyMatch(moduleName::endsWith);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TargetModules t
        && toJson().toString().equals(t.toJson().toString())
        && isRegex() == t.isRegex();
  }

  @Override
  public int hashCode() {
    return toJson().toString().hashCode();
  }

  @Override
  public String toString() {
    return regex != null ? "regex '" + toJson() + "'" : names.toString();
  }
}
