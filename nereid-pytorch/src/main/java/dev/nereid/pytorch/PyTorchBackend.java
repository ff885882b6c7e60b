package dev.nereid.pytorch;

import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.ModelContext;
import java.util.List;
import java.util.Set;

/**
 * Serves TorchScript models with libtorch, like Triton's PyTorch backend: {@code backend: "pytorch"},
 * {@code platform: "pytorch_libtorch"}, or a {@code model.pt} in the version folder
 * ({@code default_model_filename} names another file).
 *
 * <p>Inputs and outputs follow Triton's naming rules (see {@link TorchIo}): {@code forward()}'s argument
 * names, {@code INPUT__0}-style indexes, or config order; tuple, list and dict results; BYTES inputs and
 * outputs as {@code List[str]}. Like Triton's backend, this one does not auto-complete configs: a
 * PyTorch model's config lists its inputs and outputs.
 *
 * <p>Each instance loads its own copy of the module (Triton's default), or all share one with
 * {@code ENABLE_WEIGHT_SHARING}; see {@link TorchSettings} for the parameters read.
 *
 * <p>Memory: inputs in direct buffers are handed to libtorch in place ({@code from_blob}), heap inputs are
 * copied once into direct memory; each output is copied once from libtorch's memory into direct memory
 * the response owns, and libtorch's tensor is freed before {@code execute} returns.
 */
public final class PyTorchBackend implements Backend {
  /** The default model file name. */
  public static final String MODEL_FILE = "model.pt";

  @Override
  public String name() {
    return "pytorch";
  }

  @Override
  public Set<String> platforms() {
    return Set.of("pytorch_libtorch");
  }

  @Override
  public List<String> modelFileNames() {
    return List.of(MODEL_FILE);
  }

  @Override
  public BackendModel load(ModelContext context) {
    return TorchModel.load(context, context.modelFile(MODEL_FILE));
  }
}
