package org.peftbench.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import org.peftbench.tensor.DType;
import org.peftbench.tensor.safetensors.SafetensorsWriter;
import org.peftbench.transformer.ModelConfig;
import org.peftbench.transformer.RandomWeights;
import org.peftbench.transformer.WeightLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench init-model}: a model folder with random weights initialised as transformers does
 * (normal(0, initializer_range) weights, zero biases, unit norms), for tests and for speed
 * benchmarks at real shapes.
 */
@Command(
    name = "init-model",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Write a model folder with random weights (HF initialisation) for a config.json.",
      "Tokenizer files next to the config are copied too."
    })
public final class InitModelCommand implements Callable<Integer> {
  /** Files copied from the config's folder when present. */
  static final List<String> SIDE_FILES =
      List.of(
          "tokenizer.json",
          "tokenizer_config.json",
          "tokenizer.model",
          "vocab.json",
          "merges.txt",
          "special_tokens_map.json",
          "generation_config.json");

  enum StoredType {
    f32,
    bf16,
    f16
  }

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "A HF config.json.")
  Path config;

  @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
  @Option(
      names = "--seed",
      defaultValue = "0",
      paramLabel = "S",
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Output model folder.")
  Path out;

  @Option(
      names = "--dtype",
      defaultValue = "f32",
      paramLabel = "f32|bf16|f16",
      description = "Stored weight type (default: ${DEFAULT-VALUE}).")
  StoredType dtype;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(config)) {
      throw new UserError("--config " + config + ": no such file");
    }
    ModelConfig c;
    try {
      c = ModelConfig.load(config);
    } catch (RuntimeException e) {
      throw new UserError(e.getMessage(), e);
    }
    refuseExistingWeights(out);
    DType stored =
        switch (dtype) {
          case f32 -> DType.F32;
          case bf16 -> DType.BF16;
          case f16 -> DType.F16;
        };
    SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
    long count = 0;
    for (WeightLayout.Spec s : WeightLayout.of(c).values()) {
      var t = RandomWeights.create(c, s, seed);
      count += t.numel();
      writer.add(s.name(), t, stored);
    }
    try {
      Files.createDirectories(out);
      writer.write(out.resolve("model.safetensors"));
      copyAtomically(config, out.resolve("config.json"));
      Path from = config.toAbsolutePath().getParent();
      for (String f : SIDE_FILES) {
        if (Files.isRegularFile(from.resolve(f))) {
          copyAtomically(from.resolve(f), out.resolve(f));
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot write " + out + ": " + e.getMessage(), e);
    }
    spec.commandLine()
        .getOut()
        .printf(
            "%s: %s, %,d parameters, %s, seed %d%n",
            out, c.architecture().hfName(), count, stored, seed);
    return ExitCodes.OK;
  }

  /**
   * Random weights must never replace real ones: a folder that already holds weights is refused
   * (delete them first to mean it).
   */
  static void refuseExistingWeights(Path out) {
    for (String f : List.of("model.safetensors", "model.safetensors.index.json")) {
      if (Files.exists(out.resolve(f))) {
        throw new UserError(
            "--out "
                + out
                + " already holds weights ("
                + f
                + "); init-model does not overwrite them: pick an empty folder or delete them"
                + " first");
      }
    }
  }

  private static void copyAtomically(Path src, Path dst) throws IOException {
    if (src.toAbsolutePath().normalize().equals(dst.toAbsolutePath().normalize())) {
      return;
    }
    Path tmp =
        Files.createTempFile(dst.toAbsolutePath().getParent(), "." + dst.getFileName(), ".tmp");
    Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);
    tmp.toFile().setWritable(true, true); // the source may be read-only (../shared)
    Files.move(tmp, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
