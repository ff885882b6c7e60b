package dev.nereid.perf;

import dev.nereid.ModelStatistics;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a load generator drives: one prepared request sent again and again, in-process or over a
 * protocol, and the server-side statistics of the model, when the target can read them.
 */
public interface PerfTarget extends AutoCloseable {
  /** Sends the request and waits for its final response; throws on an error response. */
  void infer() throws Exception;

  /** Sends the request without waiting; the future completes with the final response. */
  CompletableFuture<?> inferAsync();

  /** The model's cumulative statistics now, summed over versions, if the target can read them. */
  Optional<ModelStatistics.InferenceStats> statistics();

  /** Inferences one request carries (its batch size). */
  int batchSize();

  @Override
  default void close() throws Exception {}
}
