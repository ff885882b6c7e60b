package dev.nereid.tracing;

import dev.nereid.DataType;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;

/**
 * A tensor as Triton's {@code TENSORS} trace level writes it: the activity that saw it
 * ({@code TENSOR_QUEUE_INPUT}, {@code TENSOR_BACKEND_OUTPUT}), its name, its elements as comma-separated
 * text (whole floating-point numbers without a fraction, as Triton's C++ stream prints them; BYTES
 * elements in double quotes; FP16 and BF16 left empty, as Triton leaves FP16), its shape as
 * comma-separated dimensions, and its KServe data type. Made while the tensor's memory is still valid.
 */
record TensorRecord(String activity, String name, String data, String shape, String dtype) {
  static TensorRecord of(String activity, String name, Tensor tensor) {
    StringBuilder shape = new StringBuilder();
    for (long d : tensor.shape()) {
      if (!shape.isEmpty()) shape.append(',');
      shape.append(d);
    }
    return new TensorRecord(activity, name, elements(tensor), shape.toString(), tensor.dataType().kserveName());
  }

  private static String elements(Tensor tensor) {
    ByteBuffer b = tensor.data();
    DataType type = tensor.dataType();
    long count = tensor.elementCount();
    StringBuilder out = new StringBuilder((int) Math.min(count * 4, 1 << 20));
    if (type == DataType.BYTES) {
      for (String s : tensor.toStrings()) {
        if (!out.isEmpty()) out.append(',');
        out.append('"').append(s).append('"');
      }
      return out.toString();
    }
    if (type == DataType.FP16 || type == DataType.BF16) return "";
    int size = type.byteSize();
    for (long i = 0; i < count; i++) {
      if (i > 0) out.append(',');
      int at = b.position() + (int) (i * size);
      switch (type) {
        case BOOL -> out.append(b.get(at) == 0 ? 0 : 1);
        case UINT8 -> out.append(Byte.toUnsignedInt(b.get(at)));
        case INT8 -> out.append(b.get(at));
        case UINT16 -> out.append(Short.toUnsignedInt(b.getShort(at)));
        case INT16 -> out.append(b.getShort(at));
        case UINT32 -> out.append(Integer.toUnsignedLong(b.getInt(at)));
        case INT32 -> out.append(b.getInt(at));
        case UINT64 -> out.append(Long.toUnsignedString(b.getLong(at)));
        case INT64 -> out.append(b.getLong(at));
        case FP32 -> number(out, b.getFloat(at));
        case FP64 -> number(out, b.getDouble(at));
        default -> throw new IllegalStateException("no text form for " + type);
      }
    }
    return out.toString();
  }

  /**
   * A floating-point element as Triton's C++ stream prints whole numbers ({@code 2}, not {@code 2.0});
   * others in Java's shortest exact form, where Triton's stream would round to six digits.
   */
  private static void number(StringBuilder out, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      out.append((long) v);
    } else {
      out.append(v);
    }
  }

  private static void number(StringBuilder out, float v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15f) {
      out.append((long) v);
    } else {
      out.append(v);
    }
  }
}
