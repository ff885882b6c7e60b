package dev.nereid.frontend;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The classification extension: an output asked for with {@code classification: N} is replaced by its
 * N highest-scoring classes, as a BYTES tensor of {@code "score:index"} strings per batch entry.
 * Scores print as C's {@code std::to_string} prints them (six decimals for floating point), as Triton's
 * clients parse them.
 */
public final class Classification {
  private Classification() {}

  /**
   * The top {@code k} classes of an output.
   *
   * @param batched whether the first dimension is the batch: each batch entry is classified apart
   * @return a BYTES tensor of shape {@code [batch, min(k, classes)]}, or {@code [min(k, classes)]}
   * @throws NereidException.InvalidArgument for outputs that hold no numbers (BOOL, BYTES)
   */
  public static Tensor topK(String outputName, Tensor output, int k, boolean batched) {
    DataType type = output.dataType();
    if (type == DataType.BYTES || type == DataType.BOOL) {
      throw new NereidException.InvalidArgument("class result not available for output '" + outputName
          + "' due to unsupported type '" + type.kserveName() + "'");
    }
    long batch = batched && output.rank() > 0 ? output.dim(0) : 1;
    long total = output.elementCount();
    int perEntry = batch == 0 ? 0 : Math.toIntExact(total / batch);
    int shown = Math.min(k, perEntry);
    ByteBuffer data = output.data();
    List<byte[]> classes = new ArrayList<>((int) (batch * shown));
    for (long b = 0; b < batch; b++) {
      int base = Math.toIntExact(b * perEntry);
      IntStream.range(0, perEntry).boxed()
          .sorted(Comparator.comparingDouble((Integer i) -> -value(data, type, base + i)).thenComparingInt(i -> i))
          .limit(shown)
          .forEach(i -> classes.add((format(data, type, base + i) + ":" + i).getBytes(StandardCharsets.UTF_8)));
    }
    long[] shape = batched && output.rank() > 0 ? new long[] {batch, shown} : new long[] {shown};
    return Tensor.ofBytes(classes.toArray(new byte[0][]), shape);
  }

  private static double value(ByteBuffer d, DataType type, int i) {
    return switch (type) {
      case UINT8 -> Byte.toUnsignedInt(d.get(i));
      case INT8 -> d.get(i);
      case UINT16 -> Short.toUnsignedInt(d.getShort(i * 2));
      case INT16 -> d.getShort(i * 2);
      case UINT32 -> Integer.toUnsignedLong(d.getInt(i * 4));
      case INT32 -> d.getInt(i * 4);
      case UINT64 -> unsignedToDouble(d.getLong(i * 8));
      case INT64 -> d.getLong(i * 8);
      case FP16 -> Float.float16ToFloat(d.getShort(i * 2));
      case BF16 -> Float.intBitsToFloat((d.getShort(i * 2) & 0xFFFF) << 16);
      case FP32 -> d.getFloat(i * 4);
      case FP64 -> d.getDouble(i * 8);
      case BOOL, BYTES -> throw new IllegalStateException(type + " has no scores");
    };
  }

  private static String format(ByteBuffer d, DataType type, int i) {
    return switch (type) {
      case FP16, BF16, FP32, FP64 -> String.format(Locale.ROOT, "%f", value(d, type, i));
      case UINT64 -> Long.toUnsignedString(d.getLong(i * 8));
      default -> Long.toString((long) value(d, type, i));
    };
  }

  private static double unsignedToDouble(long v) {
    double d = (double) (v >>> 1) * 2.0;
    return d + (v & 1);
  }
}
