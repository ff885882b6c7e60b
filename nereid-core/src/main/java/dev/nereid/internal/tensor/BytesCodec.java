package dev.nereid.internal.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Triton's BYTES encoding: each element is a 4-byte little-endian length followed by that many bytes,
 * elements back to back with no padding.
 */
public final class BytesCodec {
  private BytesCodec() {}

  /** Encodes the elements into one direct buffer. */
  public static ByteBuffer encode(List<byte[]> elements) {
    long size = 0;
    for (byte[] e : elements) size += 4L + e.length;
    ByteBuffer out = ArrayCodec.allocateForRequest(size);
    for (byte[] e : elements) out.putInt(e.length).put(e);
    return out.flip();
  }

  /** Decodes every element; the buffer must be well formed (see {@link #countElements}). */
  public static List<byte[]> decode(ByteBuffer data) {
    ByteBuffer in = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> out = new ArrayList<>();
    while (in.remaining() >= 4) {
      int length = in.getInt();
      byte[] element = new byte[length];
      in.get(element);
      out.add(element);
    }
    return out;
  }

  /**
   * Counts the elements in an encoded buffer, or returns -1 when the buffer is malformed: a length
   * prefix cut short, or a length that runs past the end.
   */
  public static long countElements(ByteBuffer data) {
    int position = data.position();
    int limit = data.limit();
    long count = 0;
    while (position < limit) {
      if (limit - position < 4) {
        return -1;
      }
      long length = Integer.toUnsignedLong(data.order() == ByteOrder.LITTLE_ENDIAN
          ? data.getInt(position) : Integer.reverseBytes(data.getInt(position)));
      position += 4;
      if (length > limit - position) {
        return -1;
      }
      position += (int) length;
      count++;
    }
    return count;
  }
}
