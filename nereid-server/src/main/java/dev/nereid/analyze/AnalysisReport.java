package dev.nereid.analyze;

import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The result of a sweep: every measurement, and the one that serves the most inferences per second
 * while keeping p99 latency within the budget (ties go to the lower p99). Only windows without errors
 * count.
 *
 * @param measurements everything the sweep measured
 * @param p99BudgetMillis the latency budget; {@code Double.POSITIVE_INFINITY} for none
 */
public record AnalysisReport(List<Measurement> measurements, double p99BudgetMillis) {
  public AnalysisReport {
    measurements = List.copyOf(measurements);
  }

  /** Whether a measurement counts: no errors, and p99 within the budget. */
  public boolean withinBudget(Measurement m) {
    return m.clean() && m.p99Millis() <= p99BudgetMillis;
  }

  /** The best measurement within the budget, if any met it. */
  public Optional<Measurement> best() {
    return measurements.stream().filter(this::withinBudget)
        .max(Comparator.comparingDouble(Measurement::throughput).thenComparing(Measurement::p99Millis, Comparator.reverseOrder()));
  }

  /** The measurement with the lowest p99, for saying how far the budget was missed. */
  public Optional<Measurement> fastest() {
    return measurements.stream().filter(Measurement::clean).min(Comparator.comparingDouble(Measurement::p99Millis));
  }

  /** Prints the table, one row per measurement, the best marked with {@code *}. */
  public void printTable(PrintWriter out) {
    Measurement best = best().orElse(null);
    out.printf(Locale.ROOT, "  %-24s %9s %9s %9s %9s %11s %9s %9s %s%n", "config", "instances", "threads", "max batch",
        "delay us", "concurrency", "infer/s", "p50 ms", "p99 ms");
    for (Measurement m : measurements) {
      SweepPoint p = m.point();
      out.printf(Locale.ROOT, "%s %-24s %9d %9s %9d %9s %11d %9.1f %9.2f %9.2f%s%n", m == best ? "*" : " ", p.label(),
          p.instances(), p.intraOpThreads() == 0 ? "config" : Integer.toString(p.intraOpThreads()), p.maxBatchSize(),
          p.dynamicBatching() ? Long.toString(p.queueDelayMicros()) : "off", m.result().concurrency(), m.throughput(),
          m.result().p50Micros() / 1000.0, m.p99Millis(),
          !m.clean() ? "  (" + m.result().errors() + " errors)" : withinBudget(m) ? "" : "  (over budget)");
    }
  }

  /** The table as CSV, for spreadsheets. */
  public String csv() {
    StringBuilder s = new StringBuilder(
        "Config,Instances,Intra-op Threads,Max Batch Size,Queue Delay us,Preferred Batch Size,Concurrency,"
            + "Inferences/Second,p50 latency us,p99 latency us,Errors,Within Budget\n");
    for (Measurement m : measurements) {
      SweepPoint p = m.point();
      s.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%d,%.2f,%.0f,%.0f,%d,%b%n", p.label(), p.instances(),
          p.intraOpThreads(), p.maxBatchSize(), p.queueDelayMicros(), p.preferredBatchSize(), m.result().concurrency(),
          m.throughput(), m.result().p50Micros(), m.result().p99Micros(), m.result().errors(), withinBudget(m)));
    }
    return s.toString();
  }
}
