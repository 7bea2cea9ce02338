package org.peftbench.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's chat template (the Jinja2 {@code chat_template} of {@code tokenizer_config.json}, or a
 * {@code chat_template.jinja} file) rendered with Jinjava configured like transformers'
 * environment: {@code trim_blocks}, {@code lstrip_blocks}, {@code raise_exception(msg)}, {@code
 * tojson} as Python's {@code json.dumps}, and Python string methods on strings ({@link
 * PyStringMethods}). Two syntax gaps of Jinjava are bridged by rewriting the template: reversed
 * slices {@code x[::-1]} become {@code (x|reverse)}, and the keyword values of {@code
 * namespace(...)} are parenthesized (Jinjava otherwise binds {@code a=b|length - 1} wrongly).
 */
public final class ChatTemplate {
  /** One chat message; {@code content} is plain text. */
  public record Message(String role, String content) {
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("role", role);
      m.put("content", content);
      return m;
    }
  }

  private static final Pattern REVERSED_SLICE =
      Pattern.compile("([A-Za-z_][A-Za-z_0-9]*(?:\\.[A-Za-z_][A-Za-z_0-9]*)*)\\[::-1\\]");
  private static final Pattern NAMESPACE_CALL =
      Pattern.compile("namespace\\(([^()]*(?:\\([^()]*\\)[^()]*)*)\\)");

  private final String template;
  private final String source;
  private final Map<String, Object> specialTokens;
  private final Jinjava jinjava;

  private ChatTemplate(String template, String source, Map<String, Object> specialTokens) {
    this.template = rewrite(template);
    this.source = source;
    this.specialTokens = specialTokens;
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withFailOnUnknownTokens(false)
            .withElResolver(
                new PyStringMethods(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE))
            .withLegacyOverrides(
                LegacyOverrides.newBuilder()
                    .withUseNaturalOperatorPrecedence(true)
                    .withParseWhitespaceControlStrictly(true)
                    .withUseTrimmingForNotesAndExpressions(true)
                    .withKeepNullableLoopValues(true)
                    .withHandleBackslashInQuotesOnly(true)
                    .build())
            .build();
    this.jinjava = new Jinjava(config);
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    jinjava.getGlobalContext().registerFilter(new ToJsonFilter());
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
  }

  /** A template from its text; {@code specialTokens} are exposed as variables (bos_token, ...). */
  public static ChatTemplate of(String template, Map<String, String> specialTokens) {
    return new ChatTemplate(template, "template", new HashMap<>(specialTokens));
  }

  /**
   * The chat template of a model folder ({@code chat_template.jinja}, else {@code chat_template} in
   * {@code tokenizer_config.json}; a named list picks "default"), or empty if it has none.
   */
  public static Optional<ChatTemplate> load(Path modelDir) {
    Path configFile = modelDir.resolve("tokenizer_config.json");
    Map<String, Object> tokens = new HashMap<>();
    String template = null;
    String source = null;
    if (Files.isRegularFile(configFile)) {
      JsonNode config;
      try {
        config = new ObjectMapper().readTree(configFile.toFile());
      } catch (IOException e) {
        throw new TokenizerException(configFile, "cannot read: " + e.getMessage(), e);
      }
      for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
        String t = Tokenizers.tokenText(config.get(key));
        if (t != null) {
          tokens.put(key, t);
        }
      }
      JsonNode ct = config.get("chat_template");
      if (ct != null && ct.isTextual()) {
        template = ct.asText();
      } else if (ct != null && ct.isArray()) {
        for (JsonNode named : ct) {
          if (named.path("name").asText().equals("default")) {
            template = named.path("template").asText();
          }
        }
        if (template == null) {
          throw new TokenizerException(configFile, "chat_template list has no \"default\" entry");
        }
      }
      source = configFile.toString();
    }
    Path jinja = modelDir.resolve("chat_template.jinja");
    if (Files.isRegularFile(jinja)) {
      try {
        template = Files.readString(jinja, StandardCharsets.UTF_8);
        source = jinja.toString();
      } catch (IOException e) {
        throw new TokenizerException(jinja, "cannot read: " + e.getMessage(), e);
      }
    }
    return template == null
        ? Optional.empty()
        : Optional.of(new ChatTemplate(template, source, tokens));
  }

  /** Renders {@code messages}; {@code addGenerationPrompt} appends the assistant header. */
  public String render(List<Message> messages, boolean addGenerationPrompt) {
    List<Map<String, Object>> maps = new ArrayList<>();
    for (Message m : messages) {
      maps.add(m.toMap());
    }
    return render(maps, addGenerationPrompt, Map.of());
  }

  /**
   * Renders messages given as maps (for templates that read more fields than role and content);
   * {@code extra} adds variables (e.g. {@code enable_thinking}, {@code tools}).
   */
  public String render(
      List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
    Map<String, Object> ctx = new HashMap<>(specialTokens);
    ctx.put("messages", messages);
    ctx.put("add_generation_prompt", addGenerationPrompt);
    ctx.putAll(extra);
    RenderResult result = jinjava.renderForResult(template, ctx);
    for (TemplateError e : result.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        String msg = e.getMessage();
        Throwable cause = e.getException();
        while (cause != null) {
          if (cause instanceof ChatTemplateException c) {
            msg = c.getMessage();
          }
          cause = cause.getCause();
        }
        throw new ChatTemplateException(source + ": chat template failed: " + msg);
      }
    }
    return result.getOutput();
  }

  /** The template text as rendered (after the syntax rewrites). */
  public String template() {
    return template;
  }

  /** What {@code raise_exception(...)} in a template throws. */
  public static final class ChatTemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
      super(message);
    }
  }

  /** Called by templates: {@code {{ raise_exception('...') }}}. */
  public static String raiseException(String message) {
    throw new ChatTemplateException(message);
  }

  /**
   * Called by templates (Llama 3.1+): {@code strftime_now("%d %b %Y")}, the local time formatted
   * with Python's strftime directives.
   */
  public static String strftimeNow(String format) {
    return strftime(java.time.LocalDateTime.now(), format);
  }

  static String strftime(java.time.LocalDateTime t, String format) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        sb.append(c);
        continue;
      }
      char d = format.charAt(++i);
      String pattern =
          switch (d) {
            case 'd' -> "dd";
            case 'm' -> "MM";
            case 'Y' -> "yyyy";
            case 'y' -> "yy";
            case 'b' -> "MMM";
            case 'B' -> "MMMM";
            case 'a' -> "EEE";
            case 'A' -> "EEEE";
            case 'H' -> "HH";
            case 'I' -> "hh";
            case 'M' -> "mm";
            case 'S' -> "ss";
            case 'p' -> "a";
            case 'j' -> "DDD";
            default -> null;
          };
      if (d == '%') {
        sb.append('%');
      } else if (pattern == null) {
        sb.append('%').append(d);
      } else {
        sb.append(
            java.time.format.DateTimeFormatter.ofPattern(pattern, java.util.Locale.ENGLISH)
                .format(t));
      }
    }
    return sb.toString();
  }

  static String rewrite(String template) {
    String t = REVERSED_SLICE.matcher(template).replaceAll("($1|reverse)");
    Matcher m = NAMESPACE_CALL.matcher(t);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      List<String> args = splitTopLevel(m.group(1));
      List<String> wrapped = new ArrayList<>();
      for (String a : args) {
        int eq = a.indexOf('=');
        wrapped.add(
            eq > 0 && a.charAt(eq + 1) != '='
                ? a.substring(0, eq + 1) + "(" + a.substring(eq + 1).strip() + ")"
                : a);
      }
      m.appendReplacement(
          sb, Matcher.quoteReplacement("namespace(" + String.join(", ", wrapped) + ")"));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** Splits call arguments at commas outside parentheses, brackets and quotes. */
  private static List<String> splitTopLevel(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    char quote = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(s.substring(start, i).strip());
        start = i + 1;
      }
    }
    if (!s.substring(start).isBlank()) {
      out.add(s.substring(start).strip());
    }
    return out;
  }

  /**
   * {@code tojson} as transformers defines it: Python's {@code json.dumps(x, ensure_ascii=False)}.
   */
  static final class ToJsonFilter implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      StringBuilder sb = new StringBuilder();
      PythonJson.write(var, sb);
      return sb.toString();
    }
  }
}
