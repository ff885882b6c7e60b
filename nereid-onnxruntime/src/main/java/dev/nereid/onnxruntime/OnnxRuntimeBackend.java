package dev.nereid.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.ModelContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Serves ONNX models with ONNX Runtime, like Triton's onnxruntime backend: {@code backend: "onnxruntime"},
 * {@code platform: "onnxruntime_onnx"}, or a {@code model.onnx} in the version folder (a file, or a
 * folder holding {@code model.onnx} and its external weight files; {@code default_model_filename}
 * names another).
 *
 * <p>All of a model's instances share one ORT session per device and run it concurrently (ORT
 * sessions are thread-safe); measured on MiniLM this beat one session per instance and halves the
 * memory. See {@link OrtSessionSettings} for the config keys read.
 *
 * <p>Memory: an input whose data is a direct buffer (a {@link dev.nereid.Tensor} made from a direct
 * {@code ByteBuffer}, or from Java arrays, which are copied once into a direct buffer when the tensor is
 * made) is handed to ORT in place, without a copy; an input over a heap buffer is copied once into a
 * direct buffer. Each output is copied once, from ORT's memory (freed when the run's result is closed,
 * before {@code execute} returns) into a new direct buffer that the response owns. BYTES tensors cross
 * as ORT string tensors, as UTF-8.
 *
 * <p>Backend config ({@code --backend-config onnxruntime,<key>=<value>}): {@code default-max-batch-size}
 * (4), the {@code max_batch_size} auto-complete gives a model that can batch.
 */
public final class OnnxRuntimeBackend implements Backend {
  /** The default model file name. */
  public static final String MODEL_FILE = "model.onnx";

  @Override
  public String name() {
    return "onnxruntime";
  }

  @Override
  public Set<String> platforms() {
    return Set.of("onnxruntime_onnx");
  }

  @Override
  public List<String> modelFileNames() {
    return List.of(MODEL_FILE);
  }

  @Override
  public ModelConfig autoCompleteConfig(ModelContext context) throws IOException {
    Path file = modelFile(context);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = OrtSessionSettings.forMetadata();
        OrtSession session = env.createSession(file.toString(), options)) {
      OnnxIo io = OnnxIo.of(session, file);
      return OnnxAutoComplete.complete(context.name(), context.config(), io, context.backendConfig());
    } catch (OrtException e) {
      throw OrtErrors.atLoad(context.name(), file, e);
    }
  }

  @Override
  public BackendModel load(ModelContext context) throws IOException {
    return OnnxModel.load(context, modelFile(context));
  }

  /**
   * The ONNX file of a model version: {@code <version>/<default_model_filename or model.onnx>}, or,
   * when that is a folder, the {@code model.onnx} inside it (whose external data lies beside it).
   */
  static Path modelFile(ModelContext context) {
    Path path = context.modelFile(MODEL_FILE);
    return java.nio.file.Files.isDirectory(path) ? path.resolve(MODEL_FILE) : path;
  }
}
