package dev.nereid.spark;

import dev.nereid.DataType;
import dev.nereid.ModelMetadata.TensorMetadata;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.collection.Seq;

/**
 * One DataFrame column bound to one model input or output.
 *
 * <p>A row's value is the tensor's slice for that row: for a batching model, the tensor's shape without
 * its batch dimension. Each dimension is one level of Spark arrays, except that a per-row shape of
 * {@code [1]} (Triton's usual "one value per row", as in {@code dims: [ 1 ]}) is a plain column; an input
 * column may also hold it as a one-element array.
 *
 * @param column the DataFrame column
 * @param tensor the model's input or output name
 * @param dataType the tensor's data type
 * @param rowDims the tensor's per-row dimensions from the model's metadata; -1 where they vary
 * @param depth how many array levels the column has
 * @param model the model's name, for messages
 */
record TensorColumn(String column, String tensor, DataType dataType, long[] rowDims, int depth, String model)
    implements Serializable {

  /** Binds an input column, checking its Spark type against the model's input. */
  static TensorColumn input(String column, TensorMetadata input, boolean batching, StructType schema, String model) {
    long[] dims = rowDims(input, batching);
    DataType type = DataType.parse(input.datatype());
    StructField field = field(schema, column);
    org.apache.spark.sql.types.DataType element = field.dataType();
    int depth = 0;
    while (element instanceof ArrayType array) {
      element = array.elementType();
      depth++;
    }
    String needs = "model '" + model + "' input '" + input.name() + "' is " + type + " with shape "
        + Arrays.toString(dims) + " per row";
    if (!SparkTypes.accepts(type, element)) {
      throw new IllegalArgumentException("column '" + column + "' holds " + field.dataType().simpleString()
          + ", but " + needs + ", so the column must hold " + SparkTypes.elementType(type).simpleString()
          + (type == DataType.BYTES ? " or binary" : "") + " values" + (depth > 0 ? " in arrays" : "")
          + " (cast it)");
    }
    boolean oneValue = dims.length == 1 && dims[0] == 1;
    boolean depthFits = depth == dims.length || (oneValue && depth == 0);
    if (!depthFits) {
      throw new IllegalArgumentException("column '" + column + "' holds " + field.dataType().simpleString()
          + " (" + depth + " array levels), but " + needs + ", which needs "
          + (oneValue ? "a plain column or arrays of one value" : dims.length + " array levels"));
    }
    return new TensorColumn(column, input.name(), type, dims, depth, model);
  }

  /** Binds an output column: its Spark type follows from the model's output. */
  static TensorColumn output(String column, TensorMetadata output, boolean batching, String model) {
    long[] dims = rowDims(output, batching);
    boolean oneValue = dims.length == 0 || (dims.length == 1 && dims[0] == 1);
    return new TensorColumn(column, output.name(), DataType.parse(output.datatype()), dims,
        oneValue ? 0 : dims.length, model);
  }

  private static long[] rowDims(TensorMetadata metadata, boolean batching) {
    List<Long> shape = metadata.shape();
    List<Long> dims = batching ? shape.subList(1, shape.size()) : shape;
    return dims.stream().mapToLong(Long::longValue).toArray();
  }

  private static StructField field(StructType schema, String column) {
    for (StructField field : schema.fields()) {
      if (field.name().equals(column)) {
        return field;
      }
    }
    throw new IllegalArgumentException(
        "input column '" + column + "' is not in the DataFrame; its columns are " + Arrays.toString(schema.fieldNames()));
  }

  /** The column's Spark type (outputs). */
  org.apache.spark.sql.types.DataType sparkType() {
    return SparkTypes.nested(SparkTypes.elementType(dataType), depth);
  }

  /** The per-row shape of this row's value, checked against the model's dimensions. */
  long[] rowShape(Object value, RowPosition at) {
    if (depth == 0) {
      if (value == null) {
        throw at.error(this, "is null; model '" + model + "' input '" + tensor + "' needs a value (filter or fill nulls first)");
      }
      return rowDims.length == 0 ? new long[0] : new long[] {1};
    }
    long[] shape = new long[depth];
    Object level = value;
    for (int i = 0; i < depth; i++) {
      if (!(level instanceof Seq<?> seq)) {
        throw at.error(this, (i == 0 ? "is null" : "has a null array inside")
            + "; model '" + model + "' input '" + tensor + "' needs a value (filter or fill nulls first)");
      }
      shape[i] = seq.length();
      if (rowDims[i] >= 0 && shape[i] != rowDims[i]) {
        throw at.error(this, "has " + shape[i] + " elements in dimension " + i + ", but model '" + model
            + "' input '" + tensor + "' has shape " + Arrays.toString(rowDims) + " per row");
      }
      level = shape[i] == 0 ? null : seq.apply(0);
      if (shape[i] == 0) {
        for (int j = i + 1; j < depth; j++) {
          shape[j] = Math.max(0, rowDims[j]);
        }
        break;
      }
    }
    return shape;
  }

  /** Writes this row's value, of the given per-row shape, as the tensor's next row. */
  void write(Object value, long[] shape, TensorBytes out, RowPosition at) {
    if (depth == 0) {
      writeElement(value, out, at);
    } else {
      writeLevel(value, 0, shape, out, at);
    }
  }

  private void writeLevel(Object value, int level, long[] shape, TensorBytes out, RowPosition at) {
    if (!(value instanceof Seq<?> seq)) {
      throw at.error(this, "has a null array inside; model '" + model + "' input '" + tensor + "' needs a value");
    }
    if (seq.length() != shape[level]) {
      throw at.error(this, "is ragged: arrays in dimension " + level + " have " + shape[level] + " and "
          + seq.length() + " elements");
    }
    for (int i = 0; i < seq.length(); i++) {
      if (level + 1 == depth) {
        writeElement(seq.apply(i), out, at);
      } else {
        writeLevel(seq.apply(i), level + 1, shape, out, at);
      }
    }
  }

  private void writeElement(Object value, TensorBytes out, RowPosition at) {
    if (value == null) {
      throw at.error(this, "holds a null element; model '" + model + "' input '" + tensor + "' needs a value");
    }
    switch (dataType) {
      case BOOL -> out.put((byte) (((Boolean) value) ? 1 : 0));
      case INT8 -> out.put((Byte) value);
      case UINT8 -> out.put((byte) unsigned(((Short) value).longValue(), 0xFFL, at));
      case INT16 -> out.putShort((Short) value);
      case UINT16 -> out.putShort((short) unsigned(((Integer) value).longValue(), 0xFFFFL, at));
      case INT32 -> out.putInt((Integer) value);
      case UINT32 -> out.putInt((int) unsigned((Long) value, 0xFFFF_FFFFL, at));
      case INT64, UINT64 -> out.putLong((Long) value);
      case FP16 -> out.putShort(Float.floatToFloat16((Float) value));
      case BF16 -> out.putShort(toBfloat16((Float) value));
      case FP32 -> out.putFloat((Float) value);
      case FP64 -> out.putDouble((Double) value);
      case BYTES -> {
        if (value instanceof byte[] bytes) {
          out.putBytesElement(bytes);
        } else {
          out.putString((String) value);
        }
      }
    }
  }

  private long unsigned(long value, long max, RowPosition at) {
    if (value < 0 || value > max) {
      throw at.error(this, "holds " + value + ", out of range for model '" + model + "' input '" + tensor
          + "' of type " + dataType);
    }
    return value;
  }

  private static short toBfloat16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    // Round to nearest even on the dropped half.
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }

  /** Splits an output tensor into the Spark values of its {@code rows} rows. */
  Object[] readRows(Tensor output, int rows, boolean batching, RowPosition first) {
    long[] shape = output.shape();
    long[] perRow = batching ? Arrays.copyOfRange(shape, 1, shape.length) : shape;
    if (batching && (shape.length == 0 || shape[0] != rows)) {
      throw first.outputError(this, "has shape " + Arrays.toString(shape) + " for a request of " + rows + " rows");
    }
    long count = 1;
    for (long d : perRow) {
      count *= d;
    }
    if (depth == 0 ? count != 1 : perRow.length != depth) {
      throw first.outputError(this, "has shape " + Arrays.toString(perRow) + " per row, which does not fit its "
          + "declared shape " + Arrays.toString(rowDims));
    }
    String[] strings = dataType == DataType.BYTES ? output.toStrings() : null;
    ByteBuffer data = output.data();
    Object[] values = new Object[rows];
    for (int r = 0; r < rows; r++) {
      int offset = Math.toIntExact(r * count);
      values[r] = depth == 0 ? element(data, strings, offset) : level(data, strings, perRow, 0, offset);
    }
    return values;
  }

  private Object level(ByteBuffer data, String[] strings, long[] perRow, int level, int offset) {
    int length = Math.toIntExact(perRow[level]);
    if (level + 1 == depth) {
      return leaf(data, strings, offset, length);
    }
    int stride = 1;
    for (int i = level + 1; i < perRow.length; i++) {
      stride = Math.multiplyExact(stride, Math.toIntExact(perRow[i]));
    }
    Object[] children = new Object[length];
    for (int i = 0; i < length; i++) {
      children[i] = level(data, strings, perRow, level + 1, offset + i * stride);
    }
    return children;
  }

  /** A primitive array (or strings) of {@code length} elements from {@code offset}: Spark takes it as an array value. */
  private Object leaf(ByteBuffer data, String[] strings, int offset, int length) {
    switch (dataType) {
      case FP32 -> {
        float[] out = new float[length];
        data.duplicate().order(data.order()).position(offset * 4).asFloatBuffer().get(out);
        return out;
      }
      case FP64 -> {
        double[] out = new double[length];
        data.duplicate().order(data.order()).position(offset * 8).asDoubleBuffer().get(out);
        return out;
      }
      case INT32 -> {
        int[] out = new int[length];
        data.duplicate().order(data.order()).position(offset * 4).asIntBuffer().get(out);
        return out;
      }
      case INT64, UINT64 -> {
        long[] out = new long[length];
        data.duplicate().order(data.order()).position(offset * 8).asLongBuffer().get(out);
        return out;
      }
      case BYTES -> {
        return Arrays.copyOfRange(strings, offset, offset + length);
      }
      default -> {
        Object[] out = new Object[length];
        for (int i = 0; i < length; i++) {
          out[i] = element(data, strings, offset + i);
        }
        return out;
      }
    }
  }

  private Object element(ByteBuffer data, String[] strings, int index) {
    return switch (dataType) {
      case BOOL -> data.get(index) != 0;
      case INT8 -> data.get(index);
      case UINT8 -> (short) (data.get(index) & 0xFF);
      case INT16 -> data.getShort(index * 2);
      case UINT16 -> data.getShort(index * 2) & 0xFFFF;
      case INT32 -> data.getInt(index * 4);
      case UINT32 -> data.getInt(index * 4) & 0xFFFF_FFFFL;
      case INT64, UINT64 -> data.getLong(index * 8);
      case FP16 -> Float.float16ToFloat(data.getShort(index * 2));
      case BF16 -> Float.intBitsToFloat(data.getShort(index * 2) << 16);
      case FP32 -> data.getFloat(index * 4);
      case FP64 -> data.getDouble(index * 8);
      case BYTES -> strings[index];
    };
  }

  /** Where a row is, for messages: the task's partition and the row's index in it. */
  record RowPosition(int partition, long row) {
    NereidException error(TensorColumn column, String problem) {
      return new NereidException.InvalidArgument(
          "column '" + column.column() + "', row " + row + " of partition " + partition + ": the value " + problem);
    }

    NereidException outputError(TensorColumn column, String problem) {
      return new NereidException.Internal("model '" + column.model() + "' output '" + column.tensor() + "' (column '"
          + column.column() + "', rows from " + row + " of partition " + partition + ") " + problem);
    }
  }
}
