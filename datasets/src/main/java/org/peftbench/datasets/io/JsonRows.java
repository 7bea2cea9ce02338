package org.peftbench.datasets.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import org.peftbench.datasets.DatasetException;

/**
 * A {@code .json} file: either one JSON array of objects, or objects one after another (many "JSON"
 * files on the hub are really JSON Lines). Streamed with Jackson's parser.
 */
final class JsonRows implements RowStream {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final JsonParser parser;
  private final boolean inArray;
  private long index;
  private Row next;
  private boolean done;

  JsonRows(Path file) {
    this.file = file;
    try {
      this.parser = JSON.createParser(file.toFile());
      JsonToken first = parser.nextToken();
      if (first == null) {
        inArray = false;
        done = true;
      } else if (first == JsonToken.START_ARRAY) {
        inArray = true;
      } else if (first == JsonToken.START_OBJECT) {
        inArray = false;
      } else {
        throw new DatasetException(
            file + ": expected a JSON array of objects or JSON objects, found " + first);
      }
    } catch (JacksonException e) {
      throw malformed(e);
    } catch (IOException e) {
      throw new DatasetException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private DatasetException malformed(JacksonException e) {
    long line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
    return new DatasetException(
        file
            + ":"
            + line
            + ": malformed JSON: "
            + e.getOriginalMessage().lines().findFirst().orElse(""),
        e);
  }

  @Override
  public boolean hasNext() {
    if (next == null && !done) {
      next = readNext();
      done = next == null;
    }
    return next != null;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Row row = next;
    next = null;
    return row;
  }

  private Row readNext() {
    try {
      // In array mode the parser sits before the next element; in object mode the first object's
      // START_OBJECT has been read already (index 0) or must be read now.
      if (inArray || index > 0) {
        JsonToken token = parser.nextToken();
        if (token == null || (inArray && token == JsonToken.END_ARRAY)) {
          return null;
        }
        if (token != JsonToken.START_OBJECT) {
          throw new DatasetException(
              file
                  + ":"
                  + parser.currentLocation().getLineNr()
                  + ": expected a JSON object, found "
                  + token);
        }
      }
      long line = parser.currentLocation().getLineNr();
      JsonNode node = JSON.readTree(parser);
      return new Row(node, index++, file + ":" + line);
    } catch (JacksonException e) {
      throw malformed(e);
    } catch (IOException e) {
      throw new DatasetException(file + ": read failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      parser.close();
    } catch (IOException ignored) {
      // Reading is done; a failing close of a read-only file changes nothing.
    }
  }
}
