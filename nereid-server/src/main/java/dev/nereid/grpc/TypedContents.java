package dev.nereid.grpc;

import com.google.protobuf.ByteString;
import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.grpc.proto.InferTensorContents;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts {@link InferTensorContents} (one repeated field per element family) into the flat
 * little-endian bytes a tensor holds. Only the field matching the input's data type may be set, as in
 * Triton; narrow integers must fit their type instead of being silently truncated.
 */
final class TypedContents {
  private TypedContents() {}

  static ByteBuffer decode(InferTensorContents c, DataType type, String input, String model) {
    DataType given = givenType(c, type, input, model);
    if (given == null) {
      return ByteBuffer.allocate(0);
    }
    if (given != type) {
      throw new NereidException.InvalidArgument("unexpected explicit tensor data for input tensor '" + input
          + "' for model '" + model + "' of type '" + given.kserveName() + "', expected datatype '" + type.kserveName() + "'");
    }
    return switch (type) {
      case BOOL -> bools(c);
      case INT8, INT16, INT32 -> ints(c, type, input, model);
      case UINT8, UINT16, UINT32 -> uints(c, type, input, model);
      case INT64 -> {
        ByteBuffer b = allocate(c.getInt64ContentsCount(), 8);
        for (int i = 0; i < c.getInt64ContentsCount(); i++) b.putLong(c.getInt64Contents(i));
        yield b.flip();
      }
      case UINT64 -> {
        ByteBuffer b = allocate(c.getUint64ContentsCount(), 8);
        for (int i = 0; i < c.getUint64ContentsCount(); i++) b.putLong(c.getUint64Contents(i));
        yield b.flip();
      }
      case FP32 -> {
        ByteBuffer b = allocate(c.getFp32ContentsCount(), 4);
        for (int i = 0; i < c.getFp32ContentsCount(); i++) b.putFloat(c.getFp32Contents(i));
        yield b.flip();
      }
      case FP64 -> {
        ByteBuffer b = allocate(c.getFp64ContentsCount(), 8);
        for (int i = 0; i < c.getFp64ContentsCount(); i++) b.putDouble(c.getFp64Contents(i));
        yield b.flip();
      }
      case BYTES -> bytes(c);
      // FP16 and BF16 have no typed field, so givenType never answers them.
      case FP16, BF16 -> throw new IllegalStateException("no typed contents for " + type);
    };
  }

  /** The type of the one non-empty field (8/16-bit integers as the input's type), or null if all are empty. */
  private static DataType givenType(InferTensorContents c, DataType type, String input, String model) {
    DataType found = null;
    int fields = 0;
    if (c.getBoolContentsCount() > 0) { found = DataType.BOOL; fields++; }
    if (c.getIntContentsCount() > 0) {
      found = type == DataType.INT8 || type == DataType.INT16 ? type : DataType.INT32;
      fields++;
    }
    if (c.getInt64ContentsCount() > 0) { found = DataType.INT64; fields++; }
    if (c.getUintContentsCount() > 0) {
      found = type == DataType.UINT8 || type == DataType.UINT16 ? type : DataType.UINT32;
      fields++;
    }
    if (c.getUint64ContentsCount() > 0) { found = DataType.UINT64; fields++; }
    if (c.getFp32ContentsCount() > 0) { found = DataType.FP32; fields++; }
    if (c.getFp64ContentsCount() > 0) { found = DataType.FP64; fields++; }
    if (c.getBytesContentsCount() > 0) { found = DataType.BYTES; fields++; }
    if (fields > 1) {
      throw new NereidException.InvalidArgument("unexpected explicit tensor data for input tensor '" + input
          + "' for model '" + model + "', binary data was already supplied.");
    }
    return found;
  }

  private static ByteBuffer bools(InferTensorContents c) {
    ByteBuffer b = allocate(c.getBoolContentsCount(), 1);
    for (int i = 0; i < c.getBoolContentsCount(); i++) b.put(c.getBoolContents(i) ? (byte) 1 : (byte) 0);
    return b.flip();
  }

  private static ByteBuffer ints(InferTensorContents c, DataType type, String input, String model) {
    int n = c.getIntContentsCount();
    ByteBuffer b = allocate(n, type.byteSize());
    for (int i = 0; i < n; i++) {
      int v = c.getIntContents(i);
      switch (type) {
        case INT8 -> b.put((byte) checkRange(v, Byte.MIN_VALUE, Byte.MAX_VALUE, type, input, model));
        case INT16 -> b.putShort((short) checkRange(v, Short.MIN_VALUE, Short.MAX_VALUE, type, input, model));
        default -> b.putInt(v);
      }
    }
    return b.flip();
  }

  private static ByteBuffer uints(InferTensorContents c, DataType type, String input, String model) {
    int n = c.getUintContentsCount();
    ByteBuffer b = allocate(n, type.byteSize());
    for (int i = 0; i < n; i++) {
      long v = Integer.toUnsignedLong(c.getUintContents(i));
      switch (type) {
        case UINT8 -> b.put((byte) checkRange(v, 0, 0xFF, type, input, model));
        case UINT16 -> b.putShort((short) checkRange(v, 0, 0xFFFF, type, input, model));
        default -> b.putInt((int) v);
      }
    }
    return b.flip();
  }

  private static ByteBuffer bytes(InferTensorContents c) {
    long size = 0;
    for (int i = 0; i < c.getBytesContentsCount(); i++) size += 4L + c.getBytesContents(i).size();
    ByteBuffer b = allocate(size, 1);
    for (int i = 0; i < c.getBytesContentsCount(); i++) {
      ByteString element = c.getBytesContents(i);
      b.putInt(element.size());
      element.copyTo(b);
    }
    return b.flip();
  }

  private static long checkRange(long v, long min, long max, DataType type, String input, String model) {
    if (v < min || v > max) {
      throw new NereidException.InvalidArgument("value " + v + " of input tensor '" + input + "' for model '" + model
          + "' is out of range for datatype '" + type.kserveName() + "'");
    }
    return v;
  }

  private static ByteBuffer allocate(long elements, int elementSize) {
    // The elements came in one gRPC message, so they fit in 2 GiB; the product may still not for 8-byte types.
    long bytes = elements * elementSize;
    if (bytes > Integer.MAX_VALUE) {
      throw new NereidException.InvalidArgument("typed tensor contents of " + bytes + " bytes exceed the 2 GiB limit");
    }
    return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
  }
}
