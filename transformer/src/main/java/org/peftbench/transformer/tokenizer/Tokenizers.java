package org.peftbench.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Loads the tokenizer of a HuggingFace model folder: {@code tokenizer.json} if present, else
 * GPT-2's {@code vocab.json} + {@code merges.txt}, else {@code tokenizer.model} (SentencePiece, or
 * Meta's tiktoken format), else Llama 3's tiktoken {@code original/tokenizer.model}. BOS/EOS and
 * whether BOS/EOS are added come from {@code tokenizer_config.json} ({@code bos_token}, {@code
 * eos_token}, {@code add_bos_token}, {@code add_eos_token}) and {@code generation_config.json}
 * ({@code bos_token_id}, {@code eos_token_id}, which may be a list), then from the tokenizer file
 * itself.
 */
public final class Tokenizers {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Tokenizers() {}

  /** Whether {@code modelDir} holds a tokenizer {@link #load} would read. */
  public static boolean present(Path modelDir) {
    for (String f : List.of("tokenizer.json", "vocab.json", "tokenizer.model")) {
      if (Files.isRegularFile(modelDir.resolve(f))) {
        return true;
      }
    }
    return false;
  }

  public static Tokenizer load(Path modelDir) {
    BaseTokenizer tok;
    Path tokenizerJson = modelDir.resolve("tokenizer.json");
    Path vocab = modelDir.resolve("vocab.json");
    Path merges = modelDir.resolve("merges.txt");
    Path spModel = modelDir.resolve("tokenizer.model");
    Path original = modelDir.resolve("original").resolve("tokenizer.model");
    if (Files.isRegularFile(tokenizerJson)) {
      tok = HfTokenizer.fromJson(tokenizerJson);
    } else if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
      tok = HfTokenizer.fromGpt2Files(vocab, merges);
    } else if (Files.isRegularFile(spModel) && Tiktoken.isTiktokenFile(spModel)) {
      tok = Tiktoken.load(spModel, Tiktoken.specialTokens(Tiktoken.isLlama31(modelDir)));
    } else if (Files.isRegularFile(spModel)) {
      tok = SentencePieceTokenizer.load(spModel);
    } else if (Files.isRegularFile(original) && Tiktoken.isTiktokenFile(original)) {
      tok = Tiktoken.load(original, Tiktoken.specialTokens(Tiktoken.isLlama31(modelDir)));
    } else {
      throw new TokenizerException(
          modelDir,
          "no tokenizer found (looked for tokenizer.json, vocab.json + merges.txt, tokenizer.model,"
              + " original/tokenizer.model)");
    }
    configure(tok, modelDir);
    return tok;
  }

  private static JsonNode readOptional(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new TokenizerException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  /** A token written as a string or as an AddedToken object {@code {"content": ...}}. */
  static String tokenText(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isObject() && n.has("content")) {
      return n.get("content").asText();
    }
    return null;
  }

  private static void configure(BaseTokenizer tok, Path modelDir) {
    Path configFile = modelDir.resolve("tokenizer_config.json");
    Path genFile = modelDir.resolve("generation_config.json");
    JsonNode config = readOptional(configFile);
    JsonNode gen = readOptional(genFile);

    int bos = tok.defaultBosId();
    int eos = tok.defaultEosId();
    Set<Integer> eosIds = new LinkedHashSet<>();
    if (gen != null) {
      if (gen.path("bos_token_id").isInt()) {
        bos = gen.get("bos_token_id").asInt();
      }
      JsonNode e = gen.path("eos_token_id");
      if (e.isInt()) {
        eosIds.add(e.asInt());
      } else if (e.isArray()) {
        e.forEach(x -> eosIds.add(x.asInt()));
      }
      if (!eosIds.isEmpty()) {
        eos = eosIds.iterator().next();
      }
    }
    boolean addBos = tok.defaultAddBos();
    boolean addEos = tok.defaultAddEos();
    boolean explicitFlags = false;
    if (config != null) {
      bos = resolve(tok, config, "bos_token", bos, configFile);
      eos = resolve(tok, config, "eos_token", eos, configFile);
      if (config.path("add_bos_token").isBoolean()) {
        addBos = config.get("add_bos_token").asBoolean();
        explicitFlags = true;
      }
      tok.cleanUpTokenizationSpaces(config.path("clean_up_tokenization_spaces").asBoolean(false));
      if (config.path("add_eos_token").isBoolean()) {
        addEos = config.get("add_eos_token").asBoolean();
        explicitFlags = true;
      }
    }
    for (int id : eosIds) {
      if (id < 0 || id >= tok.vocabSize()) {
        throw new TokenizerException(genFile, "eos_token_id " + id + " is outside the vocabulary");
      }
    }
    if (bos >= tok.vocabSize() || eos >= tok.vocabSize()) {
      throw new TokenizerException(
          modelDir, "BOS/EOS id outside the vocabulary of " + tok.vocabSize());
    }
    tok.configure(bos, eos, eosIds, addBos, addEos);
    if (tok instanceof SentencePieceTokenizer sp
        && config != null
        && config.path("legacy").isBoolean()) {
      sp.legacy(config.get("legacy").asBoolean());
    }
    if (explicitFlags && tok instanceof HfTokenizer hf) {
      // transformers rebuilds the post-processor of Llama-style fast tokenizers from these flags.
      hf.setSequenceTemplate(
          tok.addBos() ? new int[] {tok.bosId()} : new int[0],
          tok.addEos() ? new int[] {tok.eosId()} : new int[0]);
    }
  }

  private static int resolve(
      BaseTokenizer tok, JsonNode config, String key, int fallback, Path file) {
    String text = tokenText(config.get(key));
    if (text == null) {
      return fallback;
    }
    int id = tok.id(text);
    if (id < 0) {
      throw new TokenizerException(file, key + " '" + text + "' is not in the vocabulary");
    }
    return id;
  }
}
