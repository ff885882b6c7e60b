package dev.nereid.internal.tensor;

import dev.nereid.NereidException;

/** Arithmetic and formatting on tensor shapes, in the bracket form Triton's messages use. */
public final class Shapes {
  private Shapes() {}

  /** The number of elements in a tensor of this shape (1 for a scalar). */
  public static long elementCount(long[] shape) {
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new NereidException.InvalidArgument("shape " + format(shape) + " has a negative dimension");
      }
      try {
        count = Math.multiplyExact(count, d);
      } catch (ArithmeticException e) {
        throw new NereidException.InvalidArgument("shape " + format(shape) + " has more elements than fit in a long");
      }
    }
    return count;
  }

  /** Formats as Triton does: {@code [1,16]}. */
  public static String format(long[] shape) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) b.append(',');
      b.append(shape[i]);
    }
    return b.append(']').toString();
  }

  /** Formats a shape held as a list of dims, as in a model config. */
  public static String format(java.util.List<Long> dims) {
    return format(dims.stream().mapToLong(Long::longValue).toArray());
  }

  /** A config's dims as a request sees them: behind a -1 batch dimension when the model batches. */
  public static java.util.List<Long> withBatchDimension(boolean batching, java.util.List<Long> dims) {
    if (!batching) return dims;
    java.util.List<Long> full = new java.util.ArrayList<>(dims.size() + 1);
    full.add(-1L);
    full.addAll(dims);
    return full;
  }
}
