package org.peftbench.harness.run;

import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;
import org.peftbench.transformer.generate.GenerationConfig;
import org.peftbench.transformer.generate.Generator;

/**
 * Measured inference speed: prefill tokens/s of a fixed prompt and decode tokens/s of greedy
 * continuation (batch 1, no EOS stop), best of {@code repeats} runs after one warm-up run.
 */
public final class Throughput {
  public record Result(double prefillTokensPerSecond, double decodeTokensPerSecond) {}

  private Throughput() {}

  public static Result measure(
      CausalLM model,
      UnaryOperator<ModelInput> hook,
      int promptTokens,
      int newTokens,
      int repeats) {
    int vocab = model.config().vocabSize();
    int[] prompt = new int[promptTokens];
    for (int i = 0; i < promptTokens; i++) {
      prompt[i] = 3 + (i * 37) % Math.max(1, vocab - 3); // fixed ids, no special tokens
    }
    Generator gen =
        new Generator(model).withPrefillHook(hook == null ? UnaryOperator.identity() : hook);
    GenerationConfig cfg = GenerationConfig.greedy(newTokens, Set.of());
    gen.generate(List.of(prompt), cfg); // warm-up
    double prefill = 0;
    double decode = 0;
    for (int r = 0; r < repeats; r++) {
      gen.generate(List.of(prompt), cfg);
      Generator.Timing t = gen.lastTiming();
      prefill = Math.max(prefill, t.prefillTokens() / (t.prefillNanos() / 1e9));
      if (t.decodeSteps() > 0) {
        decode = Math.max(decode, t.decodeSteps() / (t.decodeNanos() / 1e9));
      }
    }
    return new Result(prefill, decode);
  }
}
