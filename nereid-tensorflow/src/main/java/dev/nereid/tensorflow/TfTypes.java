package dev.nereid.tensorflow;

import dev.nereid.DataType;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint16;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/** Nereid's data types, TensorFlow's ({@code DT_FLOAT}) and TensorFlow Java's tensor classes. */
final class TfTypes {
  private TfTypes() {}

  /** The Nereid type of a TensorFlow dtype, or null for one Triton has no type for (complex, resource). */
  static DataType fromTf(org.tensorflow.proto.DataType type) {
    return switch (type) {
      case DT_BOOL -> DataType.BOOL;
      case DT_UINT8 -> DataType.UINT8;
      case DT_UINT16 -> DataType.UINT16;
      case DT_UINT32 -> DataType.UINT32;
      case DT_UINT64 -> DataType.UINT64;
      case DT_INT8 -> DataType.INT8;
      case DT_INT16 -> DataType.INT16;
      case DT_INT32 -> DataType.INT32;
      case DT_INT64 -> DataType.INT64;
      case DT_HALF -> DataType.FP16;
      case DT_BFLOAT16 -> DataType.BF16;
      case DT_FLOAT -> DataType.FP32;
      case DT_DOUBLE -> DataType.FP64;
      case DT_STRING -> DataType.BYTES;
      default -> null;
    };
  }

  /**
   * TensorFlow Java's tensor class for a type, or null where TensorFlow Java 1.1 has none (INT8, INT16,
   * UINT32, UINT64: TensorFlow has the types, its Java API cannot make such tensors; see {@link #carrier}).
   */
  static Class<? extends TType> tensorClass(DataType type) {
    return switch (type) {
      case BOOL -> TBool.class;
      case UINT8 -> TUint8.class;
      case UINT16 -> TUint16.class;
      case INT32 -> TInt32.class;
      case INT64 -> TInt64.class;
      case FP16 -> TFloat16.class;
      case BF16 -> TBfloat16.class;
      case FP32 -> TFloat32.class;
      case FP64 -> TFloat64.class;
      case BYTES -> TString.class;
      case INT8, INT16, UINT32, UINT64 -> null;
    };
  }

  /**
   * The type of the same byte size whose tensors carry a type TensorFlow Java cannot make (INT8 in
   * UINT8, INT16 in UINT16, UINT32 in INT32, UINT64 in INT64); the type itself for every other type. A
   * {@code Bitcast} op in the graph turns one into the other bit for bit, without a copy of its own.
   */
  static DataType carrier(DataType type) {
    return switch (type) {
      case INT8 -> DataType.UINT8;
      case INT16 -> DataType.UINT16;
      case UINT32 -> DataType.INT32;
      case UINT64 -> DataType.INT64;
      default -> type;
    };
  }

  /** Whether tensors of this type cross TensorFlow Java as their {@link #carrier}. */
  static boolean carried(DataType type) {
    return carrier(type) != type;
  }

  /** TensorFlow's dtype for a Nereid type. */
  static org.tensorflow.proto.DataType toTf(DataType type) {
    return switch (type) {
      case BOOL -> org.tensorflow.proto.DataType.DT_BOOL;
      case UINT8 -> org.tensorflow.proto.DataType.DT_UINT8;
      case UINT16 -> org.tensorflow.proto.DataType.DT_UINT16;
      case UINT32 -> org.tensorflow.proto.DataType.DT_UINT32;
      case UINT64 -> org.tensorflow.proto.DataType.DT_UINT64;
      case INT8 -> org.tensorflow.proto.DataType.DT_INT8;
      case INT16 -> org.tensorflow.proto.DataType.DT_INT16;
      case INT32 -> org.tensorflow.proto.DataType.DT_INT32;
      case INT64 -> org.tensorflow.proto.DataType.DT_INT64;
      case FP16 -> org.tensorflow.proto.DataType.DT_HALF;
      case BF16 -> org.tensorflow.proto.DataType.DT_BFLOAT16;
      case FP32 -> org.tensorflow.proto.DataType.DT_FLOAT;
      case FP64 -> org.tensorflow.proto.DataType.DT_DOUBLE;
      case BYTES -> org.tensorflow.proto.DataType.DT_STRING;
    };
  }
}
