package dev.nereid.analyze;

import dev.nereid.perf.PerfResult;

/**
 * What one configuration did at one load level.
 *
 * @param point the configuration
 * @param result the perf measurement at one concurrency
 */
public record Measurement(SweepPoint point, PerfResult result) {
  /** Latency at the 99th percentile, in milliseconds. */
  public double p99Millis() {
    return result.p99Micros() / 1000.0;
  }

  /** Inferences per second (requests times their batch size). */
  public double throughput() {
    return result.inferencesPerSecond();
  }

  /** Whether every request in the window succeeded. */
  public boolean clean() {
    return result.errors() == 0 && result.requests() > 0;
  }
}
