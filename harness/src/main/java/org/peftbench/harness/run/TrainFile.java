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
import org.peftbench.transformer.SequenceLimits;

/**
 * Pre-tokenized training data: JSONL, one {@code {"input_ids": [...], "labels": [...]}} per line;
 * {@code labels} aligned with {@code input_ids} (the model shifts them, as HF does), −100 =
 * ignored, and when absent the labels are the input ids. Blank lines are skipped.
 */
public final class TrainFile {
  private TrainFile() {}

  public static List<TokenizedExample> read(Path file, int vocabSize) {
    return read(file, vocabSize, Integer.MAX_VALUE, 0, 0);
  }

  /**
   * Reads and checks every line: ids within the vocabulary, labels aligned, each row at most {@code
   * maxTokens} long (the model's positions less {@code virtualTokens}; {@code maxPositions} is for
   * the message), and some target token in the file.
   */
  public static List<TokenizedExample> read(
      Path file, int vocabSize, int maxTokens, int maxPositions, int virtualTokens) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("training file " + file + " does not exist");
    }
    ObjectMapper json = new ObjectMapper();
    List<TokenizedExample> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int lineNo = 0;
      boolean anyTarget = false;
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
        if (ids.length > maxTokens) {
          throw new IllegalArgumentException(
              SequenceLimits.tooLong(maxPositions, virtualTokens, ids.length, where));
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
        for (int j = 1; j < labels.length; j++) { // label 0 has no position before it
          anyTarget |= labels[j] != TokenizedExample.IGNORE;
        }
        out.add(new TokenizedExample(ids, labels));
      }
      if (!out.isEmpty() && !anyTarget) {
        throw new IllegalArgumentException(
            file + ": no target tokens (every label after the first is -100): nothing to learn");
      }
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException(file + ": not UTF-8 text (" + e + ")");
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
