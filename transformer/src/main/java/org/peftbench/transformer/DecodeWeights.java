package org.peftbench.transformer;

import java.util.List;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.cpu.DecodeKernels;
import org.peftbench.transformer.nn.DecomposedLinear;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.NormLayer;
import org.peftbench.transformer.nn.RmsNorm;
import org.peftbench.transformer.nn.Slot;

/**
 * The weights {@link CpuDecodePath} reads, resolved once per generation from the model's current
 * modules: projection weights stay where they are (memory-mapped or on the heap, in their stored
 * type), the small ones (norm scales, biases, LoRA's A and B) are decoded to float arrays. Null
 * from {@link #of} when some module is not a plain {@link Linear} (or one plus BitFit's bias or
 * plain LoRA, {@link DecomposedLinear}) or {@link RmsNorm}.
 */
final class DecodeWeights {
  /**
   * A linear layer {@code y = x·Wᵀ (+ b) (+ s·(x·Aᵀ)·Bᵀ)} as the decode kernels read it: the base
   * weight in place, the bias and a LoRA term's A {@code [r,in]} and B {@code [out,r]} as floats.
   */
  record Projection(
      Tensor weight,
      DecodeKernels.WeightPath path,
      float[] inputScale,
      float[] outputScale,
      float[] bias,
      float[] addedBias,
      float[] loraA,
      float[] loraB,
      int rank,
      float scaling) {
    int outFeatures() {
      return weight.dim(0);
    }

    boolean bf16() {
      return path == DecodeKernels.WeightPath.SEGMENT_BF16;
    }

    /**
     * {@code y[a, j] = x[a]·W[j] (+ b[j]) (+ s·Σ_r B[j,r]·(x[a]·A[r]))} for {@code j ∈ [j0, j1)},
     * {@code a < n}.
     */
    void apply(
        float[] x, float[] even, float[] odd, int n, float[] y, int j0, int j1, float[] scratch) {
      int in = weight.dim(1), out = outFeatures();
      float[] input = x;
      if (inputScale != null) {
        // (IA)³ on the input: the kernels read x ⊙ l (and its even/odd split), a private copy
        float[] scaled = new float[n * in];
        for (int a = 0; a < n; a++) {
          for (int t = 0; t < in; t++) {
            scaled[a * in + t] = x[a * in + t] * inputScale[t];
          }
        }
        x = scaled;
        if (bf16()) {
          even = new float[n * in / 2];
          odd = new float[n * in / 2];
          DecodeKernels.splitEvenOdd(x, n, in, even, odd);
        }
      }
      DecodeKernels.matVec(weight, path, x, even, odd, n, y, j0, j1, scratch);
      addRows(y, bias, n, out, j0, j1);
      if (outputScale != null) {
        // (IA)³ on the output, the base's own bias included (a bias added on top is not)
        for (int a = 0; a < n; a++) {
          for (int j = j0; j < j1; j++) {
            y[a * out + j] *= outputScale[j];
          }
        }
      }
      addRows(y, addedBias, n, out, j0, j1);
      if (loraA != null && j1 > j0) {
        float[] ax = new float[rank]; // x·Aᵀ of one row: r dot products (r·in, small)
        for (int a = 0; a < n; a++) {
          for (int r = 0; r < rank; r++) {
            ax[r] = DecodeKernels.dot(input, a * in, loraA, r * in, in);
          }
          for (int j = j0; j < j1; j++) {
            y[a * out + j] += scaling * DecodeKernels.dot(loraB, j * rank, ax, 0, rank);
          }
        }
      }
    }
  }

  // y[a, j] += v[j] for j in [j0, j1) (v may be null)
  private static void addRows(float[] y, float[] v, int n, int out, int j0, int j1) {
    if (v == null) {
      return;
    }
    for (int a = 0; a < n; a++) {
      for (int j = j0; j < j1; j++) {
        y[a * out + j] += v[j];
      }
    }
  }

  /** One Llama-family layer. */
  record Layer(
      float[] inputNorm,
      float[] postNorm,
      float normEps,
      Projection q,
      Projection k,
      Projection v,
      Projection o,
      float[] qNorm,
      float[] kNorm,
      Projection gate,
      Projection up,
      Projection down) {
    boolean qkvBf16() {
      return q.bf16() || k.bf16() || v.bf16();
    }

    boolean gateUpBf16() {
      return gate.bf16() || up.bf16();
    }
  }

  final Tensor embedding; // [V, C]
  final Layer[] layers;
  final float[] finalNorm;
  final float finalEps;
  final Projection lmHead;

  private DecodeWeights(
      Tensor embedding, Layer[] layers, float[] finalNorm, float finalEps, Projection lmHead) {
    this.embedding = embedding;
    this.layers = layers;
    this.finalNorm = finalNorm;
    this.finalEps = finalEps;
    this.lmHead = lmHead;
  }

  /** The model's decode weights, or null when the decode path cannot run it exactly. */
  static DecodeWeights of(CausalLM model) {
    ModelConfig c = model.config();
    switch (c.architecture()) {
      case LLAMA, MISTRAL, QWEN2, QWEN3 -> {}
      default -> {
        return null;
      }
    }
    if (c.activation() != Activation.SILU
        || !c.rotary()
        || c.finalLogitSoftcapping() != null
        || c.localRopeTheta() != null
        || model.embedScale() != 1f
        || c.numHeads() % c.numKvHeads() != 0) {
      return null;
    }
    List<DecoderBlock> blocks = model.blocks();
    Layer[] layers = new Layer[blocks.size()];
    for (int l = 0; l < layers.length; l++) {
      if (!(blocks.get(l) instanceof LlamaBlock b)) {
        return null;
      }
      RmsNorm in = norm(b.inputNorm), post = norm(b.postNorm);
      Projection q = projection(b.q), k = projection(b.k), v = projection(b.v);
      Projection o = projection(b.o), gate = projection(b.gate), up = projection(b.up);
      Projection down = projection(b.down);
      if (in == null || post == null || in.eps() != post.eps()) {
        return null;
      }
      if (q == null || k == null || v == null || o == null) {
        return null;
      }
      if (gate == null || up == null || down == null) {
        return null;
      }
      float[] qNorm = null, kNorm = null;
      if (b.qNorm != null) {
        RmsNorm qn = norm(b.qNorm), kn = norm(b.kNorm);
        if (qn == null || kn == null || qn.eps() != in.eps() || kn.eps() != in.eps()) {
          return null;
        }
        qNorm = values(qn);
        kNorm = values(kn);
      }
      layers[l] =
          new Layer(values(in), values(post), in.eps(), q, k, v, o, qNorm, kNorm, gate, up, down);
    }
    RmsNorm fin = norm(model.finalNorm());
    Projection head = projection(model.lmHead());
    if (fin == null || head == null) {
      return null;
    }
    return new DecodeWeights(model.tokenEmbedding().value(), layers, values(fin), fin.eps(), head);
  }

  /**
   * The slot's module as a projection: exactly a {@link Linear} with an [out, in] weight, or a
   * {@link DecomposedLinear} (plain LoRA) over one; else null.
   */
  private static Projection projection(Slot<LinearLayer> slot) {
    LinearLayer m = slot.get();
    DecomposedLinear.Parts parts = null;
    if (m instanceof DecomposedLinear decomposed) {
      parts = decomposed.inferenceParts();
      if (parts == null) {
        return null;
      }
      m = parts.base();
    }
    if (m.getClass() != Linear.class || ((Linear) m).fanInFanOut()) {
      return null;
    }
    Linear lin = (Linear) m;
    Tensor w = lin.weight().value();
    float[] bias = lin.bias() == null ? null : DecodeKernels.weightValues(lin.bias().value());
    if (parts == null) {
      return new Projection(w, DecodeKernels.pathOf(w), null, null, bias, null, null, null, 0, 0f);
    }
    return new Projection(
        w,
        DecodeKernels.pathOf(w),
        values(parts.inputScale()),
        values(parts.outputScale()),
        bias,
        values(parts.addedBias()),
        values(parts.loraA()),
        values(parts.loraB()),
        parts.loraA() == null ? 0 : parts.loraA().dim(0),
        parts.scaling());
  }

  private static float[] values(Tensor t) {
    return t == null ? null : DecodeKernels.weightValues(t);
  }

  /** The slot's module if it is an {@link RmsNorm} scaling by its weight (not 1 + weight). */
  private static RmsNorm norm(Slot<NormLayer> slot) {
    return slot.get() instanceof RmsNorm r && !r.unitOffset() ? r : null;
  }

  private static float[] values(RmsNorm norm) {
    return DecodeKernels.weightValues(norm.weight().value());
  }
}
