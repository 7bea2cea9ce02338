package org.peftbench.harness.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pre-tokenized training data: JSONL, one {@code {"input_ids": [...], "labels": [...]}} per line;
 * {@code labels} aligned with {@code input_ids} (the model shifts them, as HF does), −100 =
 * ignored, and when absent the labels are the input ids. Blank lines are skipped.
 */
public final class TrainFile {
  private TrainFile() {}

  public static List<TokenizedExample> read(Path file, int vocabSize) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("training file " + file + " does not exist");
    }
    ObjectMapper json = new ObjectMapper();
    List<TokenizedExample> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int lineNo = 0;
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String where = file + ":" + lineNo;
        JsonNode n;
        try {
          n = json.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new IllegalArgumentException(
              where + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        int[] ids = ints(n, "input_ids", where, true);
        if (ids.length == 0) {
          throw new IllegalArgumentException(where + ": input_ids is empty");
        }
        for (int id : ids) {
          if (id < 0 || (vocabSize > 0 && id >= vocabSize)) {
            throw new IllegalArgumentException(
                where + ": token id " + id + " outside the vocabulary [0, " + vocabSize + ")");
          }
        }
        int[] labels = ints(n, "labels", where, false);
        if (labels == null) {
          labels = ids.clone();
        } else if (labels.length != ids.length) {
          throw new IllegalArgumentException(
              where + ": labels has " + labels.length + " entries but input_ids has " + ids.length);
        }
        for (int l : labels) {
          if (l != TokenizedExample.IGNORE && (l < 0 || (vocabSize > 0 && l >= vocabSize))) {
            throw new IllegalArgumentException(
                where + ": label " + l + " is neither -100 nor a token id below " + vocabSize);
          }
        }
        out.add(new TokenizedExample(ids, labels));
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + ": no examples (empty file)");
    }
    return out;
  }

  private static int[] ints(JsonNode n, String key, String where, boolean required) {
    JsonNode a = n.get(key);
    if (a == null || a.isNull()) {
      if (required) {
        throw new IllegalArgumentException(where + ": missing \"" + key + "\"");
      }
      return null;
    }
    if (!a.isArray()) {
      throw new IllegalArgumentException(where + ": \"" + key + "\" must be an array of integers");
    }
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      if (!a.get(i).isIntegralNumber()) {
        throw new IllegalArgumentException(
            where + ": \"" + key + "\"[" + i + "] is not an integer: " + a.get(i));
      }
      out[i] = a.get(i).asInt();
    }
    return out;
  }
}
