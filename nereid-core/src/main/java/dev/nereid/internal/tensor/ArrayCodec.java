package dev.nereid.internal.tensor;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Converts between Java values (primitive arrays, nested arrays, nested lists, scalars) and the flat
 * little-endian buffers tensors hold. This is the convenience path for callers that have Java arrays;
 * callers that already hold a buffer never come here.
 */
public final class ArrayCodec {
  private ArrayCodec() {}

  /** Allocates a direct, little-endian buffer: the form every tensor buffer takes. */
  public static ByteBuffer allocate(long bytes) {
    if (bytes > Integer.MAX_VALUE) {
      throw new NereidException.InvalidArgument("tensor of " + bytes + " bytes is larger than 2 GiB");
    }
    return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Like {@link #allocate}, for data that lives about as long as a request: a small buffer is a slice
   * of a shared slab ({@link DirectSlabs}), which costs no JVM-wide cleaner registration. Keep a tensor
   * beyond its request with {@link #copyOf(Tensor)}.
   */
  public static ByteBuffer allocateForRequest(long bytes) {
    return bytes <= DirectSlabs.MAX_SLICE ? DirectSlabs.allocate((int) bytes) : allocate(bytes);
  }

  /** A tensor equal to {@code t} in memory of its own: for keeping it past the life of memory it may share. */
  public static Tensor copyOf(Tensor t) {
    return copyOf(t, false);
  }

  /** Like {@link #copyOf(Tensor)}; {@code readOnly} for a copy handed to many readers (a cached answer). */
  public static Tensor copyOf(Tensor t, boolean readOnly) {
    ByteBuffer own = allocate(t.byteSize()).put(t.data()).flip();
    return Tensor.of(t.dataType(), t.shape(), readOnly ? own.asReadOnlyBuffer() : own);
  }

  /** The Java type a value's leaves have, as a data type; null when it cannot be told. */
  public static DataType inferType(Object value) {
    Object probe = value;
    while (true) {
      if (probe == null) {
        return null;
      }
      Class<?> c = probe.getClass();
      if (c == float[].class) return DataType.FP32;
      if (c == double[].class) return DataType.FP64;
      if (c == int[].class) return DataType.INT32;
      if (c == long[].class) return DataType.INT64;
      if (c == short[].class) return DataType.INT16;
      if (c == byte[].class) return DataType.INT8;
      if (c == boolean[].class) return DataType.BOOL;
      if (probe instanceof String) return DataType.BYTES;
      if (probe instanceof Float) return DataType.FP32;
      if (probe instanceof Double) return DataType.FP64;
      if (probe instanceof Integer) return DataType.INT32;
      if (probe instanceof Long) return DataType.INT64;
      if (probe instanceof Short) return DataType.INT16;
      if (probe instanceof Byte) return DataType.INT8;
      if (probe instanceof Boolean) return DataType.BOOL;
      if (c.isArray()) {
        if (Array.getLength(probe) == 0) {
          Class<?> leaf = c;
          while (leaf.isArray()) leaf = leaf.getComponentType();
          return leaf == String.class ? DataType.BYTES : null;
        }
        probe = Array.get(probe, 0);
      } else if (probe instanceof List<?> list) {
        if (list.isEmpty()) return null;
        probe = list.get(0);
      } else {
        return null;
      }
    }
  }

  /** The shape of a nested array or list; checks that it is rectangular. */
  public static long[] shapeOf(Object value, DataType type) {
    List<Long> dims = new ArrayList<>();
    Object probe = value;
    while (isContainer(probe, type)) {
      int n = length(probe);
      dims.add((long) n);
      if (n == 0) break;
      probe = element(probe, 0);
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    checkRectangular(value, shape, 0, type);
    return shape;
  }

  /** Encodes a Java value as a tensor buffer of the given type; numbers are converted to that type. */
  public static ByteBuffer encode(Object value, DataType type, long[] shape) {
    long count = Shapes.elementCount(shape);
    if (type == DataType.BYTES) {
      List<byte[]> elements = new ArrayList<>((int) Math.min(count, 1 << 20));
      forEachLeaf(value, type, leaf -> elements.add(bytesOf(leaf)));
      return BytesCodec.encode(elements);
    }
    ByteBuffer out = allocateForRequest(count * type.byteSize());
    if (fastPath(value, type, out)) {
      return out;
    }
    forEachLeaf(value, type, leaf -> Elements.write(out, type, leaf));
    return out.flip();
  }

  private static boolean fastPath(Object value, DataType type, ByteBuffer out) {
    if (type == DataType.FP32 && value instanceof float[] a) {
      out.asFloatBuffer().put(a);
    } else if (type == DataType.FP64 && value instanceof double[] a) {
      out.asDoubleBuffer().put(a);
    } else if (type == DataType.INT32 && value instanceof int[] a) {
      out.asIntBuffer().put(a);
    } else if (type == DataType.INT64 && value instanceof long[] a) {
      out.asLongBuffer().put(a);
    } else if ((type == DataType.INT8 || type == DataType.UINT8) && value instanceof byte[] a) {
      out.put(a).flip();
      return true;
    } else {
      return false;
    }
    out.limit(out.capacity()).position(0);
    return true;
  }

  /** Decodes a tensor buffer into nested Java arrays of the given shape with the given leaf type. */
  public static Object decodeNested(ByteBuffer data, DataType type, long[] shape) {
    Class<?> leaf = leafClass(type);
    if (shape.length == 0) {
      Object one = Array.newInstance(leaf, 1);
      fill(one, data.duplicate().order(ByteOrder.LITTLE_ENDIAN), type, new int[] {0});
      return Array.get(one, 0);
    }
    int[] dims = new int[shape.length];
    for (int i = 0; i < shape.length; i++) dims[i] = Math.toIntExact(shape[i]);
    Object array = Array.newInstance(leaf, dims);
    ByteBuffer in = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (type == DataType.BYTES) {
      List<byte[]> elements = BytesCodec.decode(in);
      fillElements(array, elements, new int[] {0}, type);
    } else {
      fill(array, in, type, new int[] {0});
    }
    return array;
  }

  private static Class<?> leafClass(DataType type) {
    return switch (type) {
      case BOOL -> boolean.class;
      case INT8, UINT8 -> byte.class;
      case INT16, UINT16 -> short.class;
      case INT32, UINT32 -> int.class;
      case INT64, UINT64 -> long.class;
      case FP16, BF16, FP32 -> float.class;
      case FP64 -> double.class;
      case BYTES -> byte[].class;
    };
  }

  private static void fill(Object array, ByteBuffer in, DataType type, int[] cursor) {
    int n = Array.getLength(array);
    Class<?> component = array.getClass().getComponentType();
    if (component.isArray() && component != byte[].class) {
      for (int i = 0; i < n; i++) fill(Array.get(array, i), in, type, cursor);
      return;
    }
    for (int i = 0; i < n; i++) {
      int index = cursor[0]++;
      switch (type) {
        case BOOL -> Array.setBoolean(array, i, in.get(index) != 0);
        case INT8, UINT8 -> Array.setByte(array, i, in.get(index));
        case INT16, UINT16 -> Array.setShort(array, i, in.getShort(index * 2));
        case INT32, UINT32 -> Array.setInt(array, i, in.getInt(index * 4));
        case INT64, UINT64 -> Array.setLong(array, i, in.getLong(index * 8));
        case FP16 -> Array.setFloat(array, i, Float.float16ToFloat(in.getShort(index * 2)));
        case BF16 -> Array.setFloat(array, i, Elements.bf16ToFloat(in.getShort(index * 2)));
        case FP32 -> Array.setFloat(array, i, in.getFloat(index * 4));
        case FP64 -> Array.setDouble(array, i, in.getDouble(index * 8));
        case BYTES -> throw new IllegalStateException("BYTES decoded elsewhere");
      }
    }
  }

  private static void fillElements(Object array, List<byte[]> elements, int[] cursor, DataType type) {
    int n = Array.getLength(array);
    Class<?> component = array.getClass().getComponentType();
    for (int i = 0; i < n; i++) {
      if (component == byte[].class) {
        Array.set(array, i, elements.get(cursor[0]++));
      } else {
        fillElements(Array.get(array, i), elements, cursor, type);
      }
    }
  }

  /** Converts nested arrays whose leaves are {@code byte[]} into the same shape of {@code String}. */
  public static Object toStrings(Object nested) {
    if (nested instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    int n = Array.getLength(nested);
    Class<?> component = nested.getClass().getComponentType();
    Class<?> target = stringArrayClass(component);
    Object out = Array.newInstance(target, n);
    for (int i = 0; i < n; i++) Array.set(out, i, toStrings(Array.get(nested, i)));
    return out;
  }

  private static Class<?> stringArrayClass(Class<?> byteComponent) {
    if (byteComponent == byte[].class) return String.class;
    return stringArrayClass(byteComponent.getComponentType()).arrayType();
  }

  private interface LeafVisitor {
    void visit(Object leaf);
  }

  private static void forEachLeaf(Object value, DataType type, LeafVisitor visitor) {
    if (!isContainer(value, type)) {
      visitor.visit(value);
      return;
    }
    Class<?> c = value.getClass();
    if (c.isArray() && c.getComponentType().isPrimitive()) {
      int n = Array.getLength(value);
      for (int i = 0; i < n; i++) visitor.visit(Array.get(value, i));
      return;
    }
    int n = length(value);
    for (int i = 0; i < n; i++) forEachLeaf(element(value, i), type, visitor);
  }

  private static boolean isContainer(Object value, DataType type) {
    if (value == null) return false;
    if (value instanceof byte[]) return type != DataType.BYTES;
    return value.getClass().isArray() || value instanceof List<?>;
  }

  private static int length(Object container) {
    return container instanceof List<?> list ? list.size() : Array.getLength(container);
  }

  private static Object element(Object container, int i) {
    return container instanceof List<?> list ? list.get(i) : Array.get(container, i);
  }

  private static void checkRectangular(Object value, long[] shape, int depth, DataType type) {
    if (depth == shape.length) {
      if (isContainer(value, type)) {
        throw new NereidException.InvalidArgument("tensor data is nested deeper than its shape " + Arrays.toString(shape));
      }
      if (value == null) {
        throw new NereidException.InvalidArgument("tensor data holds a null element");
      }
      return;
    }
    if (!isContainer(value, type) || length(value) != shape[depth]) {
      throw new NereidException.InvalidArgument(
          "tensor data is not rectangular: expected " + shape[depth] + " elements at depth " + depth
              + " of shape " + Arrays.toString(shape));
    }
    Class<?> c = value.getClass();
    if (c.isArray() && c.getComponentType().isPrimitive()) {
      if (depth + 1 != shape.length) {
        throw new NereidException.InvalidArgument("tensor data is not rectangular at depth " + depth);
      }
      return;
    }
    int n = length(value);
    for (int i = 0; i < n; i++) checkRectangular(element(value, i), shape, depth + 1, type);
  }

  private static byte[] bytesOf(Object leaf) {
    if (leaf instanceof byte[] b) return b;
    if (leaf instanceof String s) return s.getBytes(StandardCharsets.UTF_8);
    if (leaf instanceof Number || leaf instanceof Boolean) {
      return String.valueOf(leaf).getBytes(StandardCharsets.UTF_8);
    }
    throw new NereidException.InvalidArgument("cannot use a " + leaf.getClass().getSimpleName() + " as a BYTES element");
  }
}
