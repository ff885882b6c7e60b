package dev.nereid.spark;

import dev.nereid.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * How tensor element types meet Spark SQL types. Unsigned types widen to the next signed Spark type
 * (UINT64 keeps its 64 bits in a {@code long}, as Spark has no unsigned long); FP16 and BF16 are
 * {@code float} columns, converted on the way in and out; BYTES are strings (UTF-8), or binary on input.
 */
final class SparkTypes {
  private SparkTypes() {}

  /** The Spark type of one element of a tensor of this type, as outputs are written. */
  static org.apache.spark.sql.types.DataType elementType(DataType type) {
    return switch (type) {
      case BOOL -> DataTypes.BooleanType;
      case INT8 -> DataTypes.ByteType;
      case INT16, UINT8 -> DataTypes.ShortType;
      case INT32, UINT16 -> DataTypes.IntegerType;
      case INT64, UINT32, UINT64 -> DataTypes.LongType;
      case FP16, BF16, FP32 -> DataTypes.FloatType;
      case FP64 -> DataTypes.DoubleType;
      case BYTES -> DataTypes.StringType;
    };
  }

  /** Whether a column whose elements have this Spark type can feed a tensor of this type. */
  static boolean accepts(DataType type, org.apache.spark.sql.types.DataType sparkType) {
    if (type == DataType.BYTES && sparkType.equals(DataTypes.BinaryType)) {
      return true;
    }
    return elementType(type).equals(sparkType);
  }

  /** The Spark type with {@code depth} levels of arrays (no null elements) around {@code element}. */
  static org.apache.spark.sql.types.DataType nested(org.apache.spark.sql.types.DataType element, int depth) {
    org.apache.spark.sql.types.DataType result = element;
    for (int i = 0; i < depth; i++) {
      result = DataTypes.createArrayType(result, false);
    }
    return result;
  }
}
