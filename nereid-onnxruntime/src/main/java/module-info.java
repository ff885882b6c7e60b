/**
 * The ONNX Runtime backend ({@code backend: "onnxruntime"}, {@code platform: "onnxruntime_onnx"}), found by
 * the core through {@link java.util.ServiceLoader}; it exports no package. It reads the core's
 * {@code internal.tensor} (shape arithmetic and Triton's shape format), which the core exports to it by name.
 */
module dev.nereid.onnxruntime {
  requires dev.nereid;
  requires com.microsoft.onnxruntime;

  provides dev.nereid.spi.Backend with dev.nereid.onnxruntime.OnnxRuntimeBackend;
}
