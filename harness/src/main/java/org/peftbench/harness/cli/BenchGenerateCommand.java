package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.peftbench.bench.GenerateBench;
import org.peftbench.tensor.Parallel;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.generate.Generator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench bench generate}: the options and report of {@link GenerateBench} (prefill and
 * decode speed of a model on random prompt ids; the measurement lives in the {@code bench} module).
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Measure prefill and decode tokens/s (greedy, random prompt ids).")
public final class BenchGenerateCommand implements Callable<Integer> {
  Path model;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR|ORG/NAME",
      description = ModelCli.MODEL_HELP)
  void setModel(String spec) {
    model = ModelCli.resolveModel(spec, this.spec.commandLine());
  }

  @Range(min = 1, max = 1 << 20)
  @Option(
      names = "--prompt-tokens",
      defaultValue = "128",
      paramLabel = "P",
      description = "Default: ${DEFAULT-VALUE}.")
  int promptTokens;

  @Range(min = 1, max = 1 << 20)
  @Option(
      names = "--new-tokens",
      defaultValue = "64",
      paramLabel = "N",
      description = "Default: ${DEFAULT-VALUE}.")
  int newTokens;

  @Range(min = 1, max = 4096)
  @Option(
      names = "--batch",
      defaultValue = "1",
      split = ",",
      paramLabel = "B",
      description =
          "Prompts per generation; a comma-separated list measures each (e.g. 1,4,16,64)."
              + " Default: ${DEFAULT-VALUE}.")
  int[] batch;

  @Range(min = 1, max = 1 << 20)
  @Option(
      names = "--context",
      split = ",",
      paramLabel = "P",
      description =
          "Prompt lengths to measure, comma-separated (e.g. 16,512): decode then runs with that"
              + " many tokens already in the KV cache. Overrides --prompt-tokens.")
  int[] context;

  @Range(min = 1, max = 4096)
  @Option(
      names = "--threads-sweep",
      split = ",",
      paramLabel = "N",
      description = "Thread counts to measure, comma-separated (e.g. 1,2). Default: --threads.")
  int[] threadsSweep;

  @Range(min = 1, max = 1000)
  @Option(
      names = "--repeats",
      defaultValue = "1",
      paramLabel = "R",
      description = "Timed runs; the best is reported (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
  @Option(
      names = "--seed",
      defaultValue = "0",
      paramLabel = "S",
      description = "Seed of the prompt ids.")
  long seed;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    int[] contexts = context != null ? context : new int[] {promptTokens};
    int[] threadCounts = threadsSweep != null ? threadsSweep : new int[] {Parallel.threads()};
    int restore = Parallel.threads();
    var out = spec.commandLine().getOut();
    ObjectMapper mapper = new ObjectMapper();
    try (CausalLM m = ModelCli.loadModel(model)) {
      String dtype = m.tokenEmbedding().value().dtype().toString();
      for (int threads : threadCounts) {
        Parallel.setThreads(threads);
        for (int b : batch) {
          for (int p : contexts) {
            GenerateBench.Result result = GenerateBench.run(m, p, newTokens, b, repeats, seed);
            Generator.Timing best = result.best();
            if (json) {
              ObjectNode node = mapper.createObjectNode();
              node.put("model", model.toString());
              node.put("architecture", m.config().architecture().hfName());
              node.put("parameters", m.parameterCount());
              node.put("dtype", dtype);
              node.put("backend", Backends.current().name());
              node.put("threads", threads);
              node.put("batch", b);
              node.put("prompt_tokens", p);
              node.put("new_tokens", newTokens);
              node.put("prefill_tokens_per_s", result.prefillTokensPerSecond());
              node.put("decode_tokens_per_s", result.decodeTokensPerSecond());
              node.put(
                  "decode_ms_per_step", best.decodeNanos() / 1e6 / Math.max(1, best.decodeSteps()));
              node.put("decode_path", result.decodePath());
              node.put("weight_bytes_per_step", result.weightBytesPerToken());
              node.put("decode_weight_gb_per_s", result.decodeWeightGbPerSecond(b));
              out.println(mapper.writeValueAsString(node));
            } else {
              out.printf(
                  "%s (%s, %s, %s backend, %d threads): B=%d P=%d N=%d  prefill %.1f tok/s"
                      + "  decode %.2f tok/s (%s, weights read at %.1f GB/s)%n",
                  model,
                  m.config().architecture().hfName(),
                  dtype,
                  Backends.current().name(),
                  threads,
                  b,
                  p,
                  newTokens,
                  result.prefillTokensPerSecond(),
                  result.decodeTokensPerSecond(),
                  result.decodePath(),
                  result.decodeWeightGbPerSecond(b));
            }
            out.flush();
          }
        }
      }
    } finally {
      Parallel.setThreads(restore);
    }
    return ExitCodes.OK;
  }
}
