package org.peftbench.tokenizers.jinja;

/**
 * Counts what one render spends against its {@link Limits}; every overrun throws a {@link
 * TemplateException} of kind {@code LIMIT} naming the limit.
 */
final class Budget {
  private final Limits limits;
  private final long deadlineNanos;
  private long steps;
  private long iterations;
  private int callDepth;
  private long totalChars;
  private long totalItems;

  Budget(Limits limits) {
    this.limits = limits;
    this.deadlineNanos = System.nanoTime() + limits.maxMillis() * 1_000_000L;
  }

  Limits limits() {
    return limits;
  }

  /** One evaluated node; the clock is read every 1024 steps. */
  void step() {
    if (++steps > limits.maxSteps()) {
      throw exceeded("more than " + limits.maxSteps() + " evaluation steps");
    }
    if ((steps & 1023) == 0) {
      checkClock();
    }
  }

  void checkClock() {
    if (System.nanoTime() > deadlineNanos) {
      throw exceeded("rendering took longer than " + limits.maxMillis() + " ms");
    }
  }

  void iteration() {
    if (++iterations > limits.maxIterations()) {
      throw exceeded("more than " + limits.maxIterations() + " loop iterations");
    }
  }

  /** A string of {@code n} characters is about to be built. */
  void chars(long n) {
    if (n > limits.maxChars()) {
      throw exceeded("a string of " + n + " characters, over the limit of " + limits.maxChars());
    }
    totalChars += n;
    if (totalChars > limits.maxTotalChars()) {
      throw exceeded(
          "more than " + limits.maxTotalChars() + " characters of strings built in total");
    }
    if (n > 100_000) {
      checkClock(); // large strings take time to build: look at the clock more often
    }
  }

  /** The output (or a block being captured) is about to reach {@code n} characters. */
  void output(long n) {
    if (n > limits.maxChars()) {
      throw exceeded("output of " + n + " characters, over the limit of " + limits.maxChars());
    }
  }

  /** A list of {@code n} items is about to be built. */
  void items(long n) {
    if (n > limits.maxItems()) {
      throw exceeded("a list of " + n + " items, over the limit of " + limits.maxItems());
    }
    totalItems += n;
    if (totalItems > 10L * limits.maxItems()) {
      throw exceeded("more than " + 10L * limits.maxItems() + " list items built in total");
    }
  }

  void enterCall() {
    if (++callDepth > limits.maxCallDepth()) {
      throw exceeded("macro calls nested deeper than " + limits.maxCallDepth());
    }
  }

  void exitCall() {
    callDepth--;
  }

  static TemplateException exceeded(String what) {
    return new TemplateException(TemplateException.Kind.LIMIT, "limit exceeded: " + what);
  }
}
