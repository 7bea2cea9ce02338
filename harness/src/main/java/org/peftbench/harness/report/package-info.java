/**
 * The report over a results folder, written by {@link org.peftbench.harness.report.Report#write}
 * after a suite (or by {@code peftbench report}): {@link org.peftbench.harness.report.Aggregate}
 * (mean ± std per method and task, PSCP per method), {@link
 * org.peftbench.harness.report.SeedAggregation} and {@link
 * org.peftbench.harness.report.SummaryJson} ({@code summary.json}), {@link
 * org.peftbench.harness.report.CsvExport} ({@code results.csv}), {@link
 * org.peftbench.harness.report.Tables} and {@link org.peftbench.harness.report.Table3}
 * (Markdown/LaTeX), {@link org.peftbench.harness.report.HtmlReport} with {@link
 * org.peftbench.harness.report.SvgPlots} (one self-contained HTML page). Every file is written
 * atomically.
 */
package org.peftbench.harness.report;
