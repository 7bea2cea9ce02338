/**
 * Running a suite as a Slurm job array: {@link org.peftbench.harness.slurm.SlurmManifest} fixes the
 * suite's runs in {@code DIR/slurm/manifest.json}, {@link org.peftbench.harness.slurm.SlurmArray}
 * submits them as one array whose task {@code I} runs {@code peftbench run-one} for run {@code I},
 * {@link org.peftbench.harness.slurm.SlurmClient} submits and queries through the Slurm commands,
 * and {@link org.peftbench.harness.slurm.ArrayStatus} says which runs are done, failed or pending.
 */
package org.peftbench.harness.slurm;
