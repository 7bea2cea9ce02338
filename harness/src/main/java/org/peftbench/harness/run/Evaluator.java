package org.peftbench.harness.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.peftbench.datasets.Example;
import org.peftbench.datasets.Task;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;
import org.peftbench.transformer.generate.GenerationConfig;
import org.peftbench.transformer.generate.Generator;
import org.peftbench.transformer.generate.Scorer;

/**
 * Test-set evaluation in two modes.
 *
 * <ul>
 *   <li>{@code generate} (PEFT-Bench): greedy decoding from the prompt until an end token (the
 *       tokenizer's EOS and every id of {@code generation_config.json}'s {@code eos_token_id}) or
 *       the token limit, never cut at a newline: the whole decoded text (special tokens skipped) is
 *       the prediction, as PEFT-Factory writes it to {@code generated_predictions.jsonl}, and the
 *       task's metrics score it (dropping a reasoning block, stripping and lower-casing it; GSM8K
 *       reads the number after the last {@code ####}; an answer outside the label set counts as
 *       wrong).
 *   <li>{@code rank} (lm-evaluation-harness): for classification and multiple-choice examples, the
 *       choice with the highest log-likelihood {@code Σ log p(choice tokens | prompt)} is the
 *       prediction; tasks without choices fall back to generation.
 * </ul>
 */
public final class Evaluator {
  /** Scores and the first few predictions. */
  public record Evaluation(
      String mode,
      Map<String, Double> metrics,
      String mainMetric,
      double scorePercent,
      List<Map<String, String>> samples,
      int examples,
      List<String> predictions) {}

  private final CausalLM model;
  private final Tokenizer tok;
  private final UnaryOperator<ModelInput> hook;
  private final PromptStyle style;
  private final int maxPromptTokens;
  private final int maxNewTokens;
  private final int batchSize;
  private final Truncation truncation;

  public Evaluator(
      CausalLM model,
      Tokenizer tok,
      UnaryOperator<ModelInput> hook,
      PromptStyle style,
      int maxPromptTokens,
      int maxNewTokens,
      int batchSize) {
    this(model, tok, hook, style, maxPromptTokens, maxNewTokens, batchSize, Truncation.KEEP_END);
  }

  /**
   * @param maxPromptTokens the sequence limit prompts are cut to (≤ 0: none)
   * @param truncation which end of a long prompt is kept (see {@link Truncation})
   */
  public Evaluator(
      CausalLM model,
      Tokenizer tok,
      UnaryOperator<ModelInput> hook,
      PromptStyle style,
      int maxPromptTokens,
      int maxNewTokens,
      int batchSize,
      Truncation truncation) {
    this.truncation = truncation;
    this.model = model;
    this.tok = tok;
    this.hook = hook == null ? UnaryOperator.identity() : hook;
    this.style = style;
    this.maxPromptTokens = maxPromptTokens;
    this.maxNewTokens = maxNewTokens;
    this.batchSize = Math.max(1, batchSize);
  }

  public Evaluation evaluate(Task task, List<Example> test, String mode) {
    if (test.isEmpty()) {
      throw new IllegalArgumentException(task.name() + ": the test split is empty");
    }
    boolean rank = mode.equals("rank") && test.stream().allMatch(e -> !e.choices().isEmpty());
    List<String> predictions = rank ? rank(test) : generate(test);
    List<List<String>> golds = new ArrayList<>();
    for (Example e : test) {
      golds.add(e.gold());
    }
    Map<String, Double> metrics = new LinkedHashMap<>(task.score(predictions, golds));
    String main = task.primaryMetric();
    Double v = metrics.get(main);
    double percent = v == null || v.isNaN() ? 0.0 : 100.0 * v;
    List<Map<String, String>> samples = new ArrayList<>();
    for (int i = 0; i < Math.min(5, test.size()); i++) {
      Map<String, String> s = new LinkedHashMap<>();
      s.put("id", test.get(i).id());
      s.put("predict", predictions.get(i));
      s.put("label", test.get(i).target());
      samples.add(s);
    }
    return new Evaluation(
        rank ? "rank" : "generate", metrics, main, percent, samples, test.size(), predictions);
  }

  /**
   * Greedy generations. Prompts of equal length are batched together, so no row needs padding (no
   * wasted positions, and every method's virtual tokens line up); the order of the returned texts
   * is the order of {@code test}.
   */
  public List<String> generate(List<Example> test) {
    Generator gen =
        new Generator(model).withDecoder(ids -> tok.decode(ids, true)).withPrefillHook(hook);
    GenerationConfig cfg = GenerationConfig.greedy(maxNewTokens, stopIds(tok));
    List<int[]> prompts = new ArrayList<>(test.size());
    for (Example e : test) {
      int[] ids = tok.encode(e.prompt(), style.addSpecialTokens());
      int targetLen = tok.encode(e.target(), false).length + 1; // + the end token
      prompts.add(truncation.prompt(ids, targetLen, maxPromptTokens));
    }
    Integer[] order = new Integer[test.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> prompts.get(i).length));
    String[] out = new String[test.size()];
    for (int i = 0; i < order.length; ) {
      int len = prompts.get(order[i]).length;
      int j = i;
      List<int[]> batch = new ArrayList<>();
      while (j < order.length && j - i < batchSize && prompts.get(order[j]).length == len) {
        batch.add(prompts.get(order[j]));
        j++;
      }
      List<Generator.Result> results = gen.generate(batch, cfg);
      for (int k = 0; k < results.size(); k++) {
        out[order[i + k]] = prediction(results.get(k).text());
      }
      i = j;
    }
    return java.util.Arrays.asList(out);
  }

  /**
   * The ids that end a generation: the tokenizer's EOS and every {@code eos_token_id} of the
   * model's generation config (Llama-3-Instruct: {@code <|end_of_text|>} and {@code <|eot_id|>}).
   */
  public static java.util.Set<Integer> stopIds(Tokenizer tok) {
    java.util.Set<Integer> ids = new java.util.LinkedHashSet<>(tok.eosIds());
    if (tok.eosId() >= 0) {
      ids.add(tok.eosId());
    }
    return ids;
  }

  /**
   * A generation as the prediction to score: the decoded text as it is, newlines and all (the
   * metrics normalize it). Only a missing text becomes the empty answer.
   */
  static String prediction(String generated) {
    return generated == null ? "" : generated;
  }

  /** The most likely choice of each example. */
  public List<String> rank(List<Example> test) {
    List<String> out = new ArrayList<>(test.size());
    for (Example e : test) {
      int[] promptIds = tok.encode(e.prompt(), style.addSpecialTokens()); // shared by the choices
      int best = 0;
      double bestLp = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < e.choices().size(); c++) {
        double lp = choiceLogprob(promptIds, e.prompt(), e.choices().get(c));
        if (lp > bestLp) {
          bestLp = lp;
          best = c;
        }
      }
      out.add(e.choices().get(best));
    }
    return out;
  }

  /**
   * Σ log p(choice tokens | prompt), the choice tokens being those after the prompt's ({@code
   * promptIds}, the tokenized prompt). A prompt longer than the limit keeps its last tokens.
   */
  private double choiceLogprob(int[] promptIds, String prompt, String choice) {
    int[] full = TaskData.continuation(prompt, choice, tok, style);
    int n = Math.max(1, TaskData.commonPrefix(promptIds, full));
    if (maxPromptTokens > 0 && n > maxPromptTokens) {
      int cut = n - maxPromptTokens;
      full = java.util.Arrays.copyOfRange(full, cut, full.length);
      n -= cut;
    }
    float[] lp = Scorer.logprobs(model, full, hook);
    double sum = 0;
    for (int t = n - 1; t < lp.length; t++) {
      sum += lp[t];
    }
    return sum;
  }
}
