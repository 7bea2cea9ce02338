package org.peftbench.harness.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.peftbench.harness.suite.ModelPaths;
import org.peftbench.peft.PeftModel;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.tokenizers.Tokenizers;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelInput;

/** Helpers the model commands (generate, score, bench generate) share. */
final class ModelCli {
  private ModelCli() {}

  static final String MODEL_HELP =
      "HF model folder, or a hub id org/name[@revision] resolved in the hub cache"
          + " ($HF_HUB_CACHE; downloaded from $HF_ENDPOINT unless HF_HUB_OFFLINE=1).";

  /**
   * A --model value to its folder: a local path, else a hub id resolved in (and downloaded into)
   * the hub cache. Problems become one usage line naming the option.
   */
  static Path resolveModel(String spec, picocli.CommandLine command) {
    try {
      return ModelPaths.resolveModel(spec, null);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(
          command, "--model " + spec + ": " + e.getMessage(), e, null, spec);
    }
  }

  /** Loads a HF model folder, turning bad input into a {@link UserError}. */
  static CausalLM loadModel(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new UserError("--model " + dir + ": not a folder");
    }
    try {
      return CausalLM.load(dir);
    } catch (RuntimeException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  /** The model folder's tokenizer. */
  static Tokenizer loadTokenizer(Path dir) {
    try {
      return Tokenizers.load(dir);
    } catch (RuntimeException e) {
      throw new UserError("cannot load the tokenizer of " + dir + ": " + e.getMessage(), e);
    }
  }

  /** An adapter's input rewrite (virtual tokens, prefix keys), or identity without one. */
  static UnaryOperator<ModelInput> adapterHook(CausalLM model, Path adapterDir) {
    if (adapterDir == null) {
      return UnaryOperator.identity();
    }
    try {
      PeftModel pm = PeftModel.load(model, adapterDir);
      return pm::prepare;
    } catch (RuntimeException e) {
      throw new UserError("--adapter " + adapterDir + ": " + e.getMessage(), e);
    }
  }

  /** Parses "1,2,3" (spaces allowed). */
  static int[] parseIds(String s, int vocab) {
    String[] parts = s.trim().isEmpty() ? new String[0] : s.split(",");
    int[] ids = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        ids[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new UserError("--ids: '" + parts[i].trim() + "' is not a token id");
      }
      if (ids[i] < 0 || ids[i] >= vocab) {
        throw new UserError(
            "--ids: token id " + ids[i] + " outside the vocabulary [0, " + vocab + ")");
      }
    }
    return ids;
  }

  /** The BOS id: the tokenizer's, else the config's. */
  static int bos(CausalLM model, Tokenizer tok) {
    if (tok != null && tok.bosId() >= 0) {
      return tok.bosId();
    }
    Integer b = model.config().bosTokenId();
    if (b == null) {
      throw new UserError("the model has no BOS token; give a non-empty prompt");
    }
    return b;
  }
}
