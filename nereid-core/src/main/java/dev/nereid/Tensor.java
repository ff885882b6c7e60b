package dev.nereid;

import dev.nereid.internal.tensor.ArrayCodec;
import dev.nereid.internal.tensor.BytesCodec;
import dev.nereid.internal.tensor.MemoryShare;
import dev.nereid.internal.tensor.Shapes;
import dev.nereid.internal.tensor.TensorShares;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A tensor: a data type, a shape, and its elements in one little-endian buffer, row-major.
 *
 * <p>A tensor made with {@link #of(DataType, long[], ByteBuffer)} borrows the caller's buffer without
 * copying it; hand a direct buffer and it reaches the backend untouched. The caller must not change
 * that buffer until the request that carries the tensor has completed. Factories that take Java
 * arrays copy them once into a new direct buffer.
 *
 * <p>{@link DataType#BYTES} tensors hold Triton's encoding: per element a 4-byte little-endian length,
 * then the bytes. {@link DataType#FP16} and {@link DataType#BF16} tensors hold 2-byte halves; the
 * factories and accessors convert them from and to {@code float}.
 *
 * <p>An output tensor of a response may live in memory the server recycles: once its response is
 * {@linkplain InferenceResponse#close() closed}, reading it throws {@link IllegalStateException}, and a
 * buffer taken from it earlier may already hold another response's data.
 *
 * <p>Tensors are immutable as far as this class goes, and safe to share between threads.
 */
public final class Tensor {
  static {
    TensorShares.install(new TensorShares.Access() {
      @Override
      public Tensor withShare(Tensor tensor, MemoryShare share) {
        return new Tensor(tensor.dataType, tensor.shape, tensor.data, share);
      }

      @Override
      public MemoryShare shareOf(Tensor tensor) {
        return tensor.share;
      }
    });
  }

  private final DataType dataType;
  private final long[] shape;
  private final ByteBuffer data;
  /** This tensor's claim on recycled output memory, or null for memory the collector frees. */
  private final MemoryShare share;

  private Tensor(DataType dataType, long[] shape, ByteBuffer data) {
    this(dataType, shape, data, null);
  }

  private Tensor(DataType dataType, long[] shape, ByteBuffer data, MemoryShare share) {
    this.dataType = dataType;
    this.shape = shape;
    this.data = data;
    this.share = share;
  }

  /**
   * Wraps a buffer as a tensor without copying it. The buffer's remaining bytes are the tensor's
   * elements; its byte order is ignored (elements are always little-endian).
   *
   * @throws NereidException.InvalidArgument when a fixed-size type's byte count does not match the shape
   */
  public static Tensor of(DataType dataType, long[] shape, ByteBuffer data) {
    long[] dims = shape.clone();
    long count = Shapes.elementCount(dims);
    ByteBuffer view = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (dataType.isFixedSize() && view.remaining() != count * dataType.byteSize()) {
      throw new NereidException.InvalidArgument(
          "a " + dataType + " tensor of shape " + Shapes.format(dims) + " needs " + count * dataType.byteSize()
              + " bytes, got " + view.remaining());
    }
    return new Tensor(dataType, dims, view);
  }

  /** An FP32 tensor; with no shape given, a vector of the values' length. */
  public static Tensor of(float[] values, long... shape) {
    return fromFlat(DataType.FP32, values, values.length, shape);
  }

  /** An FP64 tensor; with no shape given, a vector of the values' length. */
  public static Tensor of(double[] values, long... shape) {
    return fromFlat(DataType.FP64, values, values.length, shape);
  }

  /** An INT32 tensor; with no shape given, a vector of the values' length. */
  public static Tensor of(int[] values, long... shape) {
    return fromFlat(DataType.INT32, values, values.length, shape);
  }

  /** An INT64 tensor; with no shape given, a vector of the values' length. */
  public static Tensor of(long[] values, long... shape) {
    return fromFlat(DataType.INT64, values, values.length, shape);
  }

  /** An INT16 tensor; with no shape given, a vector of the values' length. */
  public static Tensor of(short[] values, long... shape) {
    return fromFlat(DataType.INT16, values, values.length, shape);
  }

  /** An INT8 tensor; with no shape given, a vector of the values' length. */
  public static Tensor of(byte[] values, long... shape) {
    return fromFlat(DataType.INT8, values, values.length, shape);
  }

  /** A BOOL tensor; with no shape given, a vector of the values' length. */
  public static Tensor of(boolean[] values, long... shape) {
    return fromFlat(DataType.BOOL, values, values.length, shape);
  }

  /** A BYTES tensor of UTF-8 strings; with no shape given, a vector of the values' length. */
  public static Tensor of(String[] values, long... shape) {
    return fromFlat(DataType.BYTES, values, values.length, shape);
  }

  /**
   * A tensor of the given type from values of another Java type, converted element by element: an
   * {@code int[]} as UINT8, a {@code float[]} as FP16 or BF16, a {@code long[]} as UINT64.
   */
  public static Tensor of(DataType dataType, Object flatValues, long... shape) {
    return fromFlat(dataType, flatValues, java.lang.reflect.Array.getLength(flatValues), shape);
  }

  /** A BYTES tensor whose elements are the given byte arrays; a vector unless a shape is given. */
  public static Tensor ofBytes(byte[][] values, long... shape) {
    long[] dims = shape.length == 0 ? new long[] {values.length} : shape.clone();
    checkCount(dims, values.length);
    return new Tensor(DataType.BYTES, dims, BytesCodec.encode(Arrays.asList(values)));
  }

  /**
   * A tensor from a nested Java array or nested {@link List} ({@code float[][]}, {@code String[][]},
   * {@code List<List<Integer>>}): the shape is the nesting, the type is the leaves' Java type
   * ({@code float} FP32, {@code double} FP64, {@code int} INT32, {@code long} INT64, {@code short}
   * INT16, {@code byte} INT8, {@code boolean} BOOL, {@code String} BYTES).
   *
   * @throws NereidException.InvalidArgument when the value is ragged or its type cannot be told
   */
  public static Tensor fromArray(Object nested) {
    if (nested instanceof Tensor tensor) {
      return tensor;
    }
    DataType type = ArrayCodec.inferType(nested);
    if (type == null) {
      throw new NereidException.InvalidArgument(
          "cannot tell the data type of " + (nested == null ? "null" : nested.getClass().getSimpleName())
              + "; give the type with fromArray(value, type)");
    }
    return fromArray(nested, type);
  }

  /**
   * A tensor of the given type from a nested Java array, nested list or scalar, converting each
   * element: the form used for inputs typed by a model's configuration.
   */
  public static Tensor fromArray(Object nested, DataType dataType) {
    if (nested instanceof Tensor tensor) {
      return tensor;
    }
    long[] shape = ArrayCodec.shapeOf(nested, dataType);
    return new Tensor(dataType, shape, ArrayCodec.encode(nested, dataType, shape));
  }

  private static Tensor fromFlat(DataType type, Object values, int length, long[] shape) {
    long[] dims = shape.length == 0 ? new long[] {length} : shape.clone();
    checkCount(dims, length);
    return new Tensor(type, dims, ArrayCodec.encode(values, type, new long[] {length}));
  }

  private static void checkCount(long[] shape, int length) {
    long count = Shapes.elementCount(shape);
    if (count != length) {
      throw new NereidException.InvalidArgument(
          "shape " + Shapes.format(shape) + " holds " + count + " elements, but " + length + " values were given");
    }
  }

  /** The element type. */
  public DataType dataType() {
    return dataType;
  }

  /** A copy of the shape. */
  public long[] shape() {
    return shape.clone();
  }

  /** The number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** The size of dimension {@code i}. */
  public long dim(int i) {
    return shape[i];
  }

  /** The number of elements: the product of the shape. */
  public long elementCount() {
    return Shapes.elementCount(shape);
  }

  /** The size of the data in bytes (for BYTES, including the length prefixes). */
  public long byteSize() {
    return data.remaining();
  }

  /**
   * The elements as a little-endian buffer positioned at the first byte: a view sharing this tensor's
   * memory (direct when the tensor was made from a direct buffer or from arrays), not a copy.
   */
  public ByteBuffer data() {
    requireHeld();
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Whether the data lives in a direct buffer, which backends can hand to native code without copying. */
  public boolean isDirect() {
    return data.isDirect();
  }

  /** A tensor with the same data and type and another shape of the same element count. */
  public Tensor reshape(long... newShape) {
    if (Shapes.elementCount(newShape) != elementCount()) {
      throw new NereidException.InvalidArgument(
          "cannot reshape " + Shapes.format(shape) + " to " + Shapes.format(newShape) + ": element counts differ");
    }
    return new Tensor(dataType, newShape.clone(), data, share);
  }

  /** FP32 elements as a view. @throws IllegalStateException for another type */
  public FloatBuffer asFloatBuffer() {
    requireType(DataType.FP32);
    return data().asFloatBuffer();
  }

  /** FP64 elements as a view. */
  public DoubleBuffer asDoubleBuffer() {
    requireType(DataType.FP64);
    return data().asDoubleBuffer();
  }

  /** INT32 or UINT32 elements as a view. */
  public IntBuffer asIntBuffer() {
    requireType(DataType.INT32, DataType.UINT32);
    return data().asIntBuffer();
  }

  /** INT64 or UINT64 elements as a view. */
  public LongBuffer asLongBuffer() {
    requireType(DataType.INT64, DataType.UINT64);
    return data().asLongBuffer();
  }

  /** INT16, UINT16, FP16 or BF16 elements (raw 16-bit values) as a view. */
  public ShortBuffer asShortBuffer() {
    requireType(DataType.INT16, DataType.UINT16, DataType.FP16, DataType.BF16);
    return data().asShortBuffer();
  }

  /** The elements of an FP32, FP16 or BF16 tensor as floats, flat and row-major. */
  public float[] toFloatArray() {
    requireType(DataType.FP32, DataType.FP16, DataType.BF16);
    return (float[]) flat();
  }

  /** The elements of an FP64 tensor, flat. */
  public double[] toDoubleArray() {
    requireType(DataType.FP64);
    return (double[]) flat();
  }

  /** The elements of an INT32 or UINT32 tensor, flat (UINT32 values as their bit patterns). */
  public int[] toIntArray() {
    requireType(DataType.INT32, DataType.UINT32);
    return (int[]) flat();
  }

  /** The elements of an INT64 or UINT64 tensor, flat. */
  public long[] toLongArray() {
    requireType(DataType.INT64, DataType.UINT64);
    return (long[]) flat();
  }

  /** The elements of an INT16 or UINT16 tensor, flat. */
  public short[] toShortArray() {
    requireType(DataType.INT16, DataType.UINT16);
    return (short[]) flat();
  }

  /** The elements of an INT8 or UINT8 tensor, flat. */
  public byte[] toByteArray() {
    requireType(DataType.INT8, DataType.UINT8);
    return (byte[]) flat();
  }

  /** The elements of a BOOL tensor, flat. */
  public boolean[] toBooleanArray() {
    requireType(DataType.BOOL);
    return (boolean[]) flat();
  }

  /** The elements of a BYTES tensor as UTF-8 strings, flat. */
  public String[] toStrings() {
    requireType(DataType.BYTES);
    List<byte[]> elements = BytesCodec.decode(data);
    String[] out = new String[elements.size()];
    for (int i = 0; i < out.length; i++) out[i] = new String(elements.get(i), StandardCharsets.UTF_8);
    return out;
  }

  /** The elements of a BYTES tensor, flat. */
  public byte[][] toByteArrays() {
    requireType(DataType.BYTES);
    return BytesCodec.decode(data).toArray(new byte[0][]);
  }

  /**
   * The elements of a BYTES tensor as nested {@code String} arrays of the tensor's shape:
   * {@code String[][] s = tensor.toStringArray();} for a rank-2 tensor.
   */
  @SuppressWarnings("unchecked")
  public <T> T toStringArray() {
    requireType(DataType.BYTES);
    return (T) ArrayCodec.toStrings(ArrayCodec.decodeNested(data, dataType, shape));
  }

  /** The elements of a BYTES tensor as nested {@code byte[]} arrays of the tensor's shape. */
  @SuppressWarnings("unchecked")
  public <T> T toBytesArray() {
    requireType(DataType.BYTES);
    return (T) ArrayCodec.decodeNested(data, dataType, shape);
  }

  /**
   * The elements as nested Java arrays of the tensor's shape ({@code float[][]} for a rank-2 FP32
   * tensor; FP16 and BF16 as {@code float}; unsigned types as the signed Java type of their width;
   * BYTES as {@code byte[]} leaves); a rank-0 tensor gives the boxed scalar.
   */
  @SuppressWarnings("unchecked")
  public <T> T toArray() {
    requireHeld();
    return (T) ArrayCodec.decodeNested(data, dataType, shape);
  }

  private Object flat() {
    requireHeld();
    return ArrayCodec.decodeNested(data, dataType, new long[] {elementCount()});
  }

  /** Gives up this tensor's claim on recycled memory, if it has one; for {@link InferenceResponse#close()}. */
  void release() {
    if (share != null) share.release();
  }

  private void requireHeld() {
    if (share != null && share.isReleased()) {
      throw new IllegalStateException("this " + dataType + " " + Shapes.format(shape)
          + " tensor belongs to a closed response; its memory has gone back to the server for reuse");
    }
  }

  private void requireType(DataType... allowed) {
    for (DataType t : allowed) {
      if (t == dataType) return;
    }
    throw new IllegalStateException("tensor is " + dataType + ", not " + Arrays.toString(allowed));
  }

  @Override
  public String toString() {
    return "Tensor[" + dataType + " " + Shapes.format(shape) + ", " + data.remaining() + " bytes]";
  }
}
