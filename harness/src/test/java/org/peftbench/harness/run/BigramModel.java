package org.peftbench.harness.run;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.peftbench.autograd.Ops;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.StepContext;
import org.peftbench.autograd.Var;
import org.peftbench.tensor.Tensor;

/**
 * A tiny trainable LM for testing the training loop alone: logits of the next token are a row of a
 * [V, V] table (a bigram model), with dropout on them while training. {@code poisonAtCall} makes
 * the loss of that forward call NaN.
 */
final class BigramModel implements RunModel {
  final int vocab;
  final Parameter table;
  int calls;
  int poisonAtCall = -1;

  BigramModel(int vocab, long seed) {
    this.vocab = vocab;
    float[] w = new float[vocab * vocab];
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * 0.02);
    }
    table = new Parameter("table", Tensor.of(w, vocab, vocab), true);
  }

  @Override
  public List<Parameter> trainableParameters() {
    return List.of(table);
  }

  @Override
  public Var loss(Batch batch) {
    calls++;
    int b = batch.size();
    int t = batch.width();
    int[] ids = new int[b * t];
    int[] targets = new int[b * t];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        ids[i * t + j] = batch.inputIds()[i][j];
        targets[i * t + j] = j + 1 < t ? batch.labels()[i][j + 1] : TokenizedExample.IGNORE;
      }
    }
    Var logits = Ops.embedding(table, ids);
    logits = StepContext.dropout(logits, 0.1f, "table"); // on inside a training step only
    Var loss = Ops.crossEntropy(logits, targets, TokenizedExample.IGNORE);
    if (calls == poisonAtCall) {
      loss = Ops.scale(loss, Float.NaN);
    }
    return loss;
  }

  @Override
  public int padId() {
    return 0;
  }

  @Override
  public void saveAdapter(Path dir) {
    try {
      Files.createDirectories(dir);
      try (DataOutputStream out =
          new DataOutputStream(Files.newOutputStream(dir.resolve("w.bin")))) {
        Tensor v = table.value();
        for (int i = 0; i < v.size(); i++) {
          out.writeFloat(v.array()[v.offset() + i]);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void loadAdapterWeights(Path dir) {
    try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve("w.bin")))) {
      Tensor v = table.value();
      for (int i = 0; i < v.size(); i++) {
        v.array()[v.offset() + i] = in.readFloat();
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
