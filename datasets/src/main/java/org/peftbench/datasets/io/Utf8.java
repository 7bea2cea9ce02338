package org.peftbench.datasets.io;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.peftbench.datasets.DatasetException;

/**
 * Names where a text file stops being UTF-8. A buffered reader meets malformed bytes while filling
 * its buffer, ahead of the line it returns, so its line count cannot say where they are; this
 * second pass, run only after such a failure, decodes line by line and finds the first bad one.
 */
final class Utf8 {
  private Utf8() {}

  /** Whether a read failure is (caused by) bytes that are not UTF-8. */
  static boolean isDecodingError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CharacterCodingException) {
        return true;
      }
    }
    return false;
  }

  /** The error for {@code file}: "not UTF-8 text: line N (byte offset B) ...". */
  static DatasetException notUtf8(Path file, Throwable cause) {
    String at;
    try {
      long[] lineAndOffset = firstBadLine(file);
      at =
          lineAndOffset == null
              ? "malformed bytes"
              : "line " + lineAndOffset[0] + " (byte offset " + lineAndOffset[1] + ") is not UTF-8";
    } catch (IOException e) {
      at = "malformed bytes";
    }
    return new DatasetException(
        file + ": not UTF-8 text: " + at + "; convert the file to UTF-8", cause);
  }

  /** {line number from 1, byte offset of the first bad byte}, or null when every line decodes. */
  static long[] firstBadLine(Path file) throws IOException {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      long lineNo = 1;
      long lineStart = 0;
      long offset = 0;
      int b;
      while (true) {
        b = in.read();
        if (b == '\n' || b < 0) {
          byte[] bytes = line.toByteArray();
          ByteBuffer buf = ByteBuffer.wrap(bytes);
          try {
            decoder.reset().decode(buf);
          } catch (CharacterCodingException e) {
            return new long[] {lineNo, lineStart + buf.position()};
          }
          if (b < 0) {
            return null;
          }
          line.reset();
          lineNo++;
          lineStart = offset + 1;
        } else {
          line.write(b);
        }
        offset++;
      }
    }
  }
}
