package dev.nereid.tensorflow;

import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.ModelContext;
import java.util.List;
import java.util.Set;
import org.tensorflow.SavedModelBundle;

/**
 * Serves TensorFlow models with TensorFlow Java, like Triton's TensorFlow backend:
 * {@code platform: "tensorflow_savedmodel"}, the folder {@code model.savedmodel} in the version folder,
 * and {@code platform: "tensorflow_graphdef"}, the frozen GraphDef file {@code model.graphdef}
 * ({@code default_model_filename} names another; with {@code backend: "tensorflow"} alone the file
 * present decides).
 *
 * <p>A SavedModel's served signature is {@code serving_default} unless parameter
 * {@code TF_SIGNATURE_DEF} names another; configs name tensors by their signature keys. Auto-complete
 * fills inputs, outputs and {@code max_batch_size} from the signature, as Triton does. A GraphDef's
 * inputs are its placeholders and its outputs any node, named by node ({@code y} is {@code y:0}); as in
 * Triton, its config is not auto-completed. A config that disagrees with the model is refused naming
 * the tensor. See {@link TfSettings} for the parameters read.
 *
 * <p>Memory: each input is copied once into a TensorFlow tensor (TensorFlow Java cannot wrap foreign
 * memory), and each output once out of TensorFlow's tensor into direct memory the response owns; BYTES
 * tensors cross as TensorFlow strings, byte for byte.
 */
public final class TensorFlowBackend implements Backend {
  /** The default SavedModel folder name. */
  public static final String MODEL_DIRECTORY = "model.savedmodel";
  /** The default GraphDef file name. */
  public static final String GRAPHDEF_FILE = "model.graphdef";

  @Override
  public String name() {
    return "tensorflow";
  }

  @Override
  public Set<String> platforms() {
    return Set.of(TfFormat.SAVED_MODEL.platform(), TfFormat.GRAPH_DEF.platform());
  }

  @Override
  public List<String> modelFileNames() {
    return List.of(MODEL_DIRECTORY, GRAPHDEF_FILE);
  }

  @Override
  public ModelConfig autoCompleteConfig(ModelContext context) {
    if (TfFormat.of(context) == TfFormat.GRAPH_DEF || nothingToComplete(context.config())) {
      // Triton completes no GraphDef; and a complete config spares a SavedModel load (TensorFlow keeps
      // about 35 KB of every load).
      return context.config();
    }
    TfSettings settings = TfSettings.of(context.name(), context.config());
    try (SavedModelBundle bundle = TfModel.open(context.name(), TfFormat.SAVED_MODEL.file(context), settings)) {
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
    TfFormat format = TfFormat.of(context);
    return TfModel.load(context, format, format.file(context));
  }
}
