package dev.nereid.python;

import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.ModelContext;
import java.nio.file.Files;
import java.util.List;

/**
 * Serves Triton's Python models ({@code backend: "python"}, or a {@code model.py} in the version folder)
 * as Triton's python backend does: each instance runs a Python process (the stub) that imports the
 * model's {@code model.py} and calls its {@code TritonPythonModel}'s {@code initialize}, {@code execute}
 * and {@code finalize}. The module {@code triton_python_backend_utils} the model imports is Nereid's,
 * shipped in this jar.
 *
 * <p>Requests and responses travel over a Unix domain socket; tensors over 64 KiB travel through
 * shared-memory files ({@code /dev/shm}), written once and read by the stub as numpy views. Business
 * logic scripting ({@code pb_utils.InferenceRequest.exec}) calls models through the server's in-process
 * API. A stub that dies fails the requests it was running and is restarted for the next ones.
 *
 * <p>Settings: see {@link PythonSettings} (interpreter, {@code EXECUTION_ENV_PATH}, shared-memory folder).
 */
public final class PythonBackend implements Backend {
  /** The default model file name. */
  public static final String MODEL_FILE = "model.py";

  @Override
  public String name() {
    return "python";
  }

  @Override
  public List<String> modelFileNames() {
    return List.of(MODEL_FILE);
  }

  @Override
  public ModelConfig autoCompleteConfig(ModelContext context) {
    if (!Files.isRegularFile(context.modelFile(MODEL_FILE))) {
      return context.config();
    }
    String completed = Stub.autoComplete(context, ModelConfigs.toJson(context.config()), PythonSettings.of(context));
    return ModelConfigs.parseJson(completed);
  }

  @Override
  public BackendModel load(ModelContext context) {
    if (!Files.isRegularFile(context.modelFile(MODEL_FILE))) {
      throw new dev.nereid.NereidException.Unavailable("model '" + context.name() + "': no Python model file "
          + context.modelFile(MODEL_FILE));
    }
    return new PythonModel(context);
  }
}
