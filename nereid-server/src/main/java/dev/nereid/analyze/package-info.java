/**
 * {@code nereid analyze}: Triton's Model Analyzer, built in. A {@link dev.nereid.analyze.Sweep} names
 * the configurations to try, {@link dev.nereid.analyze.Analysis} loads each one and measures it with the
 * perf load generator, and {@link dev.nereid.analyze.AnalysisReport} picks the best under a latency
 * budget and writes the table, the chart and the winning {@code config.pbtxt}.
 */
package dev.nereid.analyze;
