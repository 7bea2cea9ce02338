package org.peftbench.peft;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peftbench.autograd.Var;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.peft.bitfit.BitFitConfig;
import org.peftbench.peft.full.FullFineTuningConfig;
import org.peftbench.peft.ia3.IA3Config;
import org.peftbench.peft.lntuning.LNTuningConfig;
import org.peftbench.peft.loha.LoHaConfig;
import org.peftbench.peft.lokr.LoKrConfig;
import org.peftbench.peft.lora.LoraConfig;
import org.peftbench.peft.prefixtuning.PrefixTuningConfig;
import org.peftbench.peft.prompttuning.PromptTuningConfig;
import org.peftbench.peft.ptuning.PromptEncoderConfig;
import org.peftbench.peft.vera.VeraConfig;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.tokenizers.Tokenizers;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.LanguageModelLoss;

/**
 * Each method lowers the training loss of the real stories260K model on a small batch of real text
 * (SST-2 sentences with their labels as words) within a few dozen AdamW steps.
 */
class TrainingTest {
  static Stream<Arguments> methods() {
    return Stream.of(
        Arguments.of("lora", LoraConfig.defaults(), 1e-2),
        Arguments.of("dora", LoraConfig.defaults().withDora(true), 1e-2),
        Arguments.of("ia3", IA3Config.defaults(), 3e-2),
        Arguments.of("prompt-tuning", PromptTuningConfig.text(8, "Once upon a time"), 3e-2),
        Arguments.of("prefix-tuning", PrefixTuningConfig.defaults(), 3e-2),
        Arguments.of("p-tuning", PromptEncoderConfig.defaults(), 1e-2),
        Arguments.of("p-tuning-lstm", PromptEncoderConfig.defaults().withEncoder("LSTM", 32), 1e-2),
        Arguments.of("ln-tuning", LNTuningConfig.defaults(), 1e-2),
        Arguments.of("bitfit", BitFitConfig.defaults(), 3e-2),
        Arguments.of("vera", VeraConfig.defaults().withRank(32), 3e-2),
        Arguments.of("loha", LoHaConfig.defaults(), 1e-2),
        Arguments.of("lokr", LoKrConfig.defaults(), 1e-2),
        Arguments.of("full", new FullFineTuningConfig(), 3e-3));
  }

  record Batch(int[] ids, int[] labels, int b, int t) {}

  static Batch batch(Tokenizer tok, Path shared) throws IOException {
    List<int[]> rows = new ArrayList<>();
    List<String> lines =
        Files.readAllLines(shared.resolve("datasets/sst2/train.jsonl")).subList(0, 4);
    for (String line : lines) {
      JsonNode n = PeftConfigs.JSON.readTree(line);
      String text =
          "Review: "
              + n.get("sentence").asText().strip()
              + "\nSentiment: "
              + (n.get("label").asInt() == 1 ? "positive" : "negative");
      rows.add(tok.encode(text, true));
    }
    int t = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
    int b = rows.size();
    int[] ids = new int[b * t];
    int[] labels = new int[b * t];
    for (int r = 0; r < b; r++) {
      int[] row = rows.get(r);
      for (int i = 0; i < t; i++) {
        ids[r * t + i] = i < row.length ? row[i] : 0; // right padding, never a label
        labels[r * t + i] = i < row.length ? row[i] : LanguageModelLoss.IGNORE;
      }
    }
    return new Batch(ids, labels, b, t);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("methods")
  void lowersTheLossOfStories260K(String name, PeftConfig config, double lr) throws IOException {
    Path shared = Fixtures.shared();
    Path dir = shared.resolve("models/stories260K");
    Tokenizer tok = Tokenizers.load(dir);
    Batch data = batch(tok, shared);
    try (CausalLM model = CausalLM.load(dir)) {
      PeftModel pm = PeftModel.apply(model, config, 1, tok);
      AdamW opt = new AdamW(pm.trainableParameters(), 0.9, 0.999, 1e-8, 0.0);
      double first = 0, last = 0;
      for (int step = 0; step < 20; step++) {
        opt.zeroGrad();
        Var loss = pm.loss(data.ids(), null, data.labels(), data.b(), data.t());
        double l = loss.item();
        if (step == 0) {
          first = l;
        }
        last = l;
        loss.backward();
        opt.step(lr);
      }
      System.out.printf("%-14s loss %.4f -> %.4f%n", name, first, last);
      assertThat(first).isFinite();
      assertThat(last).as(name + ": loss %.4f -> %.4f", first, last).isLessThan(first * 0.9);
    }
  }
}
