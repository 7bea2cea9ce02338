package org.peftbench.peft.prompttuning;

import java.util.LinkedHashMap;
import java.util.Map;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Parameter;
import org.peftbench.peft.Init;
import org.peftbench.peft.PeftMethod;
import org.peftbench.peft.StateDicts;
import org.peftbench.peft.VirtualTokens;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;

/**
 * Prompt tuning: P trainable virtual-token embeddings {@code [P, C]} prepended to every input. File
 * key {@code prompt_embeddings}.
 */
public final class PromptTuning implements PeftMethod {
  static final String KEY = "prompt_encoder.embedding.weight";
  private final PromptTuningConfig config;
  private final Parameter embedding; // [P, C]

  /**
   * @param tokenizer needed for TEXT init (may be null otherwise)
   * @param loading the weights come from a file next: start from zeros whatever the init
   */
  public PromptTuning(
      CausalLM model, PromptTuningConfig config, long seed, Tokenizer tokenizer, boolean loading) {
    this.config = config;
    int p = config.numVirtualTokens(), c = config.tokenDim();
    if (c != model.config().hiddenSize()) {
      throw new IllegalArgumentException(
          "token_dim "
              + c
              + " does not match the model's hidden size "
              + model.config().hiddenSize());
    }
    Tensor init =
        loading
            ? Tensor.zeros(p, c)
            : switch (config.promptTuningInit()) {
              case "TEXT" -> textInit(model, tokenizer, p);
              case "SAMPLE_VOCAB" -> sampleVocab(model, seed, p);
              case PromptTuningConfig.PEFT_FACTORY_INIT -> peftFactoryInit(model, seed, p);
              default -> Init.normal(Init.rng(seed, KEY), 1.0, p, c); // torch Embedding: N(0, 1)
            };
    embedding = StateDicts.trainable(KEY, init);
  }

  /** PEFT's TEXT init: the init text's token embeddings, repeated then cut to P. */
  private Tensor textInit(CausalLM model, Tokenizer tokenizer, int p) {
    if (tokenizer == null) {
      throw new IllegalArgumentException("prompt_tuning_init TEXT needs the model's tokenizer");
    }
    int[] ids = tokenizer.encode(config.promptTuningInitText(), true);
    if (ids.length == 0) {
      throw new IllegalArgumentException("prompt_tuning_init_text encodes to no tokens");
    }
    int[] chosen = new int[p];
    for (int i = 0; i < p; i++) {
      chosen[i] = ids[i % ids.length];
    }
    return rows(model, chosen);
  }

  private Tensor sampleVocab(CausalLM model, long seed, int p) {
    var rng = Init.rng(seed, KEY);
    int[] chosen = new int[p];
    for (int i = 0; i < p; i++) {
      chosen[i] = rng.nextInt(model.config().vocabSize());
    }
    return rows(model, chosen);
  }

  /**
   * PEFT-Factory's init: after {@code transformers.set_seed(run seed)} it takes {@code
   * np.random.permutation(range(5000))[:P]} from numpy's global generator and copies those ids'
   * embeddings cast to BF16 (a no-op for BF16 checkpoints).
   */
  private Tensor peftFactoryInit(CausalLM model, long seed, int p) {
    int n = PromptTuningConfig.PEFT_FACTORY_INIT_IDS;
    if (model.config().vocabSize() < n) {
      throw new IllegalArgumentException(
          "prompt_tuning_init "
              + PromptTuningConfig.PEFT_FACTORY_INIT
              + " samples from the first "
              + n
              + " token ids but the vocabulary has "
              + model.config().vocabSize());
    }
    if (p > n) {
      throw new IllegalArgumentException(
          "prompt_tuning_init "
              + PromptTuningConfig.PEFT_FACTORY_INIT
              + " draws at most "
              + n
              + " distinct ids, num_virtual_tokens is "
              + p);
    }
    Tensor out = rows(model, NumpyLegacyPermutation.firstOfPermutation(seed, n, p));
    float[] a = out.array();
    for (int i = 0; i < a.length; i++) {
      a[i] = Half.bf16ToFloat(Half.floatToBf16(a[i]));
    }
    return out;
  }

  /**
   * The input embeddings of {@code ids} as PEFT takes them, {@code word_embeddings(ids)}: the
   * table's rows, times Gemma's {@code sqrt(hidden_size)} where the model scales its embeddings.
   */
  private static Tensor rows(CausalLM model, int[] ids) {
    try (var ignored = GradMode.noGrad()) {
      Tensor e = model.embedTokens(ids, 1, ids.length).value();
      return e.reshape(ids.length, e.dim(2));
    }
  }

  @Override
  public PromptTuningConfig config() {
    return config;
  }

  @Override
  public Map<String, Parameter> trainable() {
    return Map.of(KEY, embedding);
  }

  @Override
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("prompt_embeddings", embedding.value());
    return m;
  }

  @Override
  public void load(Map<String, Tensor> state, String source) {
    StateDicts.copyInto(state, "prompt_embeddings", embedding, source);
  }

  @Override
  public ModelInput prepare(ModelInput in) {
    return VirtualTokens.prepend(in, embedding);
  }

  @Override
  public int virtualTokens() {
    return config.numVirtualTokens();
  }

  @Override
  public void remove() {}
}
