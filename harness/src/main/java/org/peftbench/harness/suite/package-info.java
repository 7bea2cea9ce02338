/**
 * Benchmark suites as data: a {@link org.peftbench.harness.suite.Suite} (YAML: models × methods ×
 * tasks × seeds, with {@link org.peftbench.harness.suite.TrainingSettings} at PEFT-Bench's
 * defaults, {@link org.peftbench.harness.suite.Caps}, {@link
 * org.peftbench.harness.suite.EvaluationSettings}, {@link org.peftbench.harness.suite.PscpSettings}
 * and a protocol) expands into run specs with stable ids. {@link
 * org.peftbench.harness.suite.SuiteLoader} reads files and the bundled {@code smoke} and {@code
 * peft-bench} suites, validating every value with one message; {@link
 * org.peftbench.harness.suite.ModelPaths} resolves model folders.
 */
package org.peftbench.harness.suite;
