package org.peftbench.autograd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a training step's time goes, per autograd op: calls and wall-clock time of every op's
 * forward and backward step, for {@code peftbench bench train --profile}.
 *
 * <p>How it measures: a single clock on the profiling thread. Each event (an op's result being
 * recorded by {@code Graph.result}, a node's backward step finishing in {@code Backprop}, or a
 * caller's {@link #lap(String)}) charges the time since the previous event to itself, so every
 * nanosecond of the step is charged to exactly one entry, nested work included: an op that calls
 * other ops (a gradient-checkpointed layer recomputing its forward during backward) is charged only
 * for what it did itself. The short glue between two ops (shape checks, allocating the output) is
 * charged to the op that follows. Kernels split across worker threads run inside the op that called
 * them, so the wall clock of the calling thread is the right measure.
 *
 * <p>Off by default; when off the only cost is one field read per op. Only the thread that called
 * {@link #start()} is measured. Not for nested use: one profile at a time.
 */
public final class OpProfile {
  private OpProfile() {}

  /** What an entry's time was spent on. */
  public enum Phase {
    FORWARD,
    BACKWARD,
    /** Work outside the ops: the backward graph walk, the optimizer, gradient clipping... */
    OTHER
  }

  /** One line of a profile: {@code calls} events of {@code name} took {@code nanos} in all. */
  public record Entry(String name, Phase phase, long calls, long nanos) {}

  /** The thread being profiled, null when profiling is off. */
  private static volatile Thread owner;

  private static long lastEvent;
  private static final Map<Phase, Map<String, long[]>> TOTALS = new EnumMap<>(Phase.class);

  /** Clears the totals and starts profiling the calling thread; the clock starts now. */
  public static synchronized void start() {
    TOTALS.clear();
    for (Phase p : Phase.values()) {
      TOTALS.put(p, new LinkedHashMap<>());
    }
    lastEvent = System.nanoTime();
    owner = Thread.currentThread();
  }

  /** Stops profiling; returns the totals, largest first. */
  public static synchronized List<Entry> stop() {
    owner = null;
    return entries();
  }

  /** Whether the calling thread is being profiled. */
  public static boolean active() {
    return owner == Thread.currentThread();
  }

  /** Restarts the clock without charging the time since the last event to anything. */
  public static void mark() {
    if (owner == Thread.currentThread()) {
      lastEvent = System.nanoTime();
    }
  }

  /** Charges the time since the last event to {@code section} (phase {@link Phase#OTHER}). */
  public static void lap(String section) {
    lap(section, Phase.OTHER);
  }

  static void lap(String name, Phase phase) {
    charge(name, phase, 1);
  }

  /** Charges the time since the last event to {@code name} without counting a call. */
  static void part(String name, Phase phase) {
    charge(name, phase, 0);
  }

  private static void charge(String name, Phase phase, int calls) {
    if (owner != Thread.currentThread()) {
      return;
    }
    long now = System.nanoTime();
    long[] t = TOTALS.get(phase).computeIfAbsent(name, k -> new long[2]);
    t[0] += calls;
    t[1] += now - lastEvent;
    lastEvent = now;
  }

  /** The totals so far, largest time first (ties by name, so the order is stable). */
  public static synchronized List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    for (Map.Entry<Phase, Map<String, long[]>> p : TOTALS.entrySet()) {
      for (Map.Entry<String, long[]> e : p.getValue().entrySet()) {
        out.add(new Entry(e.getKey(), p.getKey(), e.getValue()[0], e.getValue()[1]));
      }
    }
    out.sort(
        Comparator.comparingLong(Entry::nanos)
            .reversed()
            .thenComparing(Entry::name)
            .thenComparing(Entry::phase));
    return out;
  }
}
