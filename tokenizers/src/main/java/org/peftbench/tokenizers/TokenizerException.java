package org.peftbench.tokenizers;

import java.nio.file.Path;

/** A tokenizer file that cannot be used; the message names the file and the problem. */
public class TokenizerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TokenizerException(Path file, String problem) {
    super((file == null ? "tokenizer" : file.toString()) + ": " + problem);
  }

  public TokenizerException(Path file, String problem, Throwable cause) {
    super((file == null ? "tokenizer" : file.toString()) + ": " + problem, cause);
  }
}
