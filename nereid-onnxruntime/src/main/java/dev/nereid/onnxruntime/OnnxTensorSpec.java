package dev.nereid.onnxruntime;

import dev.nereid.DataType;
import dev.nereid.internal.tensor.Shapes;

/**
 * One input or output as the ONNX model declares it.
 *
 * @param name the tensor's name
 * @param type its element type, or null when Nereid cannot carry it (a sequence, a map, a complex type)
 * @param typeName the ONNX type as words, for messages
 * @param dims the dimensions, -1 where variable (named or unknown)
 * @param optional whether the input has ONNX's optional type, so a request may leave it out
 */
record OnnxTensorSpec(String name, DataType type, String typeName, long[] dims, boolean optional) {
  /** The dims as Triton prints them: {@code [-1,16]}. */
  String shape() {
    return Shapes.format(dims);
  }

  /** Whether the first dimension is variable, as batching needs. */
  boolean hasVariableFirstDim() {
    return dims.length > 0 && dims[0] == -1;
  }
}
