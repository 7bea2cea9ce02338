package org.peftbench.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.ScalarBackend;
import org.peftbench.tensor.backend.cpu.CpuBackend;
import org.peftbench.transformer.generate.Sampler;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;

/**
 * {@link CpuDecodePath} against the general path, step by step on the golden tiny models of every
 * family it takes (Llama F32 and BF16, Mistral with and without a 3-token window, Qwen2 with
 * biases, Qwen3 with q/k norms): a left-padded batch of three, six decode steps, one row finishing
 * early. Logits and the keys/values it writes into the cache agree within float rounding, and the
 * logits are bit-identical for 1, 2 and 3 threads. Models it must not take fall back (null).
 */
class CpuDecodePathTest {
  private static final int[][] PROMPTS = {{1, 7, 12, 30}, {1, 5}, {1, 9, 3}};
  private static final int STEPS = 6;
  private static final int FINISH_ROW = 1, FINISH_AT = 3;

  @AfterAll
  static void restore() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    Backends.use(new CpuBackend());
  }

  static Path fixture(String name) throws URISyntaxException {
    return Path.of(CpuDecodePathTest.class.getResource("/golden/" + name).toURI());
  }

  /** Logits of every step (fast path or general path) and the final cache, for one thread count. */
  private record Run(List<float[]> logits, KvCache cache) {}

  private static Run decode(CausalLM m, boolean fast, int[] forcedTokens) {
    int b = PROMPTS.length, len = 4, vocab = m.config().vocabSize();
    int[] ids = new int[b * len];
    boolean[] pad = new boolean[b * len];
    for (int r = 0; r < b; r++) {
      int shift = len - PROMPTS[r].length;
      for (int t = 0; t < len; t++) {
        pad[r * len + t] = t < shift;
        ids[r * len + t] = t < shift ? 0 : PROMPTS[r][t - shift];
      }
    }
    List<float[]> out = new ArrayList<>();
    KvCache cache = new KvCache(m.config(), b, len + STEPS + 1);
    try (var ng = GradMode.noGrad();
        CpuDecodePath path = fast ? CpuDecodePath.forModel(m, b) : null) {
      if (fast) {
        assertThat(path).as("the decode path takes %s", m.config().architecture()).isNotNull();
      }
      ModelInput in = ModelInput.of(m.embedTokens(ids, b, len)).withPadding(pad).withCache(cache);
      float[] logits = m.forwardLast(in).value().toFloatArray();
      boolean[] finished = new boolean[b];
      for (int s = 0; s < STEPS; s++) {
        int[] next = new int[b];
        for (int r = 0; r < b; r++) {
          next[r] =
              forcedTokens != null
                  ? forcedTokens[s * b + r]
                  : Sampler.argmax(logits, r * vocab, vocab);
        }
        if (s == FINISH_AT) {
          finished[FINISH_ROW] = true;
        }
        if (fast) {
          logits = path.step(next, finished, cache);
        } else {
          ModelInput step =
              ModelInput.of(m.embedTokens(next, b, 1))
                  .withPadding(finished.clone())
                  .withCache(cache);
          logits = m.forwardLast(step).value().toFloatArray();
        }
        out.add(logits.clone()); // the decode path reuses its buffer
      }
    }
    return new Run(out, cache);
  }

  // the tokens the general path chose, so both paths see the same inputs
  private static int[] tokensOf(Run general, int vocab, CausalLM m) {
    int b = PROMPTS.length;
    int[] t = new int[STEPS * b];
    for (int s = 0; s < STEPS; s++) {
      for (int r = 0; r < b; r++) {
        // step s's input is the argmax of the previous logits (the prefill's for s = 0)
        t[s * b + r] =
            s == 0
                ? (r * 3 + 2) % vocab
                : Sampler.argmax(general.logits.get(s - 1), r * vocab, vocab);
      }
    }
    return t;
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "llama_bf16", "mistral", "mistral_window", "qwen2", "qwen3"})
  void equalsTheGeneralPathAndIsBitIdenticalForAnyThreadCount(String name) throws Exception {
    Backends.use(new CpuBackend());
    try (CausalLM m = CausalLM.load(fixture(name))) {
      int vocab = m.config().vocabSize(), b = PROMPTS.length;
      int[] tokens = tokensOf(decode(m, false, null), vocab, m);
      Parallel.setThreads(2);
      Run general = decode(m, false, tokens);
      Run fast = decode(m, true, tokens);
      for (int s = 0; s < STEPS; s++) {
        for (int r = 0; r < b; r++) {
          if (r == FINISH_ROW && s >= FINISH_AT) {
            continue; // a finished row's logits are not used
          }
          for (int i = 0; i < vocab; i++) {
            float want = general.logits.get(s)[r * vocab + i];
            float got = fast.logits.get(s)[r * vocab + i];
            if (!(Math.abs(got - want) <= 2e-5 * Math.max(1, Math.abs(want)))) {
              fail("%s step %d row %d logit %d: %s vs %s", name, s, r, i, got, want);
            }
          }
        }
      }
      // the same keys and values were appended (the finished row's later slots are padding)
      for (int l = 0; l < m.config().numLayers(); l++) {
        float[] gk = general.cache.keys(l).toFloatArray(), fk = fast.cache.keys(l).toFloatArray();
        float[] gv = general.cache.values(l).toFloatArray();
        float[] fv = fast.cache.values(l).toFloatArray();
        int row = m.config().numKvHeads() * m.config().headDim();
        int cap = general.cache.capacity();
        for (int r = 0; r < b; r++) {
          for (int slot = 0; slot < general.cache.length(); slot++) {
            if (general.cache.keyPadding()[r * cap + slot]) {
              continue;
            }
            for (int i = 0; i < row; i++) {
              int at = (r * cap + slot) * row + i;
              assertThat(Math.abs(fk[at] - gk[at]))
                  .as("%s key l%d r%d s%d", name, l, r, slot)
                  .isLessThan(2e-5f);
              assertThat(Math.abs(fv[at] - gv[at])).as("%s value", name).isLessThan(2e-5f);
            }
          }
        }
      }
      assertThat(fast.cache.keyPadding()).containsExactly(general.cache.keyPadding());
      for (int threads : new int[] {1, 3}) {
        Parallel.setThreads(threads);
        Run other = decode(m, true, tokens);
        for (int s = 0; s < STEPS; s++) {
          assertThat(other.logits.get(s))
              .as("%s step %d with %d threads", name, s, threads)
              .containsExactly(fast.logits.get(s));
        }
      }
    }
  }

  @Test
  void modelsItCannotRunExactlyFallBack() throws Exception {
    Backends.use(new CpuBackend());
    try (CausalLM m = CausalLM.load(fixture("llama"))) {
      try (var ng = GradMode.noGrad()) {
        try (CpuDecodePath p = CpuDecodePath.forModel(m, 2)) {
          assertThat(p).isNotNull();
        }
        assertThat(CpuDecodePath.forModel(m, CpuDecodePath.MAX_BATCH + 1)).isNull();
        // a wrapped projection (any PEFT method's module) sends the model down the general path
        Slot<LinearLayer> q = m.linears().get("model.layers.1.self_attn.q_proj");
        LinearLayer base = q.get();
        q.set(
            new LinearLayer() {
              @Override
              public Var forward(Var x) {
                return base.forward(x);
              }

              @Override
              public int inFeatures() {
                return base.inFeatures();
              }

              @Override
              public int outFeatures() {
                return base.outFeatures();
              }
            });
        assertThat(CpuDecodePath.forModel(m, 1)).isNull();
        q.reset();
        // another backend (here the scalar reference) keeps its own kernels
        Backends.use(new ScalarBackend());
        assertThat(CpuDecodePath.forModel(m, 1)).isNull();
        Backends.use(new CpuBackend());
      }
      // recording gradients: never
      assertThat(GradMode.isEnabled()).isTrue();
      assertThat(CpuDecodePath.forModel(m, 1)).isNull();
    }
    for (String other : List.of("gpt2", "gemma3")) {
      try (CausalLM m = CausalLM.load(fixture(other));
          var ng = GradMode.noGrad()) {
        assertThat(CpuDecodePath.forModel(m, 1)).as(other).isNull();
      }
    }
  }

  @Test
  void aFullCacheIsRefusedBeforeAnyWork() throws Exception {
    Backends.use(new CpuBackend());
    try (CausalLM m = CausalLM.load(fixture("llama"));
        var ng = GradMode.noGrad();
        KvCache cache = new KvCache(m.config(), 1, 2);
        CpuDecodePath p = CpuDecodePath.forModel(m, 1)) {
      Var e = m.embedTokens(new int[] {1, 4}, 1, 2);
      m.forwardLast(ModelInput.of(e).withCache(cache));
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> p.step(new int[] {3}, new boolean[1], cache))
          .hasMessageContaining("KV cache full");
    }
  }
}
