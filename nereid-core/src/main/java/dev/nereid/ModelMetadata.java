package dev.nereid;

import java.util.List;

/**
 * A model's metadata in the KServe v2 shape: its versions and the name, data type and shape of each
 * input and output, with -1 for the batch dimension of a batching model.
 *
 * @param name the model's name
 * @param versions the loaded versions, as strings (as the protocol has them)
 * @param platform the platform or backend name
 * @param inputs the inputs
 * @param outputs the outputs
 */
public record ModelMetadata(
    String name, List<String> versions, String platform, List<TensorMetadata> inputs, List<TensorMetadata> outputs) {
  public ModelMetadata {
    versions = List.copyOf(versions);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * One input or output.
   *
   * @param name the tensor's name
   * @param datatype the KServe data type name ({@code FP32}, {@code BYTES})
   * @param shape the shape; -1 for a variable dimension
   */
  public record TensorMetadata(String name, String datatype, List<Long> shape) {
    public TensorMetadata {
      shape = List.copyOf(shape);
    }
  }
}
