/**
 * What a run leaves behind: {@link org.peftbench.harness.results.RunResult} (schema {@code
 * peftbench.run/1}; the deterministic parts apart from {@code measurements} and {@code
 * provenance}), {@link org.peftbench.harness.results.ResultStore} (the folder layout: {@code
 * runs/<id>.json}, {@code work/<id>/}; atomic writes; damaged files moved aside), {@link
 * org.peftbench.harness.results.ResultsFolder} (one writer per folder by an OS lock, one suite per
 * folder) and {@link org.peftbench.harness.results.Provenance} (git commit, JVM, CPU, dataset
 * checksums).
 */
package org.peftbench.harness.results;
