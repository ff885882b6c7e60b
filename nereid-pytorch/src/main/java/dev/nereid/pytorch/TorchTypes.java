package dev.nereid.pytorch;

import dev.nereid.DataType;

/** Nereid's data types and DJL's names for libtorch's scalar types. */
final class TorchTypes {
  private TorchTypes() {}

  /** The libtorch type of a Nereid type, or null when libtorch has none Triton maps (unsigned 16-64 bit, BYTES). */
  static ai.djl.ndarray.types.DataType toTorch(DataType type) {
    return switch (type) {
      case BOOL -> ai.djl.ndarray.types.DataType.BOOLEAN;
      case UINT8 -> ai.djl.ndarray.types.DataType.UINT8;
      case INT8 -> ai.djl.ndarray.types.DataType.INT8;
      case INT16 -> ai.djl.ndarray.types.DataType.INT16;
      case INT32 -> ai.djl.ndarray.types.DataType.INT32;
      case INT64 -> ai.djl.ndarray.types.DataType.INT64;
      case FP16 -> ai.djl.ndarray.types.DataType.FLOAT16;
      case BF16 -> ai.djl.ndarray.types.DataType.BFLOAT16;
      case FP32 -> ai.djl.ndarray.types.DataType.FLOAT32;
      case FP64 -> ai.djl.ndarray.types.DataType.FLOAT64;
      case UINT16, UINT32, UINT64, BYTES -> null;
    };
  }

  /** The Nereid type of a libtorch tensor's type, or null for one Nereid has no type for (complex). */
  static DataType fromTorch(ai.djl.ndarray.types.DataType type) {
    return switch (type) {
      case BOOLEAN -> DataType.BOOL;
      case UINT8 -> DataType.UINT8;
      case INT8 -> DataType.INT8;
      case INT16 -> DataType.INT16;
      case INT32 -> DataType.INT32;
      case INT64 -> DataType.INT64;
      case FLOAT16 -> DataType.FP16;
      case BFLOAT16 -> DataType.BF16;
      case FLOAT32 -> DataType.FP32;
      case FLOAT64 -> DataType.FP64;
      case UINT16 -> DataType.UINT16;
      case UINT32 -> DataType.UINT32;
      case UINT64 -> DataType.UINT64;
      default -> null;
    };
  }
}
