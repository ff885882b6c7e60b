package dev.nereid.internal.tensor;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Gathers the requests of a batch into one tensor per input and scatters batched outputs back: the
 * only copy dynamic batching makes is the gather, straight into the buffer the backend reads.
 */
public final class BatchAssembler {
  private BatchAssembler() {}

  /**
   * Concatenates tensors along the first dimension. With {@code ragged}, tensors whose other
   * dimensions differ are concatenated flat (shape {@code [total elements]}), as Triton does for
   * ragged inputs.
   */
  public static Tensor concat(String input, List<Tensor> parts, boolean ragged) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    Tensor first = parts.get(0);
    DataType type = first.dataType();
    long rows = 0;
    long bytes = 0;
    boolean sameInnerShape = true;
    for (Tensor t : parts) {
      if (t.dataType() != type || t.rank() != first.rank() || t.rank() == 0) {
        throw new NereidException.InvalidArgument("cannot batch input '" + input + "': tensors of type/rank "
            + type + "/" + first.rank() + " and " + t.dataType() + "/" + t.rank());
      }
      for (int d = 1; d < t.rank(); d++) {
        if (t.dim(d) != first.dim(d)) sameInnerShape = false;
      }
      rows += t.dim(0);
      bytes += t.byteSize();
    }
    if (!sameInnerShape && !ragged) {
      throw new NereidException.InvalidArgument("cannot batch input '" + input + "': shapes differ beyond the batch "
          + "dimension and the input does not allow ragged batches");
    }
    ByteBuffer out = ArrayCodec.allocateForRequest(bytes);
    for (Tensor t : parts) out.put(t.data());
    out.flip();
    long[] shape;
    if (sameInnerShape) {
      shape = first.shape();
      shape[0] = rows;
    } else {
      long elements = 0;
      for (Tensor t : parts) elements += t.elementCount();
      shape = new long[] {elements};
    }
    return Tensor.of(type, shape, out);
  }

  /** Splits a batched tensor into slices of the given row counts, sharing its memory. */
  public static List<Tensor> split(String output, Tensor batched, long[] rows) {
    List<Tensor> slices = new ArrayList<>(rows.length);
    // Each slice holds a claim of its own on pooled memory, so the batch's block is recycled only
    // when every response is closed; the caller gives up the batched tensor's claim.
    MemoryShare share = TensorShares.shareOf(batched);
    if (rows.length == 1) {
      slices.add(TensorShares.anotherHolder(batched));
      return slices;
    }
    long total = 0;
    for (long r : rows) total += r;
    if (batched.rank() == 0 || batched.dim(0) != total) {
      throw new NereidException.Internal("output '" + output + "' has shape " + Shapes.format(batched.shape())
          + " but the batch holds " + total + " rows");
    }
    long[] shape = batched.shape();
    long rowElements = 1;
    for (int d = 1; d < shape.length; d++) rowElements *= shape[d];
    ByteBuffer data = batched.data();
    int offset = 0;
    for (long r : rows) {
      int length;
      if (batched.dataType().isFixedSize()) {
        length = Math.toIntExact(r * rowElements * batched.dataType().byteSize());
      } else {
        length = bytesLength(data, offset, r * rowElements);
      }
      long[] sliceShape = shape.clone();
      sliceShape[0] = r;
      Tensor slice = Tensor.of(batched.dataType(), sliceShape, data.slice(offset, length));
      slices.add(share == null ? slice : TensorShares.withShare(slice, share.another()));
      offset += length;
    }
    return slices;
  }

  private static int bytesLength(ByteBuffer data, int offset, long elements) {
    int position = offset;
    for (long i = 0; i < elements; i++) {
      position += 4 + data.getInt(position);
    }
    return position - offset;
  }
}
