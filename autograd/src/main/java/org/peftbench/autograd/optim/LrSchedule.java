package org.peftbench.autograd.optim;

/**
 * Learning-rate schedules as HuggingFace transformers defines them ({@code
 * get_constant_schedule_with_warmup}, {@code get_linear_schedule_with_warmup}, {@code
 * get_cosine_schedule_with_warmup} with {@code num_cycles = 0.5}). Optimizer step {@code s}
 * (0-based: the first update uses s = 0) runs at {@code baseLr · multiplier(s)}; with warmup the
 * first update therefore has learning rate 0, as in HF.
 */
public interface LrSchedule {
  /** The factor applied to the base learning rate at optimizer step {@code step}. */
  double multiplier(long step);

  /** The base learning rate. */
  double baseLr();

  /** {@code baseLr · multiplier(step)}. */
  default double lr(long step) {
    return baseLr() * multiplier(step);
  }

  /** HF's {@code get_warmup_steps}: explicit steps if > 0, else {@code ceil(total · ratio)}. */
  static long warmupSteps(long totalSteps, long warmupSteps, double warmupRatio) {
    if (warmupSteps > 0) {
      return warmupSteps;
    }
    if (warmupRatio < 0 || warmupRatio > 1) {
      throw new IllegalArgumentException("warmup ratio must be in [0, 1], got " + warmupRatio);
    }
    return (long) Math.ceil(totalSteps * warmupRatio);
  }

  private static double warmup(long step, long warmupSteps) {
    return (double) step / Math.max(1.0, warmupSteps);
  }

  /** Constant after a linear warmup from 0. */
  static LrSchedule constant(double baseLr, long warmupSteps) {
    return of(baseLr, s -> s < warmupSteps ? warmup(s, warmupSteps) : 1.0);
  }

  /** Linear warmup from 0, then linear decay to 0 at {@code totalSteps}. */
  static LrSchedule linear(double baseLr, long warmupSteps, long totalSteps) {
    return of(
        baseLr,
        s ->
            s < warmupSteps
                ? warmup(s, warmupSteps)
                : Math.max(0.0, (double) (totalSteps - s) / Math.max(1, totalSteps - warmupSteps)));
  }

  /** Linear warmup from 0, then half a cosine down to 0 at {@code totalSteps}. */
  static LrSchedule cosine(double baseLr, long warmupSteps, long totalSteps) {
    return of(
        baseLr,
        s -> {
          if (s < warmupSteps) {
            return warmup(s, warmupSteps);
          }
          double progress = (double) (s - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
          return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
        });
  }

  /** A schedule by name: {@code constant}, {@code linear} or {@code cosine}. */
  static LrSchedule byName(String name, double baseLr, long warmupSteps, long totalSteps) {
    return switch (name) {
      case "constant" -> constant(baseLr, warmupSteps);
      case "linear" -> linear(baseLr, warmupSteps, totalSteps);
      case "cosine" -> cosine(baseLr, warmupSteps, totalSteps);
      default ->
          throw new IllegalArgumentException(
              "unknown LR schedule '" + name + "'; available: constant, linear, cosine");
    };
  }

  private static LrSchedule of(double baseLr, java.util.function.LongToDoubleFunction f) {
    return new LrSchedule() {
      @Override
      public double multiplier(long step) {
        return f.applyAsDouble(step);
      }

      @Override
      public double baseLr() {
        return baseLr;
      }
    };
  }
}
