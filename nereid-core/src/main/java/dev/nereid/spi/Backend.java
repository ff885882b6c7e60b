package dev.nereid.spi;

import dev.nereid.proto.ModelConfig;
import java.util.List;
import java.util.Set;

/** A kind of model Nereid can serve, found with {@link java.util.ServiceLoader}. */
public interface Backend {
  /** The name a config's {@code backend} field uses for this backend, e.g. {@code "onnxruntime"}. */
  String name();

  /** The config {@code platform} values this backend serves, e.g. {@code "onnxruntime_onnx"}. */
  default Set<String> platforms() {
    return Set.of();
  }

  /**
   * The file names whose presence in a version folder identifies this backend when a config names
   * neither backend nor platform (e.g. {@code model.onnx}); the first is the default model file.
   */
  default List<String> modelFileNames() {
    return List.of();
  }

  /**
   * Fills what a config leaves out (inputs, outputs, batching) from the model itself. Called only
   * when strict model config is off; returns the completed config, or the given one unchanged.
   */
  default ModelConfig autoCompleteConfig(ModelContext context) throws Exception {
    return context.config();
  }

  /** Loads one version of a model. Failures leave the version UNAVAILABLE with the message as reason. */
  BackendModel load(ModelContext context) throws Exception;
}
