/**
 * Tokenizers of HF model folders, in pure Java: {@link org.peftbench.tokenizers.Tokenizers#load}
 * picks the folder's {@code tokenizer.json} ({@link org.peftbench.tokenizers.HfTokenizer}:
 * normalizers, pre-tokenizers, byte-level BPE, decoders), SentencePiece model ({@link
 * org.peftbench.tokenizers.SentencePieceTokenizer}) or tiktoken file ({@code Tiktoken}), with the
 * special tokens and settings of {@code tokenizer_config.json}; {@link
 * org.peftbench.tokenizers.ChatTemplate} renders the folder's chat template in the sandboxed Jinja2
 * interpreter of {@code org.peftbench.tokenizers.jinja}. Every implementation is a {@link
 * org.peftbench.tokenizers.Tokenizer}; bad files raise {@link
 * org.peftbench.tokenizers.TokenizerException} naming the file. The module depends on no other
 * module (the model side uses it through {@code transformer}).
 */
package org.peftbench.tokenizers;
