package org.peftbench.harness.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The values a numeric command-line option accepts: {@code min ≤ value ≤ max}, and never NaN or
 * infinite. Every numeric {@code @Option} carries one ({@code OptionRangesTest} checks all commands
 * by reflection); {@link OptionRanges} enforces it on the values the user gave, before a command
 * runs.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD})
public @interface Range {
  /** The smallest accepted value. */
  double min();

  /** The largest accepted value (finite values only, whatever this is). */
  double max() default Double.MAX_VALUE;
}
