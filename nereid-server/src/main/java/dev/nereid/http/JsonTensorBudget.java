package dev.nereid.http;

import dev.nereid.NereidException;
import java.nio.ByteBuffer;
import java.util.function.IntFunction;

/**
 * Hands out the buffers a JSON request's tensors are written into, up to the request-size limit in
 * all. A JSON body under the limit can describe far more tensor bytes than it holds ({@code 0,} is two
 * characters for an eight-byte FP64), so the limit applies to what the JSON expands to, as Triton
 * computes it from shape and data type. One per request; not thread-safe.
 */
final class JsonTensorBudget implements IntFunction<ByteBuffer> {
  private final long limit;
  private final IntFunction<ByteBuffer> buffers;
  private long taken;

  JsonTensorBudget(long limit, IntFunction<ByteBuffer> buffers) {
    this.limit = limit;
    this.buffers = buffers;
  }

  @Override
  public ByteBuffer apply(int bytes) {
    taken += bytes;
    if (taken > limit) {
      // Triton's wording, which its L0_http size-limit tests match on.
      throw new NereidException.InvalidArgument("Request JSON size of " + taken + " bytes (its tensors, as the"
          + " shapes and data types describe them) exceeds the maximum allowed value of " + limit
          + " bytes. Use --http-max-input-size to increase the limit.");
    }
    return buffers.apply(bytes);
  }
}
