package org.peftbench.tokenizers;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** UTF-8 decoding helpers matching the Rust/C++ libraries' treatment of invalid bytes. */
final class Utf8 {
  private Utf8() {}

  /** Decodes, replacing each maximal invalid subsequence with U+FFFD (Rust's from_utf8_lossy). */
  static String decodeLossy(byte[] bytes) {
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    try {
      return d.decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalStateException(e); // cannot happen with REPLACE
    }
  }

  /** The decoded text, or null when {@code bytes} are not valid UTF-8. */
  static String decodeStrict(byte[] bytes) {
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      CharBuffer cb = d.decode(ByteBuffer.wrap(bytes));
      return cb.toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * Decodes, replacing every byte that does not start a valid UTF-8 sequence with U+FFFD and moving
   * on by one byte (SentencePiece's rule: "E6 97" gives two U+FFFD).
   */
  static String decodePerByte(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length);
    int i = 0;
    while (i < b.length) {
      int lead = b[i] & 0xFF;
      int len;
      int cp;
      int min;
      if (lead < 0x80) {
        sb.append((char) lead);
        i++;
        continue;
      } else if (lead >= 0xC2 && lead <= 0xDF) {
        len = 2;
        cp = lead & 0x1F;
        min = 0x80;
      } else if (lead >= 0xE0 && lead <= 0xEF) {
        len = 3;
        cp = lead & 0x0F;
        min = 0x800;
      } else if (lead >= 0xF0 && lead <= 0xF4) {
        len = 4;
        cp = lead & 0x07;
        min = 0x10000;
      } else {
        sb.append('\uFFFD');
        i++;
        continue;
      }
      boolean ok = i + len <= b.length;
      for (int k = 1; ok && k < len; k++) {
        int c = b[i + k] & 0xFF;
        ok = (c & 0xC0) == 0x80;
        cp = (cp << 6) | (c & 0x3F);
      }
      if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        sb.append('\uFFFD');
        i++;
        continue;
      }
      sb.appendCodePoint(cp);
      i += len;
    }
    return sb.toString();
  }
}
