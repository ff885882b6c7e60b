/**
 * The TensorFlow backend ({@code backend: "tensorflow"}, {@code platform: "tensorflow_savedmodel"}), found
 * by the core through {@link java.util.ServiceLoader}; it exports no package.
 */
module dev.nereid.tensorflow {
  requires dev.nereid;
  requires tensorflow;
  requires tensorflow.nativelib;
  requires org.tensorflow.ndarray;
  requires org.bytedeco.javacpp;

  provides dev.nereid.spi.Backend with dev.nereid.tensorflow.TensorFlowBackend;
}
