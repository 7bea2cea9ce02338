package org.peftbench.datasets;

import java.util.Locale;

/**
 * Which benchmark protocol a suite follows. {@code docs/protocol.md} lists every difference between
 * the two, and between each and the reference harness, with its source.
 *
 * <ul>
 *   <li>{@link #PEFT_FACTORY}: the reference harness (PEFT-Factory with PEFT-Bench's scripts and
 *       configs) reproduced exactly, its quirks included, so numbers mean what the paper's mean.
 *   <li>{@link #CORRECTED}: this project's fixes of those quirks, for users who want the cleaner
 *       benchmark and accept that its numbers are not the paper's.
 * </ul>
 */
public enum Protocol {
  PEFT_FACTORY("peft-factory"),
  CORRECTED("corrected");

  private final String key;

  Protocol(String key) {
    this.key = key;
  }

  /** The name a suite file uses. */
  public String key() {
    return key;
  }

  /**
   * The protocol named {@code text} (case-insensitive, {@code _} and {@code -} alike).
   *
   * @throws IllegalArgumentException naming the valid choices
   */
  public static Protocol parse(String text) {
    String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT).replace('_', '-');
    for (Protocol p : values()) {
      if (p.key.equals(t)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown protocol '" + text + "' (expected peft-factory or corrected)");
  }

  @Override
  public String toString() {
    return key;
  }
}
