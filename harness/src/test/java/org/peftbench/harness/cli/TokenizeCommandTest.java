package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code peftbench tokenize} through the CLI entry point. */
class TokenizeCommandTest {

  @Test
  void encodesAndDecodesStories260K() throws Exception {
    Path m = ModelCommandsTest.stories();
    var enc =
        ModelCommandsTest.run(
            "tokenize", "--model", m.toString(), "--text", "Once upon a time", "--json");
    assertThat(enc.code()).as(enc.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(enc.out());
    assertThat(j.get("ids").toString()).isEqualTo("[1,403,407,261,378]");
    assertThat(j.get("tokens").get(1).asText()).isEqualTo("▁Once");

    var dec =
        ModelCommandsTest.run("tokenize", "--model", m.toString(), "--ids", "1,403,407,261,378");
    assertThat(dec.code()).as(dec.err()).isZero();
    assertThat(dec.out()).contains("5 tokens").contains("(special)").endsWith("Once upon a time\n");
  }

  @Test
  void reportsUsageErrors() {
    Path m = ModelCommandsTest.stories();
    var chatIds =
        ModelCommandsTest.run("tokenize", "--model", m.toString(), "--ids", "1", "--chat");
    assertThat(chatIds.code()).isEqualTo(ExitCodes.FAILURE);
    var noTemplate =
        ModelCommandsTest.run("tokenize", "--model", m.toString(), "--text", "hi", "--chat");
    assertThat(noTemplate.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(noTemplate.err()).contains("has no chat template");
    var badId = ModelCommandsTest.run("tokenize", "--model", m.toString(), "--ids", "999");
    assertThat(badId.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(badId.err()).contains("outside the vocabulary");
  }
}
