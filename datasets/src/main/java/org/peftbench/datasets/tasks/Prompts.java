package org.peftbench.datasets.tasks;

/**
 * Builds prompts in one layout for every task:
 *
 * <pre>
 * instruction
 *
 * Field: value
 * Field: value
 * Answer:
 * </pre>
 *
 * The target follows the prompt (plain models: after one space, see {@link
 * org.peftbench.datasets.Example#plainText()}).
 */
public final class Prompts {
  private Prompts() {}

  /** {@code namesAndValues} alternate: "Premise", premise, "Hypothesis", hypothesis, ... */
  public static String build(String instruction, String... namesAndValues) {
    StringBuilder sb = new StringBuilder(instruction).append("\n\n");
    for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
      sb.append(namesAndValues[i]).append(": ").append(namesAndValues[i + 1].strip()).append('\n');
    }
    return sb.append("Answer:").toString();
  }

  /** "A) first\nB) second ..." for options labelled by {@code labels}. */
  public static String options(java.util.List<String> labels, java.util.List<String> texts) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < texts.size(); i++) {
      sb.append('\n').append(labels.get(i)).append(") ").append(texts.get(i).strip());
    }
    return sb.toString();
  }
}
