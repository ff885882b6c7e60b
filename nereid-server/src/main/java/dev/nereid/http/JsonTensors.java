package dev.nereid.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Tensors in KServe JSON form: {@code data} as a flat or nested row-major array, BOOL as
 * true/false, BYTES as strings. FP16 and BF16 travel only in binary, as in Triton.
 */
final class JsonTensors {
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  static final String SHAPE_MISMATCH = "Unable to parse 'data': Shape does not match true shape of 'data' field";

  private JsonTensors() {}

  /**
   * Reads a tensor's elements from JSON: an array (flat or nested) whose leaves must number exactly
   * the shape's element count, or a single scalar for a one-element shape.
   *
   * @throws NereidException.InvalidArgument naming the tensor, for a count that does not match the
   *     shape, an element of the wrong JSON type or out of the data type's range, or FP16/BF16 data
   */
  static Tensor read(String name, DataType type, long[] shape, JsonNode data) {
    return read(name, type, shape, data, ByteBuffer::allocateDirect);
  }

  /** Like {@link #read(String, DataType, long[], JsonNode)}, the elements written into a buffer from {@code buffers}. */
  static Tensor read(String name, DataType type, long[] shape, JsonNode data, IntFunction<ByteBuffer> buffers) {
    if (type == DataType.FP16 || type == DataType.BF16) {
      throw new NereidException.InvalidArgument("receiving " + type.kserveName()
          + " data via JSON is not supported. Please use the binary data format for input " + name);
    }
    long count = elementCount(name, shape);
    List<JsonNode> leaves = new ArrayList<>((int) Math.min(count, 1 << 16));
    collectLeaves(data, leaves, count);
    if (leaves.size() != count) {
      throw new NereidException.InvalidArgument(SHAPE_MISMATCH);
    }
    if (type == DataType.BYTES) {
      return Tensor.ofBytes(bytesElements(name, leaves), shape);
    }
    long bytes = count * type.byteSize();
    if (bytes > Integer.MAX_VALUE) {
      throw new NereidException.InvalidArgument("input '" + name + "' needs " + bytes
          + " bytes, which exceeds the maximum allowed input size of " + Integer.MAX_VALUE + " bytes");
    }
    ByteBuffer out = buffers.apply((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode leaf : leaves) writeElement(out, name, type, leaf);
    return Tensor.of(type, shape, out.flip());
  }

  /** The product of the dimensions, rejecting a product that overflows. */
  static long elementCount(String name, long[] shape) {
    long count = 1;
    for (long d : shape) {
      try {
        count = Math.multiplyExact(count, d);
      } catch (ArithmeticException e) {
        throw new NereidException.InvalidArgument("The shape of input '" + name
            + "' causes total element count to exceed maximum size of " + Long.MAX_VALUE);
      }
    }
    return count;
  }

  private static void collectLeaves(JsonNode node, List<JsonNode> leaves, long limit) {
    if (node.isArray()) {
      for (JsonNode child : node) {
        collectLeaves(child, leaves, limit);
        if (leaves.size() > limit) return; // already too many: stop early
      }
    } else {
      leaves.add(node);
    }
  }

  private static byte[][] bytesElements(String name, List<JsonNode> leaves) {
    byte[][] elements = new byte[leaves.size()][];
    for (int i = 0; i < elements.length; i++) {
      JsonNode leaf = leaves.get(i);
      if (!leaf.isTextual()) {
        throw badElement(name, DataType.BYTES, leaf, "a string");
      }
      elements[i] = leaf.textValue().getBytes(StandardCharsets.UTF_8);
    }
    return elements;
  }

  private static void writeElement(ByteBuffer out, String name, DataType type, JsonNode leaf) {
    switch (type) {
      case BOOL -> {
        if (!leaf.isBoolean()) throw badElement(name, type, leaf, "true or false");
        out.put((byte) (leaf.booleanValue() ? 1 : 0));
      }
      case INT8 -> out.put((byte) integer(name, type, leaf, Byte.MIN_VALUE, Byte.MAX_VALUE));
      case INT16 -> out.putShort((short) integer(name, type, leaf, Short.MIN_VALUE, Short.MAX_VALUE));
      case INT32 -> out.putInt((int) integer(name, type, leaf, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case INT64 -> out.putLong(integer(name, type, leaf, Long.MIN_VALUE, Long.MAX_VALUE));
      case UINT8 -> out.put((byte) integer(name, type, leaf, 0, 0xFF));
      case UINT16 -> out.putShort((short) integer(name, type, leaf, 0, 0xFFFF));
      case UINT32 -> out.putInt((int) integer(name, type, leaf, 0, 0xFFFF_FFFFL));
      case UINT64 -> out.putLong(uint64(name, leaf));
      case FP32 -> out.putFloat((float) number(name, type, leaf));
      case FP64 -> out.putDouble(number(name, type, leaf));
      case FP16, BF16, BYTES -> throw new IllegalStateException(type + " is not written element by element");
    }
  }

  private static long integer(String name, DataType type, JsonNode leaf, long min, long max) {
    if (!leaf.isIntegralNumber() || !leaf.canConvertToLong()) {
      throw badElement(name, type, leaf, "an integer");
    }
    long v = leaf.longValue();
    if (v < min || v > max) {
      throw badElement(name, type, leaf, "an integer in [" + min + ", " + max + "]");
    }
    return v;
  }

  private static long uint64(String name, JsonNode leaf) {
    if (!leaf.isIntegralNumber()) throw badElement(name, DataType.UINT64, leaf, "an unsigned integer");
    BigInteger v = leaf.bigIntegerValue();
    if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
      throw badElement(name, DataType.UINT64, leaf, "an integer in [0, " + UINT64_MAX + "]");
    }
    return v.longValue();
  }

  private static double number(String name, DataType type, JsonNode leaf) {
    if (!leaf.isNumber()) throw badElement(name, type, leaf, "a number");
    return leaf.doubleValue();
  }

  private static NereidException badElement(String name, DataType type, JsonNode leaf, String expected) {
    String shown = leaf.toString();
    if (shown.length() > 40) shown = shown.substring(0, 40) + "...";
    return new NereidException.InvalidArgument("Unable to parse 'data': element " + shown + " of " + type.kserveName()
        + " input '" + name + "' is not " + expected);
  }

  /**
   * Writes a tensor's elements as a flat JSON array.
   *
   * @throws NereidException.InvalidArgument for FP16/BF16 (binary only) and for BYTES elements that
   *     are not UTF-8 (JSON cannot carry them)
   */
  static void write(JsonGenerator g, String name, Tensor tensor) throws IOException {
    g.writeStartArray();
    writeElements(g, name, tensor);
    g.writeEndArray();
  }

  /** Writes a tensor's elements one after another, without the enclosing array. */
  static void writeElements(JsonGenerator g, String name, Tensor tensor) throws IOException {
    DataType type = tensor.dataType();
    if (type == DataType.FP16 || type == DataType.BF16) {
      throw new NereidException.InvalidArgument("sending " + type.kserveName()
          + " data via JSON is not supported. Please use the binary data format for output '" + name + "'");
    }
    ByteBuffer d = tensor.data();
    int n = Math.toIntExact(tensor.elementCount());
    switch (type) {
      case BOOL -> { for (int i = 0; i < n; i++) g.writeBoolean(d.get(i) != 0); }
      case INT8 -> { for (int i = 0; i < n; i++) g.writeNumber(d.get(i)); }
      case UINT8 -> { for (int i = 0; i < n; i++) g.writeNumber(Byte.toUnsignedInt(d.get(i))); }
      case INT16 -> { for (int i = 0; i < n; i++) g.writeNumber(d.getShort(i * 2)); }
      case UINT16 -> { for (int i = 0; i < n; i++) g.writeNumber(Short.toUnsignedInt(d.getShort(i * 2))); }
      case INT32 -> { for (int i = 0; i < n; i++) g.writeNumber(d.getInt(i * 4)); }
      case UINT32 -> { for (int i = 0; i < n; i++) g.writeNumber(Integer.toUnsignedLong(d.getInt(i * 4))); }
      case INT64 -> { for (int i = 0; i < n; i++) g.writeNumber(d.getLong(i * 8)); }
      case UINT64 -> {
        for (int i = 0; i < n; i++) {
          long v = d.getLong(i * 8);
          if (v >= 0) g.writeNumber(v); else g.writeNumber(new BigInteger(Long.toUnsignedString(v)));
        }
      }
      case FP32 -> { for (int i = 0; i < n; i++) g.writeNumber(d.getFloat(i * 4)); }
      case FP64 -> { for (int i = 0; i < n; i++) g.writeNumber(d.getDouble(i * 8)); }
      case BYTES -> writeStrings(g, name, d, n);
      case FP16, BF16 -> throw new IllegalStateException("binary only");
    }
  }

  private static void writeStrings(JsonGenerator g, String name, ByteBuffer d, int n) throws IOException {
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    int position = 0;
    for (int i = 0; i < n; i++) {
      if (d.limit() - position < 4) throw malformedBytes(name);
      int length = d.getInt(position);
      position += 4;
      if (length < 0 || length > d.limit() - position) throw malformedBytes(name);
      try {
        CharBuffer chars = utf8.decode(d.slice(position, length));
        g.writeString(chars.toString());
      } catch (CharacterCodingException e) {
        throw new NereidException.InvalidArgument("output '" + name + "' holds BYTES elements that are not valid"
            + " UTF-8 and cannot be sent as JSON; ask for it with binary_data: true");
      }
      position += length;
    }
  }

  private static NereidException malformedBytes(String name) {
    return new NereidException.Internal("output tensor shape does not match size of output for '" + name + "'");
  }
}
