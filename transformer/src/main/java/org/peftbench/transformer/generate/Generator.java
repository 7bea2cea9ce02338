package org.peftbench.transformer.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.peftbench.autograd.GradMode;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.CpuDecodePath;
import org.peftbench.transformer.DeviceDecodePath;
import org.peftbench.transformer.KvCache;
import org.peftbench.transformer.ModelException;
import org.peftbench.transformer.ModelInput;

/**
 * Batched generation with a KV cache: one prefill pass over the left-padded prompts, then one
 * decode pass per new token. Rows stop on an EOS id, a stop string or the length limit; the batch
 * stops when every row has.
 *
 * <p>Adapters that change the input (prompt tuning's virtual tokens, prefix tuning's keys) plug in
 * through {@link #withPrefillHook}: the hook sees the prefill input and returns the one to run; the
 * cache then carries everything for the decode steps.
 */
public final class Generator {
  /** Why a row stopped. */
  public enum StopReason {
    EOS,
    STOP_STRING,
    LENGTH
  }

  /**
   * One row's output.
   *
   * @param tokens the generated ids (an EOS that ended the row included)
   * @param text the decoded text of the tokens (without a final EOS), or null without a decoder
   * @param reason why it stopped
   */
  public record Result(int[] tokens, String text, StopReason reason) {}

  /** Wall time of the last {@link #generate} call. */
  public record Timing(int prefillTokens, long prefillNanos, int decodeSteps, long decodeNanos) {}

  private final CausalLM model;
  private final Function<int[], String> decoder;
  private final UnaryOperator<ModelInput> prefillHook; // null: none
  private Timing lastTiming;
  private String lastPath;

  public Generator(CausalLM model) {
    this(model, null, null);
  }

  private Generator(
      CausalLM model, Function<int[], String> decoder, UnaryOperator<ModelInput> prefillHook) {
    this.model = model;
    this.decoder = decoder;
    this.prefillHook = prefillHook;
  }

  /** Token ids → text, for stop strings and {@link Result#text()}. */
  public Generator withDecoder(Function<int[], String> decoder) {
    return new Generator(model, decoder, prefillHook);
  }

  /** Rewrites the prefill input (virtual tokens, prefix keys/values) before it runs. */
  public Generator withPrefillHook(UnaryOperator<ModelInput> hook) {
    return new Generator(model, decoder, hook);
  }

  public Timing lastTiming() {
    return lastTiming;
  }

  /** Which decode path the last {@link #generate} call took ("device …", "cpu", "general"). */
  public String lastPath() {
    return lastPath;
  }

  /** Generates a continuation of each prompt (each at least one token). */
  public List<Result> generate(List<int[]> prompts, GenerationConfig config) {
    if (prompts.isEmpty()) {
      return List.of();
    }
    if (!config.stopStrings().isEmpty() && decoder == null) {
      throw new IllegalStateException("stop strings need a decoder (withDecoder)");
    }
    int b = prompts.size();
    int len = 0;
    for (int[] p : prompts) {
      if (p.length == 0) {
        throw new IllegalArgumentException("empty prompt: start it with a BOS token");
      }
      len = Math.max(len, p.length);
    }
    // left padding: every row's last prompt token is at position len-1
    int padId = 0;
    int[] ids = new int[b * len];
    boolean[] pad = new boolean[b * len];
    boolean anyPad = false;
    for (int r = 0; r < b; r++) {
      int[] p = prompts.get(r);
      int shift = len - p.length;
      for (int t = 0; t < len; t++) {
        pad[r * len + t] = t < shift;
        anyPad |= t < shift;
        ids[r * len + t] = t < shift ? padId : p[t - shift];
      }
    }
    int vocab = model.config().vocabSize();
    List<List<Integer>> out = new ArrayList<>();
    StopReason[] reasons = new StopReason[b];
    for (int r = 0; r < b; r++) {
      out.add(new ArrayList<>());
    }
    Sampler sampler = new Sampler(config);
    long prefillNanos = 0, decodeNanos = 0;
    int steps = 0, prefillTokens = 0;
    if (config.maxNewTokens() > 0) {
      try (var noGrad = GradMode.noGrad()) {
        long t0 = System.nanoTime();
        ModelInput in = ModelInput.of(model.embedTokens(ids, b, len));
        if (anyPad) {
          in = in.withPadding(pad);
        }
        ModelInput plain = in;
        if (prefillHook != null) {
          in = prefillHook.apply(in);
        }
        // the device keeps the cache and takes token ids: a hook that added virtual tokens or
        // prefix keys (a different input) keeps generation on the host
        DeviceDecodePath device =
            in == plain ? DeviceDecodePath.forModel(model, b, len + config.maxNewTokens()) : null;
        KvCache cache = null;
        CpuDecodePath fast = null;
        try {
          float[] l;
          checkLength(in.prefixLength() + in.time(), config.maxNewTokens());
          prefillTokens = in.batch() * in.time();
          if (device != null) {
            l = device.prefill(ids, anyPad ? pad : null, len);
            lastPath = "device " + device.describeDevice();
          } else {
            cache =
                new KvCache(
                    model.config(), b, in.prefixLength() + in.time() + config.maxNewTokens());
            fast = CpuDecodePath.forModel(model, b);
            l = model.forwardLast(in.withCache(cache)).value().toFloatArray();
            lastPath = fast != null ? "cpu" : "general";
          }
          prefillNanos = System.nanoTime() - t0;
          long t1 = System.nanoTime();
          int[] live = new int[b]; // cache row -> prompt row
          for (int r = 0; r < b; r++) {
            live[r] = r;
          }
          int[] next = new int[b];
          boolean[] done = new boolean[b];
          while (true) {
            int active = 0;
            for (int i = 0; i < live.length; i++) {
              int r = live[i];
              if (done[r]) {
                continue;
              }
              requireFinite(l, i * vocab, vocab, r, out.get(r).size());
              int tok = sampler.next(l, i * vocab, vocab);
              next[r] = tok;
              out.get(r).add(tok);
              if (config.eosTokenIds().contains(tok)) {
                reasons[r] = StopReason.EOS;
              } else if (hitsStopString(out.get(r), config)) {
                reasons[r] = StopReason.STOP_STRING;
              } else if (out.get(r).size() >= config.maxNewTokens()) {
                reasons[r] = StopReason.LENGTH;
              }
              done[r] = reasons[r] != null;
              active += done[r] ? 0 : 1;
            }
            if (active == 0) {
              break;
            }
            if (device == null && fast == null && active <= live.length / 2) {
              // half the rows finished: continue with a cache of the others only, so the
              // general path stops computing padding (the CPU decode path skips them itself)
              int[] keep = new int[active];
              int[] rows = new int[active];
              for (int i = 0, k = 0; i < live.length; i++) {
                if (!done[live[i]]) {
                  keep[k] = i;
                  rows[k++] = live[i];
                }
              }
              KvCache smaller = cache.compact(keep);
              cache.close();
              cache = smaller;
              live = rows;
            }
            int[] stepTokens = new int[live.length];
            boolean[] stepDone = new boolean[live.length];
            for (int i = 0; i < live.length; i++) {
              stepTokens[i] = next[live[i]];
              stepDone[i] = done[live[i]];
            }
            if (device != null) {
              l = device.step(stepTokens, stepDone);
            } else if (fast != null) {
              l = fast.step(stepTokens, stepDone, cache);
            } else {
              // finished rows still in the cache run as padding, so the batch stays rectangular
              ModelInput step =
                  ModelInput.of(model.embedTokens(stepTokens, live.length, 1))
                      .withPadding(stepDone)
                      .withCache(cache);
              l = model.forwardLast(step).value().toFloatArray();
            }
            steps++;
          }
          decodeNanos = System.nanoTime() - t1;
        } finally {
          if (fast != null) {
            fast.close();
          }
          if (cache != null) {
            cache.close();
          }
        }
      }
    } else {
      Arrays.fill(reasons, StopReason.LENGTH);
    }
    lastTiming = new Timing(prefillTokens, prefillNanos, steps, decodeNanos);
    List<Result> results = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      int[] toks = out.get(r).stream().mapToInt(Integer::intValue).toArray();
      String text = decoder == null ? null : decoder.apply(withoutFinalEos(toks, reasons[r]));
      results.add(new Result(toks, text, reasons[r]));
    }
    return results;
  }

  /**
   * Refuses a prompt longer than the model's positions before the prefill runs (with learned
   * positions, GPT-2, the new tokens must fit too: there is no position past the table).
   */
  private void checkLength(int promptPositions, int newTokens) {
    int max = model.config().maxPositionEmbeddings();
    long needed = model.config().rotary() ? promptPositions : (long) promptPositions + newTokens;
    if (needed > max) {
      throw new ModelException(
          "generation needs "
              + needed
              + " positions"
              + (model.config().rotary() ? " for the prompt" : " (prompt + new tokens)")
              + ", beyond the model's "
              + max
              + " (max_position_embeddings); shorten the prompt");
    }
  }

  /**
   * A NaN or infinite logit means the model's weights, its adapter or its config (a zero RoPE base,
   * a negative epsilon) are broken: sampling from it would print garbage with success, so stop.
   */
  static void requireFinite(float[] logits, int off, int vocab, int row, int step) {
    for (int i = off; i < off + vocab; i++) {
      if (!Float.isFinite(logits[i])) {
        throw new ModelException(
            "the model computed a non-finite logit ("
                + logits[i]
                + ") for token "
                + (i - off)
                + " at generation step "
                + (step + 1)
                + " of prompt "
                + row
                + ": its weights, its adapter or its config.json hold NaN/Inf or values that"
                + " overflow");
      }
    }
  }

  private boolean hitsStopString(List<Integer> tokens, GenerationConfig config) {
    if (config.stopStrings().isEmpty()) {
      return false;
    }
    String text = decoder.apply(tokens.stream().mapToInt(Integer::intValue).toArray());
    for (String s : config.stopStrings()) {
      if (!s.isEmpty() && text.contains(s)) {
        return true;
      }
    }
    return false;
  }

  private static int[] withoutFinalEos(int[] toks, StopReason reason) {
    return reason == StopReason.EOS ? Arrays.copyOf(toks, toks.length - 1) : toks;
  }
}
