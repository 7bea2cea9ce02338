/**
 * Every benchmark of the project. {@link org.peftbench.bench.MatmulBench}, {@link
 * org.peftbench.bench.GenerateBench} and {@link org.peftbench.bench.TrainBench} are the
 * measurements behind the CLI's {@code peftbench bench matmul|generate|train} (the harness only
 * parses the options and prints the result); the {@code *Benchmark} classes are JMH benchmarks of
 * single kernels, run from {@code bench/target/benchmarks.jar}. Depends on the model side (tensor
 * to peft), never on the harness or the datasets.
 */
package org.peftbench.bench;
