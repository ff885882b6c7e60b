package dev.nereid.spi;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.tensor.Shapes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

  /**
   * A tensor for one of this batch's outputs, in memory the server recycles once every response that
   * holds a part of it has been {@linkplain dev.nereid.InferenceResponse#close() closed}. Its contents
   * are unspecified (reused memory is not cleared): write every element through {@link Tensor#data()},
   * then pass it to {@link #respond(Map)} or to one request's responder, and do not touch it afterwards.
   * The default allocates fresh memory each time.
   *
   * @param dataType a fixed-size type
   */
  default Tensor newOutput(DataType dataType, long... shape) {
    if (!dataType.isFixedSize()) {
      throw new IllegalArgumentException("newOutput is for fixed-size types, not " + dataType);
    }
    int bytes = Math.toIntExact(Shapes.elementCount(shape) * dataType.byteSize());
    return Tensor.of(dataType, shape, ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN));
  }

  /** Ends every request not yet answered with this error. */
  void fail(NereidException error);

  /** Marks the end of input preparation and the start of compute. */
  void computeStarted();

  /** Marks the end of compute and the start of output handling. */
  void computeEnded();
}
