package org.peftbench.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitLoaderTest {
  @TempDir Path root;
  final Task sst2 = TaskRegistry.byName("sst2");

  @BeforeEach
  void writeData() throws IOException {
    Path dir = Files.createDirectories(root.resolve("sst2"));
    StringBuilder train = new StringBuilder();
    for (int i = 0; i < 95; i++) {
      train
          .append("{\"sentence\":\"s")
          .append(i)
          .append("\",\"label\":")
          .append(i % 2)
          .append(",\"idx\":")
          .append(i)
          .append("}\n");
    }
    Files.writeString(dir.resolve("train.jsonl"), train);
    // The test split as CSV, labels as HF class names and as numbers.
    Files.writeString(
        dir.resolve("validation.csv"), "sentence,label,idx\ngood,positive,0\nbad,0,1\nfine,1,2\n");
  }

  static List<String> ids(List<Example> examples) {
    return examples.stream().map(Example::id).toList();
  }

  @Test
  void heldOutTenPercentIsSeededAndDisjoint() {
    DataDir dir = new DataDir(root);
    BenchmarkSplits a = new SplitLoader(dir).load(sst2);
    BenchmarkSplits b = new SplitLoader(dir).load(sst2);
    assertThat(a.validation()).hasSize(10); // ceil(9.5)
    assertThat(a.train()).hasSize(85);
    assertThat(ids(a.validation())).isEqualTo(ids(b.validation()));
    assertThat(ids(a.train())).doesNotContainAnyElementsOf(ids(a.validation()));
    BenchmarkSplits c =
        new SplitLoader(dir, SplitOptions.defaults().withSeed(7), PromptFormatter.PLAIN).load(sst2);
    assertThat(ids(c.validation())).isNotEqualTo(ids(a.validation()));
    assertThat(a.test())
        .extracting(Example::target)
        .containsExactly("positive", "negative", "positive");
  }

  @Test
  void validationRowsAreThoseHfDatasetsPicks() {
    // numpy: sorted(np.random.default_rng(42).permutation(95)[:10]) (train_test_split(0.1,
    // seed=42))
    BenchmarkSplits a = new SplitLoader(new DataDir(root)).load(sst2);
    assertThat(ids(a.validation()))
        .containsExactly("18", "25", "38", "39", "50", "51", "68", "73", "75", "87");
    // val_size 0.2 (PEFT-Factory's prefix-tuning configs): ceil(19.0) rows
    SplitOptions fifth = SplitOptions.defaults().withValidationFraction(0.2);
    BenchmarkSplits b = new SplitLoader(new DataDir(root), fifth, PromptFormatter.PLAIN).load(sst2);
    assertThat(b.validation()).hasSize(19);
    assertThat(b.train()).hasSize(76);
    assertThat(ids(b.validation())).contains("2", "4", "59", "94").doesNotContain("0");
  }

  @Test
  void capsSampleWithinEachSplit() {
    SplitOptions capped = SplitOptions.defaults().withCaps(20, 3, 2);
    BenchmarkSplits full = new SplitLoader(new DataDir(root)).load(sst2);
    BenchmarkSplits s =
        new SplitLoader(new DataDir(root), capped, PromptFormatter.PLAIN).load(sst2);
    assertThat(s.train()).hasSize(20);
    assertThat(s.validation()).hasSize(3);
    assertThat(s.test()).hasSize(2);
    assertThat(ids(full.train())).containsAll(ids(s.train()));
    assertThat(ids(full.validation())).containsAll(ids(s.validation()));
    // file order is kept
    assertThat(s.train()).extracting(e -> Integer.parseInt(e.id())).isSorted();
  }

  @Test
  void formatterWrapsPrompts() {
    PromptFormatter chat = p -> "<user>" + p + "</user><assistant>";
    List<Example> test =
        new SplitLoader(new DataDir(root), SplitOptions.defaults(), chat).loadTest(sst2);
    assertThat(test.get(0).prompt())
        .startsWith("<user>What is the sentiment")
        .endsWith("</user><assistant>");
    assertThat(test.get(0).target()).isEqualTo("positive");
  }

  @Test
  void unknownLabelNamesTheRow() throws IOException {
    Files.writeString(
        root.resolve("sst2/validation.csv"),
        "sentence,label,idx\ngood,positive,0\nbad,neutral,1\n");
    assertThatThrownBy(() -> new SplitLoader(new DataDir(root)).loadTest(sst2))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("validation.csv:3")
        .hasMessageContaining("unknown label value \"neutral\" in field 'label'");
    Files.writeString(root.resolve("sst2/validation.csv"), "sentence,label,idx\ngood,7,0\n");
    assertThatThrownBy(() -> new SplitLoader(new DataDir(root)).loadTest(sst2))
        .hasMessageContaining("unknown label value \"7\"");
  }

  @Test
  void emptyAndAmbiguousFiles() throws IOException {
    Files.writeString(root.resolve("sst2/validation.csv"), "");
    assertThatThrownBy(() -> new SplitLoader(new DataDir(root)).loadTest(sst2))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("validation.csv")
        .hasMessageContaining("empty");
    Files.writeString(root.resolve("sst2/validation.csv"), "sentence,label,idx\n");
    assertThatThrownBy(() -> new SplitLoader(new DataDir(root)).loadTest(sst2))
        .hasMessageContaining("empty file (no records)");
    Files.writeString(root.resolve("sst2/validation.jsonl"), "{}\n");
    assertThatThrownBy(() -> new SplitLoader(new DataDir(root)).loadTest(sst2))
        .hasMessageContaining("several formats");
  }

  @Test
  void missingFieldNamesTheFieldAndWhatIsThere() throws IOException {
    Files.writeString(root.resolve("sst2/validation.csv"), "text,label\ngood,1\n");
    assertThatThrownBy(() -> new SplitLoader(new DataDir(root)).loadTest(sst2))
        .hasMessageContaining("missing field 'sentence' (fields: [text, label])");
  }

  @Test
  void hubStyleShardsFormOneSplit() throws IOException {
    Path dir = Files.createDirectories(root.resolve("copa"));
    String row =
        "{\"premise\":\"p%d\",\"choice1\":\"a\",\"choice2\":\"b\",\"question\":\"cause\",\"idx\":%d,\"label\":%d}\n";
    StringBuilder first = new StringBuilder();
    StringBuilder second = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      (i < 4 ? first : second).append(String.format(row, i, i, i % 2));
    }
    Files.writeString(dir.resolve("validation-00000-of-00002.jsonl"), first);
    Files.writeString(dir.resolve("validation-00001-of-00002.jsonl"), second);
    DataDir data = new DataDir(root);
    assertThat(data.counts("copa")).containsEntry("validation", 6L);
    List<Example> test = new SplitLoader(data).loadTest(TaskRegistry.byName("copa"));
    assertThat(ids(test)).containsExactly("0", "1", "2", "3", "4", "5");
    assertThat(test.get(1).target()).isEqualTo("choice2");
    assertThat(test.get(0).prompt()).contains("Question: What was the cause?");
  }

  @Test
  void missingTaskFolderSaysWhatIsNeeded() {
    assertThatThrownBy(
            () -> new SplitLoader(new DataDir(root)).loadTest(TaskRegistry.byName("rte")))
        .hasMessageContaining("rte: split 'validation' not found (no folder ")
        .hasMessageContaining(
            "needed: "
                + root.resolve("rte").resolve("validation")
                + ".{jsonl,json,parquet,csv,tsv}")
        .hasMessageContaining("glue/rte schema");
  }
}
