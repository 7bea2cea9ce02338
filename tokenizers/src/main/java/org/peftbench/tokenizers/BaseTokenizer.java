package org.peftbench.tokenizers;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What every tokenizer shares: the BOS/EOS ids and whether encoding adds them. {@link Tokenizers}
 * sets them once from the model folder's configs, before the tokenizer is handed out.
 */
abstract class BaseTokenizer implements Tokenizer {
  private int bosId = -1;
  private int eosId = -1;
  private Set<Integer> eosIds = Set.of();
  private boolean addBos;
  private boolean addEos;
  private boolean cleanUpSpaces;

  /** Sets the special ids; called by the loader. */
  final void configure(
      int bos, int eos, Set<Integer> eosSet, boolean addBosToken, boolean addEosToken) {
    this.bosId = bos;
    this.eosId = eos;
    Set<Integer> all = new LinkedHashSet<>();
    if (eos >= 0) {
      all.add(eos);
    }
    all.addAll(eosSet);
    this.eosIds = Collections.unmodifiableSet(all);
    this.addBos = addBosToken && bos >= 0;
    this.addEos = addEosToken && eos >= 0;
  }

  /**
   * Applies transformers' {@code clean_up_tokenization_spaces} in {@link #decode}; set by the
   * loader.
   */
  final void cleanUpTokenizationSpaces(boolean on) {
    this.cleanUpSpaces = on;
  }

  /**
   * Decodes as transformers' {@code tokenizer.decode} does: the tokenizer's own decoding ({@link
   * #decodeRaw}), then, if {@code tokenizer_config.json} sets {@code clean_up_tokenization_spaces}
   * (Llama 3 does), the removal of spaces before punctuation and English contractions.
   */
  @Override
  public final String decode(int[] ids, boolean skipSpecialTokens) {
    String text = decodeRaw(ids, skipSpecialTokens);
    return cleanUpSpaces ? cleanUp(text) : text;
  }

  /** The tokenizer library's decoding (HF tokenizers / SentencePiece), without clean-up. */
  public abstract String decodeRaw(int[] ids, boolean skipSpecialTokens);

  /** transformers' {@code clean_up_tokenization}. */
  static String cleanUp(String text) {
    return text.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re");
  }

  /** BOS/EOS as the tokenizer file alone defines them (used when no model folder configs apply). */
  final void configureDefaults() {
    configure(defaultBosId(), defaultEosId(), Set.of(), defaultAddBos(), defaultAddEos());
  }

  /** BOS the tokenizer file itself names (before configs), or -1. */
  abstract int defaultBosId();

  /** EOS the tokenizer file itself names (before configs), or -1. */
  abstract int defaultEosId();

  /** Whether the tokenizer file itself adds BOS. */
  abstract boolean defaultAddBos();

  /** Whether the tokenizer file itself adds EOS. */
  abstract boolean defaultAddEos();

  @Override
  public int bosId() {
    return bosId;
  }

  @Override
  public int eosId() {
    return eosId;
  }

  @Override
  public Set<Integer> eosIds() {
    return eosIds;
  }

  @Override
  public boolean addBos() {
    return addBos;
  }

  /** Whether {@code encode(text, true)} ends with EOS. */
  public boolean addEos() {
    return addEos;
  }

  void checkId(int id) {
    if (id < 0 || id >= vocabSize()) {
      throw new IllegalArgumentException(
          "token id " + id + " is outside the vocabulary (size " + vocabSize() + ")");
    }
  }
}
