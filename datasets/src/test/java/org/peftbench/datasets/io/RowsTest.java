package org.peftbench.datasets.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.datasets.DatasetException;

class RowsTest {
  @TempDir Path dir;

  static List<Row> readAll(Path file) {
    List<Row> out = new ArrayList<>();
    try (RowStream rows = Rows.open(file)) {
      rows.forEachRemaining(out::add);
    }
    return out;
  }

  static Path resource(String name) throws URISyntaxException {
    return Path.of(RowsTest.class.getResource(name).toURI());
  }

  @Test
  void jsonlSkipsBlankLinesAndCountsWithoutParsing() throws IOException {
    Path f = dir.resolve("train.jsonl");
    Files.writeString(f, "{\"a\":1}\n\n{\"a\":2}\n  \n{\"a\":3}");
    List<Row> rows = readAll(f);
    assertThat(rows).extracting(r -> r.fields().get("a").asInt()).containsExactly(1, 2, 3);
    assertThat(rows.get(2).where()).isEqualTo(f + ":5");
    assertThat(Rows.count(f)).isEqualTo(3);
  }

  @Test
  void malformedJsonlLineNamesFileAndLine() throws IOException {
    Path f = dir.resolve("validation.jsonl");
    Files.writeString(f, "{\"a\":1}\n{\"a\":2}\n{\"a\": oops}\n");
    assertThatThrownBy(() -> readAll(f))
        .isInstanceOf(DatasetException.class)
        .hasMessageStartingWith(f + ":3: malformed JSON line");
    Path g = dir.resolve("array.jsonl");
    Files.writeString(g, "[1, 2]\n");
    assertThatThrownBy(() -> readAll(g)).hasMessageContaining(g + ":1: expected a JSON object");
  }

  @Test
  void jsonArrayAndConcatenatedObjects() throws IOException {
    Path array = dir.resolve("a.json");
    Files.writeString(array, "[\n {\"x\": \"p\"},\n {\"x\": \"q\"}\n]\n");
    assertThat(readAll(array))
        .extracting(r -> r.fields().get("x").asText())
        .containsExactly("p", "q");
    Path lines = dir.resolve("b.json");
    Files.writeString(lines, "{\"x\": 1}\n{\"x\": 2}\n{\"x\": 3}\n");
    assertThat(Rows.count(lines)).isEqualTo(3);
    Path broken = dir.resolve("c.json");
    Files.writeString(broken, "[\n {\"x\": 1},\n {\"x\": }\n]");
    assertThatThrownBy(() -> readAll(broken)).hasMessageStartingWith(broken + ":3: malformed JSON");
  }

  @Test
  void csvQuotesAndTsvWithoutQuoting() throws IOException {
    Path csv = dir.resolve("train.csv");
    Files.writeString(csv, "\uFEFFsentence,label\n\"a, quoted \"\"one\"\"\",1\nplain,0\n");
    List<Row> rows = readAll(csv);
    assertThat(rows.get(0).fields().get("sentence").asText()).isEqualTo("a, quoted \"one\"");
    assertThat(rows.get(1).fields().get("label").asText()).isEqualTo("0");
    Path tsv = dir.resolve("train.tsv");
    Files.writeString(tsv, "sentence\tlabel\nhe said \"hi\tthere\t1\n");
    assertThatThrownBy(() -> readAll(tsv)).hasMessageContaining("expected 2 columns");
    Files.writeString(tsv, "sentence\tlabel\nhe said \"hi there\t1\n");
    assertThat(readAll(tsv).get(0).fields().get("sentence").asText())
        .isEqualTo("he said \"hi there");
  }

  @Test
  void parquetListsAndNulls() throws URISyntaxException {
    Path f = resource("list_columns.parquet");
    assertThat(Rows.count(f)).isEqualTo(3);
    List<Row> rows = readAll(f);
    assertThat(rows.get(0).fields().toString())
        .isEqualTo("{\"int64_list\":[1,2,3],\"utf8_list\":[\"abc\",\"efg\",\"hij\"]}");
    assertThat(rows.get(1).fields().get("utf8_list").isNull()).isTrue();
    assertThat(rows.get(1).fields().get("int64_list").get(0).isNull()).isTrue();
    JsonNode third = rows.get(2).fields().get("utf8_list");
    assertThat(third.toString()).isEqualTo("[\"efg\",null,\"hij\",\"xyz\"]");
  }

  @Test
  void parquetSnappyPages() throws URISyntaxException {
    List<Row> rows = readAll(resource("alltypes_plain.snappy.parquet"));
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).fields().get("id").asInt()).isEqualTo(6);
    assertThat(rows.get(1).fields().get("string_col").asText()).isEqualTo("1");
    assertThat(rows.get(1).fields().get("double_col").asDouble()).isEqualTo(10.1);
  }

  @Test
  void notParquetIsAClearError() throws IOException {
    Path f = dir.resolve("train.parquet");
    Files.writeString(f, "this is not parquet");
    assertThatThrownBy(() -> readAll(f))
        .isInstanceOf(DatasetException.class)
        .hasMessageStartingWith(f + ": cannot read Parquet");
  }
}
