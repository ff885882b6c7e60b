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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes a config from the model's own declarations, as Triton's onnxruntime backend does: only
 * when the config lists no inputs or no outputs; then batching (a variable first dimension on every
 * input and output), the missing inputs and outputs, and an empty {@code dynamic_batching}.
 */
final class OnnxAutoComplete {
  private static final Logger log = LoggerFactory.getLogger(OnnxAutoComplete.class);

  /** Triton's {@code default-max-batch-size} when the backend config does not set it. */
  static final int DEFAULT_MAX_BATCH_SIZE = 4;
  static final String DEFAULT_MAX_BATCH_SIZE_KEY = "default-max-batch-size";
  private static final List<Long> SCALAR_DIMS = List.of(1L);

  private OnnxAutoComplete() {}

  static ModelConfig complete(String model, ModelConfig config, OnnxIo io, Map<String, String> backendConfig) {
    if (config.getInputCount() > 0 && config.getOutputCount() > 0) {
      return config;
    }
    ModelConfig.Builder b = config.toBuilder();
    OnnxTensorSpec notBatchable = firstNotBatchable(io);
    if (notBatchable == null) {
      if (b.getMaxBatchSize() == 0) {
        int size = defaultMaxBatchSize(model, backendConfig);
        b.setMaxBatchSize(size);
        log.info("model '{}': every input and output has a variable first dimension; max_batch_size set to {}",
            model, size);
      }
      if (b.getMaxBatchSize() > 1 && !b.hasDynamicBatching() && !b.hasSequenceBatching()) {
        b.setDynamicBatching(ModelDynamicBatching.getDefaultInstance());
      }
    } else if (b.getMaxBatchSize() > 0) {
      throw new NereidException.InvalidArgument("model '" + model + "': max_batch_size is " + b.getMaxBatchSize()
          + ", but the model does not support batching: " + kindOf(io, notBatchable) + " '" + notBatchable.name()
          + "' has shape " + notBatchable.shape() + ", whose first dimension is not variable (-1)");
    }
    boolean batching = b.getMaxBatchSize() > 0;
    if (config.getInputCount() == 0) {
      for (OnnxTensorSpec spec : io.inputs().values()) {
        ModelInput.Builder input = ModelInput.newBuilder().setName(spec.name())
            .setDataType(protoType(model, "input", spec)).setOptional(spec.optional());
        List<Long> dims = configDims(spec, batching);
        input.addAllDims(dims.isEmpty() ? SCALAR_DIMS : dims);
        if (dims.isEmpty()) input.setReshape(ModelTensorReshape.getDefaultInstance());
        b.addInput(input);
      }
    }
    if (config.getOutputCount() == 0) {
      for (OnnxTensorSpec spec : io.outputs().values()) {
        ModelOutput.Builder output = ModelOutput.newBuilder().setName(spec.name())
            .setDataType(protoType(model, "output", spec));
        List<Long> dims = configDims(spec, batching);
        output.addAllDims(dims.isEmpty() ? SCALAR_DIMS : dims);
        if (dims.isEmpty()) output.setReshape(ModelTensorReshape.getDefaultInstance());
        b.addOutput(output);
      }
    }
    return b.build();
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
