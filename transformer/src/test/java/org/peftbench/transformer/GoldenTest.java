package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backends;

/**
 * Logits, prefix-tuning logits and the training loss of tiny random models of every architecture
 * against an independent float64 PyTorch reference ({@code tools/gen_transformer_golden.py}; Gemma
 * 3 and the sliding-window Mistral from {@code tools/gen_gemma_golden.py}).
 */
class GoldenTest {
  static final double TOLERANCE = 1e-4;

  /** A fixture folder: config.json, model.safetensors, expected.json. */
  record Fixture(Path dir, JsonNode expected, int batch, int time, int[] ids, int[] mask) {
    static Fixture load(String name) throws IOException, URISyntaxException {
      Path dir = Path.of(GoldenTest.class.getResource("/golden/" + name).toURI());
      JsonNode e = new JsonMapper().readTree(dir.resolve("expected.json").toFile());
      int b = e.get("input_ids").size(), t = e.get("input_ids").get(0).size();
      return new Fixture(dir, e, b, t, flat(e.get("input_ids")), flat(e.get("attention_mask")));
    }

    int[] labels() {
      return flat(expected.get("labels"));
    }

    /** The per-layer prefix keys/values as constants. */
    List<PrefixKv> prefix() {
      List<PrefixKv> out = new ArrayList<>();
      JsonNode ks = expected.get("prefix_keys"), vs = expected.get("prefix_values");
      for (int l = 0; l < ks.size(); l++) {
        out.add(new PrefixKv(Var.constant(tensor4(ks.get(l))), Var.constant(tensor4(vs.get(l)))));
      }
      return out;
    }
  }

  static int[] flat(JsonNode rows) {
    List<Integer> out = new ArrayList<>();
    for (JsonNode r : rows) {
      for (JsonNode v : r) {
        out.add(v.intValue());
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  static Tensor tensor4(JsonNode n) {
    int[] shape = {
      n.size(), n.get(0).size(), n.get(0).get(0).size(), n.get(0).get(0).get(0).size()
    };
    float[] a = new float[shape[0] * shape[1] * shape[2] * shape[3]];
    int i = 0;
    for (JsonNode x : n) {
      for (JsonNode y : x) {
        for (JsonNode z : y) {
          for (JsonNode w : z) {
            a[i++] = w.floatValue();
          }
        }
      }
    }
    return Tensor.of(a, shape);
  }

  static double maxAbs(Tensor t) {
    double m = 0;
    for (long i = 0; i < t.numel(); i++) {
      m = Math.max(m, Math.abs(t.get(i)));
    }
    return m;
  }

  /** Log-softmax of logits [B,T,V] as a fresh tensor. */
  static Tensor logSoftmax(Var logits) {
    Tensor out = Tensor.zeros(logits.shape());
    Backends.current().logSoftmax(logits.value(), out);
    return out;
  }

  /** Max |Δ| over the non-padding positions. */
  static double maxDiff(Tensor actual, JsonNode expected, int[] mask) {
    int t = expected.get(0).size(), v = expected.get(0).get(0).size();
    double worst = 0;
    for (int b = 0; b < expected.size(); b++) {
      for (int i = 0; i < t; i++) {
        if (mask[b * t + i] == 0) {
          continue;
        }
        for (int k = 0; k < v; k++) {
          double d =
              Math.abs(
                  actual.get(((long) b * t + i) * v + k)
                      - expected.get(b).get(i).get(k).doubleValue());
          worst = Math.max(worst, d);
        }
      }
    }
    return worst;
  }

  static ModelInput input(CausalLM m, Fixture f) {
    return ModelInput.of(m.embedTokens(f.ids(), f.batch(), f.time()))
        .withPadding(ModelInput.paddingFromAttentionMask(f.mask()));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "llama",
        "llama_bf16",
        "mistral",
        "qwen2",
        "qwen3",
        "gpt2",
        "gemma3",
        "gemma3_layer_types",
        "mistral_window"
      })
  void logprobsMatchReference(String name) throws Exception {
    Fixture f = Fixture.load(name);
    try (CausalLM m = CausalLM.load(f.dir());
        var scope = GradMode.noGrad()) {
      Tensor lp = logSoftmax(m.forward(input(m, f)));
      assertThat(maxDiff(lp, f.expected().get("logprobs"), f.mask()))
          .as(name)
          .isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "llama",
        "llama_bf16",
        "mistral",
        "qwen2",
        "qwen3",
        "gpt2",
        "gemma3",
        "gemma3_layer_types",
        "mistral_window"
      })
  void prefixTuningMatchesReference(String name) throws Exception {
    Fixture f = Fixture.load(name);
    try (CausalLM m = CausalLM.load(f.dir());
        var scope = GradMode.noGrad()) {
      Tensor lp = logSoftmax(m.forward(input(m, f).withPrefix(f.prefix())));
      assertThat(maxDiff(lp, f.expected().get("prefix_logprobs"), f.mask()))
          .as(name)
          .isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "llama",
        "llama_bf16",
        "qwen3",
        "gpt2",
        "gemma3",
        "gemma3_layer_types",
        "mistral_window"
      })
  void trainingLossMatchesReference(String name) throws Exception {
    Fixture f = Fixture.load(name);
    try (CausalLM m = CausalLM.load(f.dir())) {
      Var loss = LanguageModelLoss.loss(m, f.ids(), f.mask(), f.labels(), f.batch(), f.time());
      assertThat((double) loss.item())
          .isCloseTo(
              f.expected().get("loss").doubleValue(),
              org.assertj.core.data.Offset.offset(TOLERANCE));
    }
  }
}
