package org.peftbench.peft;

/**
 * The {@code peft_type} of an adapter, spelled as HF PEFT spells it. {@link #BITFIT}, {@link #FULL}
 * and {@link #NONE} are PEFT-Bench's own (HF PEFT has no such types).
 */
public enum PeftType {
  LORA,
  IA3,
  PROMPT_TUNING,
  PREFIX_TUNING,
  P_TUNING,
  LN_TUNING,
  BITFIT,
  VERA,
  LOHA,
  LOKR,
  FULL,
  NONE;

  /** Parses a {@code peft_type} value; the error lists the known ones. */
  public static PeftType parse(String s) {
    for (PeftType t : values()) {
      if (t.name().equalsIgnoreCase(s)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown peft_type '" + s + "'; known: " + java.util.Arrays.toString(values()));
  }

  /** Prompt-learning methods add virtual tokens or prefix keys/values instead of layers. */
  public boolean isPromptLearning() {
    return this == PROMPT_TUNING || this == PREFIX_TUNING || this == P_TUNING;
  }
}
