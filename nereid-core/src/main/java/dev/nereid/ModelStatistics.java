package dev.nereid;

import java.util.List;

/**
 * Cumulative statistics of one model version, in the shape Triton reports them.
 *
 * @param name the model's name
 * @param version the version, as a string
 * @param lastInference when the last request completed, in milliseconds since the epoch (0 if never)
 * @param inferenceCount inferences performed, counting each batch element (a batch of 8 counts 8)
 * @param executionCount executions performed (a batch of 8 counts 1)
 * @param inferenceStats per-request counts and times
 * @param batchStats per-batch-size counts and times
 */
public record ModelStatistics(
    String name,
    String version,
    long lastInference,
    long inferenceCount,
    long executionCount,
    InferenceStats inferenceStats,
    List<BatchStats> batchStats) {
  public ModelStatistics {
    batchStats = List.copyOf(batchStats);
  }

  /**
   * A count and the total nanoseconds spent over that count.
   *
   * @param count how many
   * @param ns total nanoseconds
   */
  public record Duration(long count, long ns) {}

  /**
   * Per-request statistics.
   *
   * @param success requests that completed, and their time from arrival to final response
   * @param fail requests that failed, and their time
   * @param queue time requests waited before execution
   * @param computeInput time spent preparing inputs
   * @param computeInfer time spent computing
   * @param computeOutput time spent producing outputs
   * @param cacheHit requests answered from the response cache
   * @param cacheMiss requests that missed the response cache
   */
  public record InferenceStats(
      Duration success,
      Duration fail,
      Duration queue,
      Duration computeInput,
      Duration computeInfer,
      Duration computeOutput,
      Duration cacheHit,
      Duration cacheMiss) {}

  /**
   * Statistics of executions of one batch size.
   *
   * @param batchSize the batch size
   * @param computeInput executions of this size and their input time
   * @param computeInfer executions of this size and their compute time
   * @param computeOutput executions of this size and their output time
   */
  public record BatchStats(long batchSize, Duration computeInput, Duration computeInfer, Duration computeOutput) {}
}
