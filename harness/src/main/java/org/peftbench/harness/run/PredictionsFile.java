package org.peftbench.harness.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.peftbench.datasets.Example;

/**
 * A run's test predictions in PEFT-Factory's {@code generated_predictions.jsonl} layout: one {@code
 * {"id", "prompt", "predict", "label"}} object per test example, in test order ({@code label} is
 * the list of reference answers where there are several, as {@code peftbench evaluate-predictions}
 * reads it). Written atomically (temporary file, then rename).
 */
public final class PredictionsFile {
  public static final String NAME = "generated_predictions.jsonl";

  private static final ObjectMapper JSON = new ObjectMapper();

  private PredictionsFile() {}

  public static void write(Path file, List<Example> test, List<String> predictions) {
    if (test.size() != predictions.size()) {
      throw new IllegalArgumentException(
          predictions.size() + " predictions for " + test.size() + " test examples");
    }
    StringBuilder out = new StringBuilder();
    try {
      for (int i = 0; i < test.size(); i++) {
        Example e = test.get(i);
        ObjectNode line = JSON.createObjectNode();
        line.put("id", e.id());
        line.put("prompt", e.prompt());
        line.put("predict", predictions.get(i));
        if (e.gold().size() == 1) {
          line.put("label", e.gold().get(0));
        } else {
          e.gold().forEach(line.putArray("label")::add);
        }
        out.append(JSON.writeValueAsString(line)).append('\n');
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, out, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write predictions: " + e.getMessage(), e);
    }
  }
}
