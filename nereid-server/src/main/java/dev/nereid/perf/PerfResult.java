package dev.nereid.perf;

/**
 * The measurement of one load level.
 *
 * @param concurrency requests kept in flight (0 in request-rate mode)
 * @param requestRate requests started per second (0 in concurrency mode)
 * @param requests requests completed in the window
 * @param errors requests that failed in the window
 * @param inferencesPerSecond completed inferences (requests times batch size) per second
 * @param p50Micros median latency
 * @param p90Micros 90th percentile latency
 * @param p95Micros 95th percentile latency
 * @param p99Micros 99th percentile latency
 * @param percentileMicros the latency at the percentile asked for on the command line
 * @param server the server-side time per request, when the target reports statistics
 */
public record PerfResult(
    int concurrency,
    double requestRate,
    long requests,
    long errors,
    double inferencesPerSecond,
    double p50Micros,
    double p90Micros,
    double p95Micros,
    double p99Micros,
    double percentileMicros,
    ServerBreakdown server) {

  /**
   * Average server-side microseconds per request in each phase, as Triton's statistics split them.
   *
   * @param queueMicros waiting in the queue
   * @param computeInputMicros preparing inputs
   * @param computeInferMicros computing
   * @param computeOutputMicros producing outputs
   */
  public record ServerBreakdown(double queueMicros, double computeInputMicros, double computeInferMicros,
      double computeOutputMicros) {}
}
