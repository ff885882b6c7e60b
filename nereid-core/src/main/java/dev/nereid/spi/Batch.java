package dev.nereid.spi;

import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.util.List;
import java.util.Map;

/**
 * The requests one {@code execute} call runs, with helpers for backends that run a batch as one
 * tensor per input, and the marks that split its time into input preparation, compute and output,
 * as Triton's statistics report them. A backend that marks nothing has all its time counted as
 * compute.
 *
 * <p>Two ways to answer: per request through {@link BackendRequest#responder()}, or all at once with
 * {@link #respond(Map)}, which splits batched outputs along the first dimension.
 */
public interface Batch {
  /** The requests, in the order the scheduler took them. */
  List<BackendRequest> requests();

  /**
   * The sum of the requests' batch dimensions (the first dimension of their inputs) for a model with
   * {@code max_batch_size > 0}; the number of requests otherwise.
   */
  long batchSize();

  /**
   * The named input of every request concatenated along the first dimension: one copy into a direct
   * buffer, or none when the batch holds one request. Null when no request carries the input.
   *
   * @throws NereidException.InvalidArgument when the requests' shapes cannot be concatenated, or an
   *     optional input is given by some requests only
   */
  Tensor input(String name);

  /**
   * Sends every request its slice of these batched outputs (each output's first dimension is the
   * batch size) as its final response. Slices share the outputs' memory.
   */
  void respond(Map<String, Tensor> batchedOutputs);

  /** Ends every request not yet answered with this error. */
  void fail(NereidException error);

  /** Marks the end of input preparation and the start of compute. */
  void computeStarted();

  /** Marks the end of compute and the start of output handling. */
  void computeEnded();
}
