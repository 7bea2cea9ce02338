package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.prefixtuning.PrefixEncoder;
import org.peftbench.peft.prefixtuning.PrefixTuningConfig;
import org.peftbench.peft.ptuning.PromptEncoder;
import org.peftbench.peft.ptuning.PromptEncoderConfig;
import org.peftbench.tensor.safetensors.SafetensorsFile;

/**
 * The prompt encoders compute what PEFT's torch modules compute: P-tuning's MLP and bidirectional
 * LSTM PromptEncoder and prefix tuning's projection, with torch's own weights (same names, so also
 * the same parameter set) and outputs from tools/gen_peft_fixtures.py.
 */
class EncoderTest {
  static void loadInto(Map<String, Parameter> params, SafetensorsFile f, String prefix) {
    int used = 0;
    for (String name : f.names()) {
      if (name.startsWith(prefix) && !name.endsWith("output") && !name.endsWith("input")) {
        String key = "prompt_encoder." + name.substring(prefix.length());
        Parameter p = params.get(key);
        assertThat(p).as("a parameter named like torch's " + key).isNotNull();
        StateDicts.copyInto(Map.of(key, f.tensor(name)), key, p, "encoders");
        used++;
      }
    }
    assertThat(used).as("every parameter comes from torch").isEqualTo(params.size() - 1);
  }

  static double maxDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  @Test
  void pTuningEncodersMatchTorch() {
    try (SafetensorsFile f = SafetensorsFile.open(Fixtures.dir().resolve("encoders.safetensors"))) {
      for (String type : new String[] {"MLP", "LSTM"}) {
        var config = new PromptEncoderConfig(5, 32, 1, 4, 2, type, 24, 2, 0.0);
        PromptEncoder enc = new PromptEncoder(config, 0);
        enc.parameters().get("prompt_encoder.embedding.weight").value().copyFrom(f.tensor("input"));
        loadInto(enc.parameters(), f, type.toLowerCase() + ".");
        try (var ignored = GradMode.noGrad()) {
          float[] got = enc.forward().value().toFloatArray();
          float[] want = f.tensor(type.toLowerCase() + ".output").toFloatArray();
          assertThat(maxDiff(got, want)).as(type).isLessThanOrEqualTo(1e-5);
        }
      }
    }
  }

  @Test
  void prefixProjectionMatchesTorch() {
    try (SafetensorsFile f = SafetensorsFile.open(Fixtures.dir().resolve("encoders.safetensors"))) {
      var config = new PrefixTuningConfig(3, 16, 1, 2, 2, 20, true);
      PrefixEncoder enc = new PrefixEncoder(config, 0, false);
      enc.parameters()
          .get("prompt_encoder.embedding.weight")
          .value()
          .copyFrom(f.tensor("prefix.input"));
      loadInto(enc.parameters(), f, "prefix.");
      try (var ignored = GradMode.noGrad()) {
        float[] got = enc.forward().value().toFloatArray();
        assertThat(maxDiff(got, f.tensor("prefix.output").toFloatArray()))
            .isLessThanOrEqualTo(1e-5);
      }
    }
  }
}
