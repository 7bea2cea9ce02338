package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.lora.LoraConfig;
import org.peftbench.peft.prefixtuning.PrefixTuningConfig;
import org.peftbench.peft.prompttuning.PromptTuningConfig;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelException;

/** No adapter is written from a non-finite state; too many virtual tokens are refused up front. */
class AdapterGuardsTest {
  @Test
  void anAdapterHoldingNanOrInfinityIsNotWritten(@TempDir Path tmp) {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
      try (CausalLM m = MethodsTest.tinyModel()) {
        PeftModel pm = PeftModel.apply(m, LoraConfig.defaults().withRank(4, 8), 1);
        Path ok = tmp.resolve("ok" + bad);
        pm.save(ok, "m");
        assertThat(ok.resolve(PeftModel.WEIGHTS_FILE)).isRegularFile();

        Parameter p = pm.trainableParameters().getLast();
        Tensor t = p.value();
        t.set(t.numel() - 1, bad);
        Path out = tmp.resolve("broken" + bad);
        assertThatThrownBy(() -> pm.save(out, "m"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("not writing the adapter to " + out)
            .hasMessageContaining(String.valueOf(bad));
        assertThat(Files.exists(out)).as("nothing written").isFalse();
      }
    }
  }

  @Test
  void virtualTokensBeyondTheModelsPositionsAreRefusedWhenApplying() {
    try (CausalLM m = MethodsTest.tinyModel()) {
      int max = m.config().maxPositionEmbeddings();
      assertThatThrownBy(
              () ->
                  PeftModel.apply(
                      m,
                      new PromptTuningConfig(100_000, null, null, null, null, "RANDOM", null, null),
                      1))
          .isInstanceOf(ModelException.class)
          .hasMessageContaining("100000 virtual tokens leave no room")
          .hasMessageContaining(max + " positions");
    }
    try (CausalLM m = MethodsTest.tinyModel()) {
      int max = m.config().maxPositionEmbeddings();
      assertThatThrownBy(
              () ->
                  PeftModel.apply(
                      m, new PrefixTuningConfig(max, null, null, null, null, null, false), 1))
          .isInstanceOf(ModelException.class)
          .hasMessageContaining("PREFIX_TUNING adapter config");
    }
  }
}
