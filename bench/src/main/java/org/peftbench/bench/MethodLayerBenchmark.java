package org.peftbench.bench;

import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.Parallel;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelConfig;
import org.peftbench.transformer.RandomWeights;

/**
 * What each PEFT method adds to one decoder layer, forward and backward, against the frozen base
 * layer ({@code method=none}). The model is one decoder layer of SmolLM2-135M or Llama-3-8B shape
 * (real widths, heads and MLP size; a 1,024-token vocabulary so that the lm_head does not hide the
 * layer) with the method applied as a suite applies it; {@code forward} is the no-grad forward of
 * B×T tokens, {@code forwardBackward} the training loss and its backward. Method settings are the
 * paper's where it gives them (LoRA r=16 α=16 on k/v/down, 20 virtual tokens here to keep T small),
 * PEFT's defaults otherwise. Score: time per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx8g"})
public class MethodLayerBenchmark {
  @Param({
    "none",
    "lora",
    "dora",
    "rslora",
    "ia3",
    "vera",
    "loha",
    "lokr",
    "bitfit",
    "ln_tuning",
    "prompt_tuning",
    "prefix_tuning",
    "p_tuning",
    "full"
  })
  public String method;

  @Param({"smollm2-135m", "llama-3-8b"})
  public String model;

  /** "B×T". */
  @Param({"1x128"})
  public String tokens;

  @Param({"2"})
  public int threads;

  private CausalLM lm;
  private PeftModel peft;
  private int batch, time;
  private int[] ids;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Parallel.setThreads(threads);
    int[] bt = BenchInputs.dims(tokens);
    batch = bt[0];
    time = bt[1];
    ModelConfig config =
        ModelConfig.parse(JsonMapper.builder().build().readTree(oneLayerConfig(model)), model);
    lm = CausalLM.fromTensors(config, RandomWeights.create(config, 1));
    peft = PeftModel.apply(lm, PeftConfigs.fromJson(adapterConfig(method), method), 42, null);
    ids = BenchInputs.ids(new SplittableRandom(9), batch * time, config.vocabSize());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    lm.close();
  }

  /** One decoder layer of the named model's shape, in HF config.json form. */
  static String oneLayerConfig(String model) {
    // hidden, intermediate, heads, kv heads, head dim, rope theta
    int[] s =
        switch (model) {
          case "smollm2-135m" -> new int[] {576, 1536, 9, 3, 64, 100000};
          case "llama-3-8b" -> new int[] {4096, 14336, 32, 8, 128, 500000};
          default -> throw new IllegalArgumentException("unknown model shape " + model);
        };
    return """
        {"architectures": ["LlamaForCausalLM"], "hidden_size": %d, "intermediate_size": %d,
         "num_attention_heads": %d, "num_key_value_heads": %d, "head_dim": %d,
         "rope_theta": %d, "num_hidden_layers": 1, "vocab_size": 1024,
         "max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "hidden_act": "silu",
         "tie_word_embeddings": false}
        """
        .formatted(s[0], s[1], s[2], s[3], s[4], s[5]);
  }

  /** The adapter_config.json of each benchmarked method. */
  static String adapterConfig(String method) {
    String lora =
        "\"r\": 16, \"lora_alpha\": 16, \"target_modules\": [\"k_proj\", \"v_proj\", \"down_proj\"]";
    return switch (method) {
      case "none" -> "{\"peft_type\": \"NONE\"}";
      case "full" -> "{\"peft_type\": \"FULL\"}";
      case "lora" -> "{\"peft_type\": \"LORA\", " + lora + "}";
      case "dora" -> "{\"peft_type\": \"LORA\", \"use_dora\": true, " + lora + "}";
      case "rslora" -> "{\"peft_type\": \"LORA\", \"use_rslora\": true, " + lora + "}";
      case "ia3" ->
          "{\"peft_type\": \"IA3\", \"target_modules\": [\"k_proj\", \"v_proj\", \"down_proj\"],"
              + " \"feedforward_modules\": [\"down_proj\"]}";
      case "vera" -> "{\"peft_type\": \"VERA\", \"target_modules\": [\"q_proj\", \"v_proj\"]}";
      case "loha" -> "{\"peft_type\": \"LOHA\", \"target_modules\": [\"q_proj\", \"v_proj\"]}";
      case "lokr" -> "{\"peft_type\": \"LOKR\", \"target_modules\": [\"q_proj\", \"v_proj\"]}";
      case "bitfit" -> "{\"peft_type\": \"BITFIT\"}";
      case "ln_tuning" -> "{\"peft_type\": \"LN_TUNING\"}";
      case "prompt_tuning" -> "{\"peft_type\": \"PROMPT_TUNING\", \"num_virtual_tokens\": 20}";
      case "prefix_tuning" -> "{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 20}";
      case "p_tuning" -> "{\"peft_type\": \"P_TUNING\", \"num_virtual_tokens\": 20}";
      default -> throw new IllegalArgumentException("unknown method " + method);
    };
  }

  @Benchmark
  public Object forward() {
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      return peft.forward(ids, null, batch, time);
    }
  }

  /**
   * The training loss and its backward. With nothing trainable ({@code none}) there is no backward:
   * the figure is then the recorded forward alone, the floor every method's step stands on.
   */
  @Benchmark
  public float forwardBackward() {
    Var loss = peft.loss(ids, null, ids, batch, time);
    List<Parameter> trainable = peft.trainableParameters();
    if (!trainable.isEmpty()) {
      loss.backward();
      for (Parameter p : trainable) {
        p.zeroGrad();
      }
    }
    return loss.item();
  }
}
