package org.peftbench.datasets.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hardwood.InputFile;
import dev.hardwood.reader.ParquetFileReader;
import dev.hardwood.reader.RowReader;
import dev.hardwood.row.PqList;
import dev.hardwood.row.PqMap;
import dev.hardwood.row.PqStruct;
import dev.hardwood.row.StructAccessor;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.NoSuchElementException;
import org.peftbench.datasets.DatasetException;

/**
 * Parquet, the format of HF hub datasets, read with Hardwood (a dependency-free pure-Java Parquet
 * reader; snappy pages through snappy-java). Each row becomes a JSON object: HF {@code Sequence}
 * features arrive as Parquet lists and become arrays, nested features become objects.
 */
final class ParquetRows implements RowStream {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Path file;
  private final ParquetFileReader reader;
  private final RowReader rows;
  private long index;

  ParquetRows(Path file) {
    this.file = file;
    try {
      this.reader = ParquetFileReader.open(InputFile.of(file));
      this.rows = reader.rowReader();
    } catch (IOException | RuntimeException e) {
      throw new DatasetException(file + ": cannot read Parquet: " + message(e), e);
    }
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  static long count(Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(InputFile.of(file))) {
      return reader.getFileMetaData().numRows();
    } catch (RuntimeException e) {
      throw new DatasetException(file + ": cannot read Parquet: " + message(e), e);
    }
  }

  @Override
  public boolean hasNext() {
    return rows.hasNext();
  }

  @Override
  public Row next() {
    if (!rows.hasNext()) {
      throw new NoSuchElementException();
    }
    String where = file + " row " + (index + 1);
    try {
      rows.next();
      return new Row(struct(rows), index++, where);
    } catch (RuntimeException e) {
      throw new DatasetException(where + ": cannot decode Parquet row: " + message(e), e);
    }
  }

  private static ObjectNode struct(StructAccessor struct) {
    ObjectNode node = NODES.objectNode();
    for (int i = 0; i < struct.getFieldCount(); i++) {
      String name = struct.getFieldName(i);
      node.set(name, struct.isNull(i) ? NODES.nullNode() : value(struct.getValue(i)));
    }
    return node;
  }

  private static JsonNode value(Object v) {
    return switch (v) {
      case null -> NODES.nullNode();
      case String s -> NODES.textNode(s);
      case Boolean b -> NODES.booleanNode(b);
      case Integer n -> NODES.numberNode(n);
      case Long n -> NODES.numberNode(n);
      case Float n -> NODES.numberNode(n);
      case Double n -> NODES.numberNode(n);
      case BigDecimal n -> NODES.numberNode(n);
      case byte[] bytes -> NODES.textNode(binaryText(bytes));
      case PqStruct s -> struct(s);
      case PqList list -> {
        ArrayNode array = NODES.arrayNode();
        for (int i = 0; i < list.size(); i++) {
          array.add(list.isNull(i) ? NODES.nullNode() : value(list.get(i)));
        }
        yield array;
      }
      case PqMap map -> {
        ObjectNode object = NODES.objectNode();
        for (PqMap.Entry e : map.getEntries()) {
          object.set(String.valueOf(e.getKey()), value(e.getValue()));
        }
        yield object;
      }
      default -> NODES.textNode(v.toString());
    };
  }

  /**
   * Older writers (Spark, Impala) store strings as unannotated BINARY: decode valid UTF-8 as text,
   * anything else as base64.
   */
  private static String binaryText(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return Base64.getEncoder().encodeToString(bytes);
    }
  }

  @Override
  public void close() {
    try {
      rows.close();
      reader.close();
    } catch (IOException ignored) {
      // Reading is done; a failing close of a read-only file changes nothing.
    }
  }
}
