package org.peftbench.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench train on stories260K: the figures, the per-op profile, and the arena's effect. */
class BenchTrainCommandTest {
  private static Path lora(Path dir) throws Exception {
    Path cfg = dir.resolve("adapter_config.json");
    Files.writeString(
        cfg,
        "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL_LM\", \"r\": 4, \"lora_alpha\": 8,"
            + " \"target_modules\": [\"q_proj\", \"v_proj\", \"gate_proj\", \"up_proj\"]}");
    return cfg;
  }

  private static JsonNode train(Path model, Path peft, String... extra) throws Exception {
    String[] base = {
      "bench",
      "train",
      "--model",
      model.toString(),
      "--peft",
      peft.toString(),
      "--batch",
      "2",
      "--seq",
      "16",
      "--steps",
      "2",
      "--warmup",
      "1",
      "--json"
    };
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    ModelCommandsTest.Run r = ModelCommandsTest.run(args);
    assertThat(r.code()).as(r.err()).isZero();
    return new ObjectMapper().readTree(r.out());
  }

  @Test
  void profileChargesTheStepToOpsAndTheArenaChangesNoNumber(@TempDir Path dir) throws Exception {
    Path model = ModelCommandsTest.stories();
    Path peft = lora(dir);
    JsonNode j = train(model, peft, "--profile");
    assertThat(j.get("tokens_per_second").doubleValue()).isPositive();
    assertThat(j.get("arena_fresh_arrays_per_step").doubleValue())
        .isLessThan(j.get("arena_reused_arrays_per_step").doubleValue());
    double share = 0;
    boolean swigluForward = false, loraBackward = false;
    for (JsonNode row : j.get("profile")) {
      share += row.get("share").doubleValue();
      String name = row.get("name").asText(), phase = row.get("phase").asText();
      swigluForward |= name.equals("swiglu") && phase.equals("forward");
      loraBackward |=
          name.equals("loraLinear")
              && phase.equals("backward")
              && row.get("calls_per_step").doubleValue() == 4 * 5; // 4 targets x 5 layers
    }
    assertThat(swigluForward).isTrue();
    assertThat(loraBackward).isTrue();
    assertThat(share).isBetween(0.9, 1.0 + 1e-9);
    JsonNode plain = train(model, peft, "--no-arena");
    assertThat(plain.get("last_loss").doubleValue()).isEqualTo(j.get("last_loss").doubleValue());
    assertThat(plain.has("profile")).isFalse();
  }
}
