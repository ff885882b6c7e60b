package dev.nereid.onnxruntime;

import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelDynamicBatching;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import dev.nereid.proto.ModelTensorReshape;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes a config from the model's own declarations, as Triton's onnxruntime backend does: when
 * the config lists no inputs or no outputs, batching (a variable first dimension on every input and
 * output, then an empty {@code dynamic_batching}) and the missing inputs and outputs; always, the
 * data_type and dims of the tensors the config names without them.
 */
final class OnnxAutoComplete {
  private static final Logger log = LoggerFactory.getLogger(OnnxAutoComplete.class);

  /** Triton's {@code default-max-batch-size} when the backend config does not set it. */
  static final int DEFAULT_MAX_BATCH_SIZE = 4;
  static final String DEFAULT_MAX_BATCH_SIZE_KEY = "default-max-batch-size";
  private static final List<Long> SCALAR_DIMS = List.of(1L);

  private OnnxAutoComplete() {}

  static ModelConfig complete(String model, ModelConfig config, OnnxIo io, Map<String, String> backendConfig) {
    ModelConfig.Builder b = config.toBuilder();
    boolean listsAll = config.getInputCount() > 0 && config.getOutputCount() > 0;
    if (!listsAll) {
      completeBatching(model, b, io, backendConfig);
    }
    boolean batching = b.getMaxBatchSize() > 0;
    // Tensors the config names but leaves without a data_type or dims get the model's (Triton's
    // incomplete_input / incomplete_output cases); empty dims on a scalar are the config's own choice
    // and stay. A kind the config does not list at all gets every tensor of the model.
    for (ModelInput.Builder input : b.getInputBuilderList()) {
      OnnxTensorSpec spec = io.inputs().get(input.getName());
      if (spec == null) continue;
      if (input.getDataTypeValue() == 0) input.setDataType(protoType(model, "input", spec));
      if (input.getDimsCount() == 0 && !configDims(spec, batching).isEmpty()) input.addAllDims(configDims(spec, batching));
    }
    for (ModelOutput.Builder output : b.getOutputBuilderList()) {
      OnnxTensorSpec spec = io.outputs().get(output.getName());
      if (spec == null) continue;
      if (output.getDataTypeValue() == 0) output.setDataType(protoType(model, "output", spec));
      if (output.getDimsCount() == 0 && !configDims(spec, batching).isEmpty()) {
        output.addAllDims(configDims(spec, batching));
      }
    }
    if (config.getInputCount() == 0) {
      for (OnnxTensorSpec spec : io.inputs().values()) {
        ModelInput.Builder input = ModelInput.newBuilder().setName(spec.name())
            .setDataType(protoType(model, "input", spec)).setOptional(spec.optional());
        setDims(input::addAllDims, input::setReshape, spec, batching);
        b.addInput(input);
      }
    }
    if (config.getOutputCount() == 0) {
      for (OnnxTensorSpec spec : io.outputs().values()) {
        ModelOutput.Builder output = ModelOutput.newBuilder().setName(spec.name())
            .setDataType(protoType(model, "output", spec));
        setDims(output::addAllDims, output::setReshape, spec, batching);
        b.addOutput(output);
      }
    }
    return b.build();
  }

  /**
   * Batching as Triton's backend completes it: a model whose every tensor has a variable first
   * dimension gets the default max_batch_size and, when that is what set it, dynamic batching; a
   * max_batch_size the config sets for a model that cannot batch is refused.
   */
  private static void completeBatching(String model, ModelConfig.Builder b, OnnxIo io,
      Map<String, String> backendConfig) {
    OnnxTensorSpec notBatchable = firstNotBatchable(io);
    if (notBatchable == null) {
      if (b.getMaxBatchSize() == 0) {
        int size = defaultMaxBatchSize(model, backendConfig);
        b.setMaxBatchSize(size);
        log.info("model '{}': every input and output has a variable first dimension; max_batch_size set to {}",
            model, size);
        if (size > 1 && !b.hasDynamicBatching() && !b.hasSequenceBatching()) {
          b.setDynamicBatching(ModelDynamicBatching.getDefaultInstance());
        }
      }
    } else if (b.getMaxBatchSize() > 0) {
      // Triton's wording (its onnxruntime backend's), then which tensor stops the model from batching.
      throw new NereidException.InvalidArgument("autofill failed for model '" + model + "': model does not support "
          + "batching while non-zero max_batch_size is specified (max_batch_size is " + b.getMaxBatchSize() + "; "
          + kindOf(io, notBatchable) + " '" + notBatchable.name() + "' has shape " + notBatchable.shape()
          + ", whose first dimension is not variable (-1))");
    }
  }

  /** Sets the model's dims (a scalar as {@code [1]} with an empty reshape, as Triton does). */
  private static void setDims(Consumer<List<Long>> dimsSetter,
      Consumer<ModelTensorReshape> reshapeSetter, OnnxTensorSpec spec, boolean batching) {
    List<Long> dims = configDims(spec, batching);
    dimsSetter.accept(dims.isEmpty() ? SCALAR_DIMS : dims);
    if (dims.isEmpty()) reshapeSetter.accept(ModelTensorReshape.getDefaultInstance());
  }

  private static OnnxTensorSpec firstNotBatchable(OnnxIo io) {
    for (OnnxTensorSpec spec : io.inputs().values()) {
      if (!spec.hasVariableFirstDim()) return spec;
    }
    for (OnnxTensorSpec spec : io.outputs().values()) {
      if (!spec.hasVariableFirstDim()) return spec;
    }
    return null;
  }

  private static String kindOf(OnnxIo io, OnnxTensorSpec spec) {
    return io.inputs().get(spec.name()) == spec ? "input" : "output";
  }

  private static int defaultMaxBatchSize(String model, Map<String, String> backendConfig) {
    String configured = backendConfig.get(DEFAULT_MAX_BATCH_SIZE_KEY);
    if (configured == null) {
      return DEFAULT_MAX_BATCH_SIZE;
    }
    try {
      return Math.max(0, Integer.parseInt(configured.trim()));
    } catch (NumberFormatException e) {
      throw new NereidException.InvalidArgument("model '" + model + "': backend config onnxruntime,"
          + DEFAULT_MAX_BATCH_SIZE_KEY + " must be an integer, got '" + configured + "'");
    }
  }

  /**
   * The model's dims without the batch dimension; empty for a scalar, which the config declares as
   * {@code [1]} with an empty reshape, as Triton does.
   */
  private static List<Long> configDims(OnnxTensorSpec spec, boolean batching) {
    long[] dims = spec.dims();
    return Arrays.stream(dims, batching ? 1 : 0, dims.length).boxed().toList();
  }

  private static dev.nereid.proto.DataType protoType(String model, String kind, OnnxTensorSpec spec) {
    if (spec.type() == null) {
      throw new NereidException.Unsupported("model '" + model + "': " + kind + " '" + spec.name() + "' has ONNX type "
          + spec.typeName() + ", which Nereid cannot serve");
    }
    return dev.nereid.proto.DataType.forNumber(spec.type().configNumber());
  }
}
