package org.peftbench.transformer;

import java.util.ArrayList;
import java.util.List;
import org.peftbench.autograd.GradMode;
import org.peftbench.tensor.Tensor;
import org.peftbench.tensor.backend.Backends;
import org.peftbench.tensor.backend.DeviceDecoder;
import org.peftbench.tensor.backend.LlamaLayer;
import org.peftbench.tensor.backend.LlamaTrainSpec;
import org.peftbench.tensor.backend.LlamaTrainSpec.Adapter;
import org.peftbench.tensor.backend.LlamaTrainSpec.LayerAdapters;
import org.peftbench.tensor.backend.LlamaTrainSpec.Projection;
import org.peftbench.tensor.backend.ResidentDecoding;
import org.peftbench.transformer.nn.DecomposedLinear;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.NormLayer;
import org.peftbench.transformer.nn.RmsNorm;
import org.peftbench.transformer.nn.Slot;

/**
 * Generation on a device whose backend keeps the KV cache there ({@link ResidentDecoding}): the
 * prompt and every new token go through the device one slot at a time, and only token ids,
 * positions and padding flags go in and logits come out.
 *
 * <p>Which models: Llama-style decoders (Llama, Mistral without a window shorter than the
 * generation, Qwen2, Qwen3) whose projections are plain linears or {@link DecomposedLinear}s (plain
 * LoRA, IA3, BitFit), without virtual tokens or prefix keys (a prefill hook keeps the host path).
 * The decoder of the last generation is kept open (its weights stay on the device) and is reused
 * while the model, the batch and slot capacity and every adapter value are the same; a trained
 * adapter (its values changed) gets a new one.
 */
public final class DeviceDecodePath {
  static final boolean ENABLED =
      !"false".equalsIgnoreCase(System.getProperty("peftbench.deviceDecode", "true"));

  /** The open decoder of the last generation and what it was built for. */
  private record Open(CausalLM model, int batch, int slots, long adapterHash, DeviceDecoder dec) {}

  private static Open last;

  private final CausalLM model;
  private final DeviceDecoder decoder;
  private final int batch, vocab;
  private final int[] realTokens;
  private final int[] tokens, positions;
  private final boolean[] padding;

  private DeviceDecodePath(CausalLM model, DeviceDecoder decoder, int batch) {
    this.model = model;
    this.decoder = decoder;
    this.batch = batch;
    this.vocab = model.config().vocabSize();
    this.realTokens = new int[batch];
    this.tokens = new int[decoder.batch()];
    this.positions = new int[decoder.batch()];
    this.padding = new boolean[decoder.batch()];
  }

  /**
   * The device path for generating {@code batch} rows of at most {@code slots} tokens (prompt and
   * new tokens), or null: when the backend has no resident decoding, gradients are recorded, the
   * path is switched off ({@code -Dpeftbench.deviceDecode=false}) or the model is not one it runs.
   */
  public static DeviceDecodePath forModel(CausalLM model, int batch, int slots) {
    if (!ENABLED
        || GradMode.isEnabled()
        || !(Backends.current() instanceof ResidentDecoding device)) {
      return null;
    }
    int capacityRows = batch == 1 ? 1 : Integer.highestOneBit(batch - 1) << 1;
    int capacitySlots = Math.max(16, Integer.highestOneBit(Math.max(slots - 1, 1)) << 1);
    capacitySlots =
        Math.min(capacitySlots, Math.max(slots, model.config().maxPositionEmbeddings()));
    synchronized (DeviceDecodePath.class) {
      Open o = last;
      // a kept decoder with room enough is reused (its extra rows run as padding): building a new
      // one compiles the device program again
      if (o != null && o.model == model && o.batch >= batch && o.slots >= slots) {
        LlamaTrainSpec kept = describe(model, o.batch, o.slots);
        if (kept != null && heapHash(kept) == o.adapterHash) {
          o.dec.reset();
          return new DeviceDecodePath(model, o.dec, batch);
        }
      }
      LlamaTrainSpec spec = describe(model, capacityRows, capacitySlots);
      if (spec == null) {
        return null;
      }
      if (o != null) {
        o.dec.close();
        last = null;
      }
      DeviceDecoder dec;
      try {
        dec = device.openDecoder(spec);
      } catch (IllegalArgumentException e) {
        return null; // a shape or part the device decoder refuses: the host path generates
      }
      o = new Open(model, capacityRows, capacitySlots, heapHash(spec), dec);
      last = o;
      o.dec.reset();
      return new DeviceDecodePath(model, o.dec, batch);
    }
  }

  /** Frees the device memory of the decoder kept for {@code model}, if any (the model closes). */
  static synchronized void releaseFor(CausalLM model) {
    if (last != null && last.model == model) {
      release();
    }
  }

  /** Frees the device memory of the kept decoder. */
  public static synchronized void release() {
    if (last != null) {
      last.dec.close();
      last = null;
    }
  }

  /**
   * Runs the left-padded prompts {@code ids [B·T]} ({@code pad} true on padding) one slot at a time
   * and returns the logits {@code [B·V]} after each row's last prompt token.
   */
  public float[] prefill(int[] ids, boolean[] pad, int len) {
    float[] l = null;
    for (int t = 0; t < len; t++) {
      for (int b = 0; b < decoder.batch(); b++) {
        boolean isPad = b >= batch || (pad != null && pad[b * len + t]);
        tokens[b] = b < batch && !isPad ? ids[b * len + t] : 0;
        positions[b] = b < batch ? realTokens[b] : 0;
        padding[b] = isPad;
        if (!isPad) {
          realTokens[b]++;
        }
      }
      l = decoder.step(tokens, positions, padding);
    }
    return l;
  }

  /**
   * One new token per row; rows that finished run as padding.
   *
   * @return logits {@code [B·V]} (a buffer reused at the next step)
   */
  public float[] step(int[] next, boolean[] finished) {
    model.checkWindow(decoder.filled() + 1);
    for (int b = 0; b < decoder.batch(); b++) {
      boolean isPad = b >= batch || finished[b];
      tokens[b] = isPad ? 0 : next[b];
      positions[b] = b < batch ? realTokens[b] : 0;
      padding[b] = isPad;
      if (!isPad) {
        realTokens[b]++;
      }
    }
    return decoder.step(tokens, positions, padding);
  }

  /** Where this path runs, for logs. */
  public String describeDevice() {
    return Backends.current().name()
        + " ("
        + decoder.batch()
        + " rows × "
        + decoder.slots()
        + " slots, "
        + decoder.plannedDeviceBytes() / 1_000_000
        + " MB)";
  }

  int vocab() {
    return vocab;
  }

  // ------------------------------------------------------------------ the model as a spec

  /**
   * The model as a {@link LlamaTrainSpec} with no trainables, or null when the path can't run it.
   */
  public static LlamaTrainSpec describe(CausalLM model, int batch, int slots) {
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
        || c.attentionScaleByLayer()
        || model.embedScale() != 1f
        || c.numHeads() % c.numKvHeads() != 0) {
      return null;
    }
    List<LlamaLayer> layers = new ArrayList<>();
    List<LayerAdapters> adapters = new ArrayList<>();
    List<DecoderBlock> blocks = model.blocks();
    for (int l = 0; l < blocks.size(); l++) {
      Integer window = c.windowOf(l);
      if (!(blocks.get(l) instanceof LlamaBlock b) || (window != null && window < slots)) {
        return null;
      }
      RmsNorm in = norm(b.inputNorm), post = norm(b.postNorm);
      if (in == null || post == null || in.eps() != post.eps()) {
        return null;
      }
      RmsNorm qn = null, kn = null;
      if (b.qNorm != null) {
        qn = norm(b.qNorm);
        kn = norm(b.kNorm);
        if (qn == null || kn == null || qn.eps() != in.eps() || kn.eps() != in.eps()) {
          return null;
        }
      }
      List<Slot<LinearLayer>> slotsOf = List.of(b.q, b.k, b.v, b.o, b.gate, b.up, b.down);
      Linear[] base = new Linear[7];
      LayerAdapters a = LayerAdapters.none();
      for (Projection p : Projection.values()) {
        LinearLayer m = slotsOf.get(p.ordinal()).get();
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
        base[p.ordinal()] = (Linear) m;
        if (base[p.ordinal()].bias() != null && p.ordinal() > Projection.V.ordinal()) {
          return null; // the device layer has q/k/v biases only
        }
        if (parts != null) {
          Adapter adapter = adapter(parts, base[p.ordinal()].bias() != null);
          if (adapter == null) {
            return null;
          }
          a = a.with(p, adapter);
        }
      }
      layers.add(
          new LlamaLayer(
              in.weight().value(),
              base[0].weight().value(),
              base[1].weight().value(),
              base[2].weight().value(),
              base[3].weight().value(),
              post.weight().value(),
              base[4].weight().value(),
              base[5].weight().value(),
              base[6].weight().value(),
              bias(base[0]),
              bias(base[1]),
              bias(base[2]),
              qn == null ? null : qn.weight().value(),
              kn == null ? null : kn.weight().value(),
              c.numHeads(),
              c.numKvHeads(),
              c.headDim(),
              in.eps()));
      adapters.add(a);
    }
    RmsNorm fin = norm(model.finalNorm());
    LinearLayer head = model.lmHead().get();
    if (fin == null
        || fin.eps() != layers.get(0).eps()
        || head.getClass() != Linear.class
        || ((Linear) head).bias() != null
        || ((Linear) head).fanInFanOut()) {
      return null;
    }
    double scalar = c.queryPreAttnScalar() != null ? c.queryPreAttnScalar() : c.headDim();
    try {
      return new LlamaTrainSpec(
          model.tokenEmbedding().value(),
          layers,
          adapters,
          fin.weight().value(),
          ((Linear) head).weight().value(),
          null,
          null,
          List.of(),
          model.ropeTable(slots),
          (float) (1.0 / Math.sqrt(scalar)),
          batch,
          slots,
          new LlamaTrainSpec.AdamWSettings(0.9, 0.999, 1e-8, 0, 0));
    } catch (IllegalArgumentException e) {
      return null; // a qwen2-style bias on only some of q/k/v, a shape the device layer refuses
    }
  }

  /**
   * A decomposed projection's extra terms as the device's adapter, or null when they do not fit its
   * order of operations ({@code ((x ⊙ l_in)·Wᵀ + b) ⊙ l_out + s·(x·Aᵀ)·Bᵀ}).
   */
  private static Adapter adapter(DecomposedLinear.Parts p, boolean ownBias) {
    if (p.inputScale() != null && p.outputScale() != null) {
      return null;
    }
    if (p.addedBias() != null && (ownBias || p.outputScale() != null)) {
      return null; // the device adds one bias, before an output scale
    }
    if ((p.loraA() == null) != (p.loraB() == null)) {
      return null;
    }
    Tensor ia3 = p.inputScale() != null ? p.inputScale() : p.outputScale();
    return new Adapter(
        p.loraA(), p.loraB(), p.scaling(), p.addedBias(), ia3, p.inputScale() != null);
  }

  private static Tensor bias(Linear l) {
    return l.bias() == null ? null : l.bias().value();
  }

  private static RmsNorm norm(Slot<NormLayer> slot) {
    return slot.get() instanceof RmsNorm r && !r.unitOffset() ? r : null;
  }

  /**
   * A hash of every heap F32 tensor of the spec (adapters, norms and biases that train in place,
   * weights a full fine-tuning changed): a memory-mapped tensor never changes, so its identity is
   * enough.
   */
  private static long heapHash(LlamaTrainSpec spec) {
    long h = 1125899906842597L;
    List<Tensor> all = new ArrayList<>();
    all.add(spec.embedding());
    all.add(spec.finalNorm());
    all.add(spec.lmHead());
    for (int l = 0; l < spec.layers().size(); l++) {
      all.addAll(java.util.Arrays.asList(spec.layers().get(l).weights()));
      for (Adapter a : spec.adapters().get(l).byProjection()) {
        if (a != null) {
          all.addAll(java.util.Arrays.asList(a.loraA(), a.loraB(), a.bias(), a.ia3()));
        }
      }
    }
    for (Tensor t : all) {
      h = hash(h, t);
    }
    return h;
  }

  private static long hash(long h, Tensor t) {
    if (t == null) {
      return h * 31;
    }
    h = h * 31 + System.identityHashCode(t);
    if (!t.isHeapF32()) {
      return h;
    }
    for (float v : t.toFloatArray()) {
      h = h * 1099511628211L + Float.floatToRawIntBits(v);
    }
    return h;
  }
}
