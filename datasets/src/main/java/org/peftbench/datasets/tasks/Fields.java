package org.peftbench.datasets.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.peftbench.datasets.DatasetException;
import org.peftbench.datasets.io.Row;

/** Reads HF fields from a row, with errors that name the row and the field. */
public final class Fields {
  private Fields() {}

  private static JsonNode node(Row row, String field) {
    JsonNode v = row.fields().get(field);
    if (v == null) {
      throw new DatasetException(
          row.where() + ": missing field '" + field + "' (fields: " + names(row) + ")");
    }
    return v;
  }

  private static List<String> names(Row row) {
    List<String> out = new ArrayList<>();
    row.fields().fieldNames().forEachRemaining(out::add);
    return out;
  }

  /** A string field (numbers are given as their text). */
  public static String text(Row row, String field) {
    JsonNode v = node(row, field);
    if (v.isNull() || v.isContainerNode()) {
      throw new DatasetException(
          row.where() + ": field '" + field + "' should be text, found " + kind(v));
    }
    return v.asText();
  }

  /** A string field that may be null or absent. */
  public static String optionalText(Row row, String field) {
    JsonNode v = row.fields().get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  public static double number(Row row, String field) {
    JsonNode v = node(row, field);
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isTextual()) {
      try {
        return Double.parseDouble(v.asText().strip());
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw new DatasetException(
        row.where() + ": field '" + field + "' should be a number, found " + v);
  }

  /** A list of strings (an HF {@code Sequence(Value("string"))}). */
  public static List<String> textList(Row row, String field) {
    return textList(row, field, node(row, field));
  }

  static List<String> textList(Row row, String field, JsonNode v) {
    if (!v.isArray()) {
      throw new DatasetException(
          row.where() + ": field '" + field + "' should be a list, found " + kind(v));
    }
    List<String> out = new ArrayList<>(v.size());
    for (JsonNode item : v) {
      out.add(item.asText());
    }
    return out;
  }

  /** A nested object field (an HF dict feature). */
  public static JsonNode object(Row row, String field) {
    JsonNode v = node(row, field);
    if (!v.isObject()) {
      throw new DatasetException(
          row.where() + ": field '" + field + "' should be an object, found " + kind(v));
    }
    return v;
  }

  /**
   * A class index from an HF label field. Accepts the ClassLabel integer (or its text, as in a
   * CSV), a boolean for two-class labels, or the class name itself.
   *
   * @param names the HF class names (for string-valued labels such as SIQA's "1"/"2"/"3", the
   *     possible values); matched case-insensitively
   * @param stringValued true when the HF feature is a string, so a value is matched by its text
   *     only
   * @throws DatasetException for an unknown value or an unlabeled (-1) row
   */
  public static int classIndex(Row row, String field, List<String> names, boolean stringValued) {
    JsonNode v = node(row, field);
    String text = v.asText().strip();
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equalsIgnoreCase(text)) {
        return i;
      }
    }
    if (!stringValued) {
      if (v.isBoolean() && names.size() == 2) {
        return v.asBoolean() ? 1 : 0;
      }
      if (v.isIntegralNumber() || text.matches("-?\\d+")) {
        long i = Long.parseLong(text);
        if (i >= 0 && i < names.size()) {
          return (int) i;
        }
        if (i == -1) {
          throw new DatasetException(
              row.where()
                  + ": field '"
                  + field
                  + "' is -1: the row is unlabeled (an HF test"
                  + " split without public labels)");
        }
      }
    }
    throw new DatasetException(
        row.where()
            + ": unknown label value "
            + v
            + " in field '"
            + field
            + "' (expected "
            + (stringValued
                ? "one of " + names
                : "0.." + (names.size() - 1) + " or one of " + names)
            + ")");
  }

  /**
   * A stable id: the HF {@code idx} (joined with '-' when it is a dict such as MultiRC's), else
   * {@code idField} when given and present, else the row number.
   */
  public static String id(Row row, String idField) {
    JsonNode idx = row.fields().get("idx");
    if (idx != null && !idx.isNull()) {
      if (idx.isObject()) {
        List<String> parts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = idx.properties().iterator();
        while (it.hasNext()) {
          parts.add(it.next().getValue().asText());
        }
        return String.join("-", parts);
      }
      return idx.asText();
    }
    if (idField != null) {
      JsonNode id = row.fields().get(idField);
      if (id != null && !id.isNull()) {
        return id.asText();
      }
    }
    return Long.toString(row.index());
  }

  static String kind(JsonNode v) {
    return v.getNodeType().name().toLowerCase(Locale.ROOT);
  }
}
