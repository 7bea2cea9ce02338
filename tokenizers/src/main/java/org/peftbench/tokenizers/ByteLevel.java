package org.peftbench.tokenizers;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte ↔ character table. Byte-level BPE works on bytes, but its vocabulary is stored as
 * text, so every byte is given a printable character: bytes that are printable Latin-1 map to
 * themselves, the others (controls, space, ...) to U+0100 onwards (space becomes 'Ġ', newline 'Ċ').
 */
final class ByteLevel {
  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[0x200];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int next = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      char c = printable ? (char) b : (char) (256 + next++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  /** Raw bytes (a byte-level token), each as its table character. */
  static String fromBytes(byte[] bytes) {
    char[] out = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
    }
    return new String(out);
  }

  /** The UTF-8 bytes of {@code text}, each as its table character. */
  static String encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    char[] out = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
    }
    return new String(out);
  }

  /**
   * Table characters back to bytes, then UTF-8 (invalid sequences become U+FFFD, as HF does).
   * Characters outside the table (e.g. in added tokens) contribute their own UTF-8 bytes.
   */
  static String decode(String chars) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(chars.length());
    for (int i = 0; i < chars.length(); ) {
      int cp = chars.codePointAt(i);
      i += Character.charCount(cp);
      if (cp < CHAR_TO_BYTE.length && CHAR_TO_BYTE[cp] >= 0) {
        bytes.write(CHAR_TO_BYTE[cp]);
      } else {
        bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
      }
    }
    return Utf8.decodeLossy(bytes.toByteArray());
  }
}
