package dev.nereid.onnxruntime;

import dev.nereid.NereidException;
import dev.nereid.internal.tensor.Shapes;

/** Applies a config's {@code reshape} at the backend boundary, keeping the batch dimension in front. */
final class Reshapes {
  private Reshapes() {}

  /**
   * {@code dims} behind the batch dimension of {@code shape} (when batching), with one -1 in
   * {@code dims} resolved from the element count.
   */
  static long[] apply(long[] shape, boolean batching, long[] dims) {
    int offset = batching ? 1 : 0;
    long[] result = new long[dims.length + offset];
    if (batching) result[0] = shape[0];
    System.arraycopy(dims, 0, result, offset, dims.length);
    int unknown = -1;
    long known = batching ? shape[0] : 1;
    for (int i = offset; i < result.length; i++) {
      if (result[i] == -1) {
        unknown = i;
      } else {
        known *= result[i];
      }
    }
    long count = Shapes.elementCount(shape);
    if (unknown >= 0) {
      result[unknown] = known == 0 ? 0 : count / known;
    }
    if (Shapes.elementCount(result) != count) {
      throw new NereidException.InvalidArgument("cannot reshape " + Shapes.format(shape) + " to "
          + Shapes.format(result) + ": element counts differ");
    }
    return result;
  }
}
