package org.peftbench.harness.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hashes a hub ETag names: a 64-hex ETag is the sha256 of an LFS file's bytes, a 40-hex one the
 * git blob id ({@code sha1("blob <size>\0" + bytes)}) of a file kept in git.
 */
final class Checksums {
  private Checksums() {}

  /** The hash of {@code file} of the kind {@code etag} is, or null for an ETag of neither kind. */
  static String ofBlob(Path file, String etag) throws IOException {
    return switch (etag.length()) {
      case 64 -> digest(file, "SHA-256", null);
      case 40 ->
          digest(
              file,
              "SHA-1",
              ("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII));
      default -> null;
    };
  }

  static String kind(String etag) {
    return etag.length() == 64 ? "sha256" : "git sha1";
  }

  static String digest(Path file, String algorithm, byte[] header) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " missing from the JDK", e);
    }
    if (header != null) {
      md.update(header);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
