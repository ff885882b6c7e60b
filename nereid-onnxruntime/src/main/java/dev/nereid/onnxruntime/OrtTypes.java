package dev.nereid.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import dev.nereid.DataType;

/** How Nereid's data types line up with ONNX Runtime's element types. */
final class OrtTypes {
  private OrtTypes() {}

  /** The Nereid type of an ONNX element type, or null for types Nereid cannot carry (complex, 4-bit, FP8). */
  static DataType toNereid(OnnxTensorType type) {
    return switch (type) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DataType.BOOL;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DataType.UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DataType.UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DataType.UINT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DataType.UINT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DataType.INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DataType.INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DataType.INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DataType.INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DataType.FP16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DataType.FP32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DataType.FP64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DataType.BYTES;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> DataType.BF16;
      default -> null;
    };
  }

  /**
   * The Nereid type of an element type number as {@code onnx.proto} writes it ({@code TensorProto.DataType}),
   * or null.
   */
  static DataType fromOnnxProto(int elemType) {
    return switch (elemType) {
      case 1 -> DataType.FP32;
      case 2 -> DataType.UINT8;
      case 3 -> DataType.INT8;
      case 4 -> DataType.UINT16;
      case 5 -> DataType.INT16;
      case 6 -> DataType.INT32;
      case 7 -> DataType.INT64;
      case 8 -> DataType.BYTES;
      case 9 -> DataType.BOOL;
      case 10 -> DataType.FP16;
      case 11 -> DataType.FP64;
      case 12 -> DataType.UINT32;
      case 13 -> DataType.UINT64;
      case 16 -> DataType.BF16;
      default -> null;
    };
  }

  /**
   * The Java carrier type ORT's public tensor factories take for a Nereid type, or null for the
   * unsigned 16/32/64-bit types, which the public API cannot create (see {@link OrtInternals}).
   */
  static OnnxJavaType javaType(DataType type) {
    return switch (type) {
      case BOOL -> OnnxJavaType.BOOL;
      case UINT8 -> OnnxJavaType.UINT8;
      case INT8 -> OnnxJavaType.INT8;
      case INT16 -> OnnxJavaType.INT16;
      case INT32 -> OnnxJavaType.INT32;
      case INT64 -> OnnxJavaType.INT64;
      case FP16 -> OnnxJavaType.FLOAT16;
      case BF16 -> OnnxJavaType.BFLOAT16;
      case FP32 -> OnnxJavaType.FLOAT;
      case FP64 -> OnnxJavaType.DOUBLE;
      case BYTES -> OnnxJavaType.STRING;
      case UINT16, UINT32, UINT64 -> null;
    };
  }

  /** The ORT element type of an unsigned type the public API cannot create. */
  static OnnxTensorType unsignedTensorType(DataType type) {
    return switch (type) {
      case UINT16 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16;
      case UINT32 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32;
      case UINT64 -> OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64;
      default -> throw new IllegalArgumentException(type + " is created through the public API");
    };
  }

  /** The signed carrier ORT's Java side uses for an unsigned type of the same width. */
  static OnnxJavaType signedCarrier(DataType type) {
    return switch (type) {
      case UINT16 -> OnnxJavaType.INT16;
      case UINT32 -> OnnxJavaType.INT32;
      case UINT64 -> OnnxJavaType.INT64;
      default -> throw new IllegalArgumentException(type + " is not an unsigned wide type");
    };
  }
}
