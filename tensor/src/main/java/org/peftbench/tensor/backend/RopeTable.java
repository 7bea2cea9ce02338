package org.peftbench.tensor.backend;

/**
 * Precomputed rotary-embedding cosines and sines, {@code [maxPositions, D/2]}, in HuggingFace's
 * rotate-half convention: dimension {@code i < D/2} pairs with {@code i + D/2}.
 *
 * <p>Frequencies: {@code inv_freq[i] = theta^(-2i/D)}, optionally rescaled with {@code
 * rope_scaling} type {@code llama3} (Llama 3.1/3.2) exactly as transformers' {@code
 * _compute_llama3_parameters}, or divided by a {@code linear} factor (Gemma 3's global layers);
 * angles are computed in double and rounded to float.
 */
public final class RopeTable {
  private final int headDim;
  private final int maxPositions;
  private final float[] cos;
  private final float[] sin;

  /** Llama-3 frequency scaling parameters, or null for plain RoPE. */
  public record Llama3Scaling(
      double factor,
      double lowFreqFactor,
      double highFreqFactor,
      int originalMaxPositionEmbeddings) {}

  public RopeTable(int headDim, int maxPositions, double theta, Llama3Scaling scaling) {
    this(headDim, headDim, maxPositions, theta, scaling, 1.0);
  }

  /**
   * @param linearFactor {@code rope_scaling} type {@code linear}: every frequency divided by this
   *     factor (transformers' {@code inv_freq /= factor}, in float32); 1 for none
   */
  public RopeTable(
      int headDim, int maxPositions, double theta, Llama3Scaling scaling, double linearFactor) {
    this(headDim, headDim, maxPositions, theta, scaling, linearFactor);
  }

  public RopeTable(
      int headDim, int rotaryDim, int maxPositions, double theta, Llama3Scaling scaling) {
    this(headDim, rotaryDim, maxPositions, theta, scaling, 1.0);
  }

  /**
   * @param rotaryDim how many leading dimensions of each head rotate (= headDim for full RoPE)
   */
  private RopeTable(
      int headDim,
      int rotaryDim,
      int maxPositions,
      double theta,
      Llama3Scaling scaling,
      double linearFactor) {
    if (!(linearFactor > 0)) {
      throw new IllegalArgumentException("linear RoPE factor must be > 0, got " + linearFactor);
    }
    if (rotaryDim != headDim) {
      throw new IllegalArgumentException("partial rotary embeddings are not supported");
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head dimension must be even for RoPE, got " + headDim);
    }
    this.headDim = headDim;
    this.maxPositions = maxPositions;
    int half = headDim / 2;
    double[] invFreq = new double[half];
    for (int i = 0; i < half; i++) {
      // transformers computes inv_freq in float32: 1 / theta^(arange(0, D, 2)/D)
      invFreq[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
      if (linearFactor != 1.0) {
        invFreq[i] = (float) invFreq[i] / (float) linearFactor;
      }
    }
    if (scaling != null) {
      double lowWavelen = scaling.originalMaxPositionEmbeddings() / scaling.lowFreqFactor();
      double highWavelen = scaling.originalMaxPositionEmbeddings() / scaling.highFreqFactor();
      for (int i = 0; i < half; i++) {
        double wavelen = 2 * Math.PI / invFreq[i];
        double f;
        if (wavelen > lowWavelen) {
          f = invFreq[i] / scaling.factor();
        } else if (wavelen < highWavelen) {
          f = invFreq[i];
        } else {
          double smooth =
              (scaling.originalMaxPositionEmbeddings() / wavelen - scaling.lowFreqFactor())
                  / (scaling.highFreqFactor() - scaling.lowFreqFactor());
          f = (1 - smooth) * invFreq[i] / scaling.factor() + smooth * invFreq[i];
        }
        invFreq[i] = (float) f;
      }
    }
    cos = new float[maxPositions * half];
    sin = new float[maxPositions * half];
    for (int p = 0; p < maxPositions; p++) {
      for (int i = 0; i < half; i++) {
        float angle = (float) p * (float) invFreq[i]; // float32 like torch's outer product
        cos[p * half + i] = (float) Math.cos(angle);
        sin[p * half + i] = (float) Math.sin(angle);
      }
    }
  }

  public int headDim() {
    return headDim;
  }

  public int maxPositions() {
    return maxPositions;
  }

  /** cos of position p, pair i (i < D/2). */
  public float cos(int p, int i) {
    return cos[p * (headDim / 2) + i];
  }

  public float sin(int p, int i) {
    return sin[p * (headDim / 2) + i];
  }

  /** The raw {@code [maxPositions, D/2]} cosine table. */
  public float[] cosTable() {
    return cos;
  }

  public float[] sinTable() {
    return sin;
  }
}
