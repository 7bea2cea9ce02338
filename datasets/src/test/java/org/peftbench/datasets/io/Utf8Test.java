package org.peftbench.datasets.io;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.datasets.DatasetException;

/** Data that is not UTF-8 is refused in one line naming the file and the first bad line. */
class Utf8Test {
  @TempDir Path dir;

  /**
   * 300 good lines (more than a reader's first buffer), then a Latin-1 "é" on line 301: 300 × 21
   * bytes + 13.
   */
  private Path withLatin1OnLine301(String name, String header, String goodLine, String badLine)
      throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    if (header != null) {
      b.write((header + "\n").getBytes(StandardCharsets.UTF_8));
    }
    int first = header == null ? 1 : 2;
    for (int i = first; i <= 300; i++) {
      b.write((goodLine + "\n").getBytes(StandardCharsets.UTF_8));
    }
    b.write(badLine.getBytes(StandardCharsets.ISO_8859_1));
    b.write('\n');
    Path f = dir.resolve(name);
    Files.write(f, b.toByteArray());
    return f;
  }

  @Test
  void jsonlNamesTheFileAndTheFirstBadLine() throws Exception {
    Path f =
        withLatin1OnLine301(
            "train.jsonl", null, "{\"text\": \"fine, ok\"}", "{\"text\": \"caf\u00e9\"}");
    assertThatThrownBy(() -> RowsTest.readAll(f))
        .isInstanceOf(DatasetException.class)
        .hasMessage(
            f
                + ": not UTF-8 text: line 301 (byte offset 6313) is not UTF-8; convert the file to"
                + " UTF-8");
  }

  @Test
  void csvNamesTheFileAndTheFirstBadLine() throws Exception {
    Path f = withLatin1OnLine301("train.csv", "text,label", "fine,1", "caf\u00e9,0");
    assertThatThrownBy(() -> RowsTest.readAll(f))
        .isInstanceOf(DatasetException.class)
        .hasMessageStartingWith(f + ": not UTF-8 text: line 301 (byte offset");
  }
}
