package org.peftbench.tokenizers;

import java.util.Set;

/**
 * Text ↔ token ids for one model. Implementations: {@link HfTokenizer} ({@code tokenizer.json}, or
 * GPT-2's {@code vocab.json} + {@code merges.txt}) and {@link SentencePieceTokenizer} ({@code
 * tokenizer.model}). Obtain one with {@link Tokenizers#load}. Instances are immutable and
 * thread-safe.
 */
public interface Tokenizer {
  /**
   * Token ids of {@code text}. Special tokens written in the text (e.g. {@code <|eot_id|>}) are
   * recognised as such; {@code addSpecialTokens} adds what the model adds around a sequence (BOS
   * for Llama).
   */
  int[] encode(String text, boolean addSpecialTokens);

  /** The text of {@code ids}; {@code skipSpecialTokens} drops BOS/EOS and other special tokens. */
  String decode(int[] ids, boolean skipSpecialTokens);

  /** Number of ids (the largest id + 1, added tokens included). */
  int vocabSize();

  /** The token string of {@code id} as stored in the vocabulary (e.g. "Ġthe", "▁the"). */
  String token(int id);

  /** The id of the token string {@code token}, or -1 if it is not in the vocabulary. */
  int id(String token);

  /** Whether {@code id} is a special (control) token. */
  boolean isSpecial(int id);

  /** Beginning-of-sequence id, or -1 if the model has none. */
  int bosId();

  /** The main end-of-sequence id, or -1 if none. */
  int eosId();

  /** Every id that ends generation (tokenizer config and generation config together). */
  Set<Integer> eosIds();

  /** Whether {@code encode(text, true)} starts with BOS. */
  boolean addBos();
}
