package org.peftbench.harness.run;

import java.nio.file.Path;
import java.util.List;
import org.peftbench.datasets.BenchmarkSplits;
import org.peftbench.datasets.DataDir;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.Protocol;
import org.peftbench.datasets.SplitLoader;
import org.peftbench.datasets.SplitOptions;
import org.peftbench.datasets.Task;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftModel;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.tokenizers.Tokenizers;
import org.peftbench.transformer.CausalLM;

/**
 * The assembly of one training run, the one place both {@code peftbench train} and the suite runner
 * ({@link RunExecutor}) build it: the model and its tokenizer loaded from the model folder, the
 * prompt style the folder implies, the PEFT method applied with the run's seed, the adapted model
 * wrapped for the {@link Trainer} (padding with EOS), and the trainer itself.
 *
 * <pre>{@code
 * try (TrainingRun run = TrainingRun.open(modelDir, "stories260K")) {
 *   PeftModel pm = run.adapt(config, seed);
 *   Trainer.Outcome o = run.trainer(train, validation, plan, work, listener).run();
 * }
 * }</pre>
 */
public final class TrainingRun implements AutoCloseable {
  private final Path modelDir;
  private final String modelName;
  private final CausalLM model;
  private final Tokenizer tokenizer;
  private PromptStyle style;
  private PeftRunModel runModel;

  private TrainingRun(Path modelDir, String modelName, CausalLM model, Tokenizer tokenizer) {
    this.modelDir = modelDir;
    this.modelName = modelName;
    this.model = model;
    this.tokenizer = tokenizer;
  }

  /**
   * Loads the model (weights memory-mapped until {@link #close}) and its tokenizer.
   *
   * @param modelName how adapters name their base model ({@code base_model_name_or_path})
   */
  public static TrainingRun open(Path modelDir, String modelName) {
    return open(modelDir, modelName, true);
  }

  /**
   * @param needsTokenizer false for pre-tokenized data: a model folder without a tokenizer is fine
   *     then (one that has one still loads it, for the padding id)
   */
  public static TrainingRun open(Path modelDir, String modelName, boolean needsTokenizer) {
    CausalLM model = CausalLM.load(modelDir);
    try {
      Tokenizer tok =
          needsTokenizer || Tokenizers.present(modelDir) ? Tokenizers.load(modelDir) : null;
      return new TrainingRun(modelDir, modelName, model, tok);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  public CausalLM model() {
    return model;
  }

  /** The tokenizer, or null for a run opened without one. */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** Chat style when the model folder has a chat template, else plain (read on first use). */
  public PromptStyle style() {
    if (style == null) {
      style = PromptStyle.forModel(modelDir);
    }
    return style;
  }

  /**
   * Right padding only needs an id the labels ignore: the tokenizer's EOS; without one the config's
   * {@code pad_token_id}, else its first {@code eos_token_id}, else 0.
   */
  public int padId() {
    if (tokenizer != null && tokenizer.eosId() >= 0) {
      return tokenizer.eosId();
    }
    if (model.config().padTokenId() != null) {
      return model.config().padTokenId();
    }
    return model.config().eosTokenIds().isEmpty() ? 0 : model.config().eosTokenIds().getFirst();
  }

  /** Applies {@code config} to the model with fresh adapter weights drawn from {@code seed}. */
  public PeftModel adapt(PeftConfig config, long seed) {
    if (runModel != null) {
      throw new IllegalStateException("this run's model is adapted already");
    }
    PeftModel pm = PeftModel.apply(model, config, seed, tokenizer); // null: no TEXT init
    runModel = new PeftRunModel(pm, modelName, padId());
    return pm;
  }

  /** The adapted model as the trainer sees it ({@link #adapt} first). */
  public PeftRunModel runModel() {
    if (runModel == null) {
      throw new IllegalStateException("adapt() the model first");
    }
    return runModel;
  }

  /** A task's PEFT-Bench splits with this project's prompts ({@code corrected}). */
  public BenchmarkSplits splits(DataDir data, Task task, SplitOptions options) {
    return splits(data, task, options, Protocol.CORRECTED);
  }

  /**
   * A task's PEFT-Bench splits with the prompts and targets of {@code protocol} (under {@code
   * peft-factory} the reference converter's user message and response), formatted in this model's
   * style.
   */
  public BenchmarkSplits splits(DataDir data, Task task, SplitOptions options, Protocol protocol) {
    return new SplitLoader(data, options, style().formatter(), protocol).load(task);
  }

  /** Examples as token sequences in this model's style, truncated to {@code maxLen} (0: none). */
  public List<TokenizedExample> tokenize(List<Example> examples, int maxLen) {
    return TaskData.tokenize(examples, tokenizer, style(), maxLen);
  }

  /** The same, cut as {@code truncation} says when longer than {@code maxLen}. */
  public List<TokenizedExample> tokenize(
      List<Example> examples, int maxLen, Truncation truncation) {
    return TaskData.tokenize(examples, tokenizer, style(), maxLen, truncation);
  }

  /** The trainer of the adapted model; its checkpoints and best adapter go into {@code work}. */
  public Trainer trainer(
      List<TokenizedExample> train,
      List<TokenizedExample> validation,
      Trainer.Plan plan,
      Path work,
      Trainer.Listener listener) {
    return new Trainer(runModel(), train, validation, plan, work, listener);
  }

  @Override
  public void close() {
    model.close();
  }
}
