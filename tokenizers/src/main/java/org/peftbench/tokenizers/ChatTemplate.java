package org.peftbench.tokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.peftbench.tokenizers.jinja.Limits;
import org.peftbench.tokenizers.jinja.Template;
import org.peftbench.tokenizers.jinja.TemplateException;

/**
 * A model's chat template (the Jinja2 {@code chat_template} of {@code tokenizer_config.json}, or a
 * {@code chat_template.jinja} file), rendered by our sandboxed Jinja2 interpreter ({@link
 * Template}) with transformers' semantics. The template comes with a downloaded model folder, so it
 * is untrusted code: it is parsed when loaded, bounded by {@link Limits} when rendered, and every
 * failure is one {@link ChatTemplateException} whose message names the file and the problem.
 * Message content is data: it is printed as is, never evaluated.
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

  private final String text;
  private final String source;
  private final Map<String, Object> specialTokens;
  private final Limits limits;
  private final Template template;

  private ChatTemplate(
      String text, String source, Map<String, Object> specialTokens, Limits limits) {
    this.text = text;
    this.source = source;
    this.specialTokens = specialTokens;
    this.limits = limits;
    try {
      this.template = Template.parse(text, limits);
    } catch (TemplateException e) {
      throw new ChatTemplateException(source, e);
    }
  }

  /** A template from its text; {@code specialTokens} are exposed as variables (bos_token, ...). */
  public static ChatTemplate of(String template, Map<String, String> specialTokens) {
    return new ChatTemplate(
        template, "chat template", new HashMap<>(specialTokens), Limits.DEFAULT);
  }

  /** This template under other limits (tests use tight ones). */
  public ChatTemplate withLimits(Limits newLimits) {
    return new ChatTemplate(text, source, specialTokens, newLimits);
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
        : Optional.of(new ChatTemplate(template, source, tokens, Limits.DEFAULT));
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
    try {
      return template.render(ctx);
    } catch (TemplateException e) {
      throw new ChatTemplateException(source, e);
    }
  }

  /** The template text. */
  public String template() {
    return text;
  }

  /** A chat template that cannot be loaded or rendered; the message names the file. */
  public static final class ChatTemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final TemplateException.Kind kind;

    ChatTemplateException(String source, TemplateException e) {
      super(source + ": " + describe(e), e);
      this.kind = e.kind();
    }

    private static String describe(TemplateException e) {
      return switch (e.kind()) {
        case RAISED -> "chat template raised an exception: " + e.getMessage();
        case LIMIT -> "chat template stopped, " + e.getMessage();
        case FORBIDDEN -> "chat template rejected: " + e.getMessage();
        case SYNTAX -> "chat template has a " + e.getMessage();
        default -> "chat template failed: " + e.getMessage();
      };
    }

    /** What went wrong: a syntax error, a limit, a forbidden tag, the template's own error, ... */
    public TemplateException.Kind kind() {
      return kind;
    }
  }
}
