package dev.nereid.internal.tensor;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import java.nio.ByteBuffer;

/** Writes one Java value as one element of a fixed-size data type, converting numbers as needed. */
final class Elements {
  private Elements() {}

  static void write(ByteBuffer out, DataType type, Object leaf) {
    switch (type) {
      case BOOL -> out.put((byte) (asBoolean(leaf) ? 1 : 0));
      case INT8, UINT8 -> out.put((byte) asLong(leaf, type));
      case INT16, UINT16 -> out.putShort((short) asLong(leaf, type));
      case INT32, UINT32 -> out.putInt((int) asLong(leaf, type));
      case INT64, UINT64 -> out.putLong(asLong(leaf, type));
      case FP16 -> out.putShort(Float.floatToFloat16((float) asDouble(leaf, type)));
      case BF16 -> out.putShort(floatToBf16((float) asDouble(leaf, type)));
      case FP32 -> out.putFloat((float) asDouble(leaf, type));
      case FP64 -> out.putDouble(asDouble(leaf, type));
      case BYTES -> throw new IllegalStateException("BYTES is encoded by BytesCodec");
    }
  }

  /** Rounds to the nearest bfloat16, ties to even, keeping NaN a NaN. */
  static short floatToBf16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  private static boolean asBoolean(Object leaf) {
    if (leaf instanceof Boolean b) return b;
    if (leaf instanceof Number n) return n.doubleValue() != 0;
    throw mismatch(leaf, DataType.BOOL);
  }

  private static long asLong(Object leaf, DataType type) {
    if (leaf instanceof Number n) {
      if ((leaf instanceof Double || leaf instanceof Float) && n.doubleValue() != Math.rint(n.doubleValue())) {
        throw new NereidException.InvalidArgument("value " + leaf + " is not an integer, but the tensor is " + type);
      }
      return n.longValue();
    }
    if (leaf instanceof Boolean b) return b ? 1 : 0;
    throw mismatch(leaf, type);
  }

  private static double asDouble(Object leaf, DataType type) {
    if (leaf instanceof Number n) return n.doubleValue();
    if (leaf instanceof Boolean b) return b ? 1 : 0;
    throw mismatch(leaf, type);
  }

  private static NereidException mismatch(Object leaf, DataType type) {
    return new NereidException.InvalidArgument(
        "cannot convert " + (leaf == null ? "null" : leaf.getClass().getSimpleName() + " '" + leaf + "'")
            + " to an element of a " + type + " tensor");
  }
}
