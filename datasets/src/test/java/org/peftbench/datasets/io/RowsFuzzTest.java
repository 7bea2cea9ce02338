package org.peftbench.datasets.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.peftbench.datasets.DatasetException;

/**
 * Coverage-guided fuzzing of the data loaders: bytes written as a JSONL, JSON, CSV, TSV or Parquet
 * file (the format picked by the first input byte) either read row by row to the end, or fail with
 * a {@link DatasetException} that names the file. A bare runtime exception, an out-of-memory or a
 * hang is a finding.
 */
class RowsFuzzTest {
  @FuzzTest(maxDuration = "8s")
  void readEveryRow(FuzzedDataProvider in) throws IOException {
    String ext = Rows.EXTENSIONS.get(in.consumeInt(0, Rows.EXTENSIONS.size() - 1));
    Path file = Files.createTempFile("fuzz-train", "." + ext);
    try {
      Files.write(file, in.consumeRemainingAsBytes());
      try (RowStream rows = Rows.open(file)) {
        while (rows.hasNext()) {
          Row r = rows.next();
          assertThat(r.fields()).isNotNull();
        }
      } catch (DatasetException e) {
        assertThat(e.getMessage()).contains(file.getFileName().toString());
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
