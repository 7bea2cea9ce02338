package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of {@code adapter_config.json} parsing: any text either parses into a
 * config that writes back to JSON and parses again into an equal config (the adapter files we write
 * are the ones we read), or is refused with an {@link IllegalArgumentException} naming the source.
 * Anything else is a finding.
 */
class AdapterConfigFuzzTest {
  private static final String SOURCE = "fuzz/adapter_config.json";

  @FuzzTest(maxDuration = "8s")
  void parseAndRoundTrip(byte[] data) {
    String json = new String(data, StandardCharsets.UTF_8);
    PeftConfig config;
    try {
      config = PeftConfigs.fromJson(json, SOURCE);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).startsWith(SOURCE);
      return;
    }
    String written = PeftConfigs.toJsonString(config, "base-model");
    assertThat(PeftConfigs.fromJson(written, "written")).isEqualTo(config);
  }
}
