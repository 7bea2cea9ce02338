package org.peftbench.peft;

import java.util.Locale;

/**
 * The {@code peft_type} of an adapter, spelled as HF PEFT spells it (upper case). A method's {@link
 * PeftMethodSpec} declares its type; {@link PeftMethods} lists the known ones. The constants name
 * the built-in methods for code that refers to one; a new method needs none. {@link #BITFIT},
 * {@link #FULL} and {@link #NONE} are PEFT-Bench's own (HF PEFT has no such types).
 */
public record PeftType(String name) {
  public static final PeftType LORA = new PeftType("LORA");
  public static final PeftType IA3 = new PeftType("IA3");
  public static final PeftType PROMPT_TUNING = new PeftType("PROMPT_TUNING");
  public static final PeftType PREFIX_TUNING = new PeftType("PREFIX_TUNING");
  public static final PeftType P_TUNING = new PeftType("P_TUNING");
  public static final PeftType LN_TUNING = new PeftType("LN_TUNING");
  public static final PeftType BITFIT = new PeftType("BITFIT");
  public static final PeftType VERA = new PeftType("VERA");
  public static final PeftType LOHA = new PeftType("LOHA");
  public static final PeftType LOKR = new PeftType("LOKR");
  public static final PeftType FULL = new PeftType("FULL");
  public static final PeftType NONE = new PeftType("NONE");

  public PeftType {
    if (name == null || name.isBlank() || !name.equals(name.toUpperCase(Locale.ROOT))) {
      throw new IllegalArgumentException("a peft_type is an upper-case name, got '" + name + "'");
    }
  }

  /** Parses a {@code peft_type} value (any case) of a registered method; the error lists them. */
  public static PeftType parse(String s) {
    return PeftMethods.spec(s).type();
  }

  /** Prompt-learning methods add virtual tokens or prefix keys/values instead of layers. */
  public boolean isPromptLearning() {
    return PeftMethods.spec(this).promptLearning();
  }

  @Override
  public String toString() {
    return name;
  }
}
