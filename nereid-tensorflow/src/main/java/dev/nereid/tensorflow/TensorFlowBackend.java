package dev.nereid.tensorflow;

import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.ModelContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.tensorflow.SavedModelBundle;

/**
 * Serves TensorFlow SavedModels with TensorFlow Java, like Triton's TensorFlow backend:
 * {@code platform: "tensorflow_savedmodel"} (or {@code backend: "tensorflow"}), the folder
 * {@code model.savedmodel} in the version folder ({@code default_model_filename} names another).
 *
 * <p>The served signature is {@code serving_default} unless parameter {@code TF_SIGNATURE_DEF} names
 * another; configs name tensors by their signature keys. Auto-complete fills inputs, outputs and
 * {@code max_batch_size} from the signature, as Triton does; a config that disagrees with the signature
 * is refused naming the tensor. See {@link TfSettings} for the parameters read. GraphDef models
 * ({@code tensorflow_graphdef}) are not served.
 *
 * <p>Memory: each input is copied once into a TensorFlow tensor (TensorFlow Java cannot wrap foreign
 * memory), and each output once out of TensorFlow's tensor into direct memory the response owns; BYTES
 * tensors cross as TensorFlow strings, byte for byte.
 */
public final class TensorFlowBackend implements Backend {
  /** The default model folder name. */
  public static final String MODEL_DIRECTORY = "model.savedmodel";

  @Override
  public String name() {
    return "tensorflow";
  }

  @Override
  public Set<String> platforms() {
    return Set.of("tensorflow_savedmodel");
  }

  @Override
  public List<String> modelFileNames() {
    return List.of(MODEL_DIRECTORY);
  }

  @Override
  public ModelConfig autoCompleteConfig(ModelContext context) {
    if (nothingToComplete(context.config())) {
      return context.config(); // spares a SavedModel load: TensorFlow keeps about 35 KB of every load
    }
    TfSettings settings = TfSettings.of(context.name(), context.config());
    try (SavedModelBundle bundle = TfModel.open(context.name(), directory(context), settings)) {
      return TfSignature.of(context.name(), bundle, settings.signatureDef())
          .complete(context.name(), context.config(), context.backendConfig());
    }
  }

  /**
   * Whether auto-complete would change nothing: batching already set, and every input and output
   * listed with its type and dims. (With {@code max_batch_size} 0 the signature may still make it 4.)
   */
  private static boolean nothingToComplete(ModelConfig config) {
    return config.getMaxBatchSize() > 0 && config.getInputCount() > 0 && config.getOutputCount() > 0
        && (config.hasDynamicBatching() || config.hasSequenceBatching() || config.getMaxBatchSize() == 1)
        && config.getInputList().stream().allMatch(i -> i.getDataTypeValue() != 0 && i.getDimsCount() > 0)
        && config.getOutputList().stream().allMatch(o -> o.getDataTypeValue() != 0 && o.getDimsCount() > 0);
  }

  @Override
  public BackendModel load(ModelContext context) {
    return TfModel.load(context, directory(context));
  }

  private static Path directory(ModelContext context) {
    Path dir = context.modelFile(MODEL_DIRECTORY);
    if (!Files.isDirectory(dir)) {
      throw new NereidException.Unavailable("model '" + context.name() + "': no SavedModel folder " + dir);
    }
    return dir;
  }
}
