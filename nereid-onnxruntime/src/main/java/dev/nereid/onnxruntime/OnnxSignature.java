package dev.nereid.onnxruntime;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.internal.tensor.Shapes;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import dev.nereid.spi.SequenceTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A config checked against the ONNX model it serves, and what execution needs from both: which
 * inputs to feed and how to reshape them, which outputs to fetch and how to reshape them back.
 *
 * @param inputs the config's inputs
 * @param outputs the config's outputs
 * @param batching whether tensors carry the batch dimension first ({@code max_batch_size > 0})
 */
record OnnxSignature(List<Input> inputs, List<Output> outputs, boolean batching) {
  private static final Logger log = LoggerFactory.getLogger(OnnxSignature.class);

  /**
   * A config input.
   *
   * @param reshape the shape the model takes, batch dimension excluded, or null to feed as sent
   * @param graphInput false for an optional config input the model does not list (an initializer ORT's
   *     Java API cannot override): requests may only leave it out
   */
  record Input(String name, DataType type, long[] reshape, boolean graphInput) {}

  /**
   * A config output.
   *
   * @param dims the config's dims, used to reshape what the model produces when the config has a reshape;
   *     null to return the output as produced
   */
  record Output(String name, DataType type, long[] dims) {}

  /** Checks {@code config} against the model; throws InvalidArgument naming the model and tensor at fault. */
  static OnnxSignature check(String model, ModelConfig config, OnnxIo io) {
    boolean batching = config.getMaxBatchSize() > 0;
    // Triton counts the inputs first; an optional config input the graph does not list is not one.
    long expectedInputs = config.getInputList().stream()
        .filter(in -> !in.getOptional() || io.inputs().containsKey(in.getName())).count()
        + SequenceTensors.inputs(config).size();
    if (expectedInputs > io.inputs().size()) {
      throw new NereidException.InvalidArgument("unable to load model '" + model + "', configuration expects "
          + expectedInputs + " inputs, model provides " + io.inputs().size() + " (" + String.join(", ",
          io.inputs().keySet()) + ")");
    }
    List<Input> inputs = new ArrayList<>();
    for (ModelInput in : config.getInputList()) {
      DataType type = DataType.fromConfigNumber(in.getDataTypeValue());
      long[] dims = longs(in.getDimsList());
      long[] reshape = in.hasReshape() ? longs(in.getReshape().getShapeList()) : null;
      OnnxTensorSpec spec = io.inputs().get(in.getName());
      if (spec == null) {
        if (!in.getOptional()) {
          throw invalid(model, "unexpected inference input '" + in.getName() + "', allowed inputs are: "
              + String.join(", ", io.inputs().keySet()) + " (config input '" + in.getName()
              + "' is not an input of the ONNX model)");
        }
        log.warn("model '{}': optional input '{}' is not a graph input of the ONNX model (an initializer?); ONNX "
            + "Runtime's Java API cannot override it, so requests that carry it are refused", model, in.getName());
        inputs.add(new Input(in.getName(), type, reshape, false));
        continue;
      }
      if (in.getOptional() && !spec.optional()) {
        throw invalid(model, "input '" + in.getName() + "' is optional in the config, but the ONNX model requires it");
      }
      checkTensor(model, "input", in.getName(), type, reshape != null ? reshape : dims, batching, spec);
      inputs.add(new Input(in.getName(), type, reshape, true));
    }
    Set<String> declared = config.getInputList().stream().map(ModelInput::getName).collect(Collectors.toSet());
    // Inputs the sequence batcher adds to every request: control tensors and implicit state.
    for (SequenceTensors.Tensor extra : SequenceTensors.inputs(config)) {
      OnnxTensorSpec spec = io.inputs().get(extra.name());
      if (spec == null) {
        throw invalid(model, "sequence_batching names input '" + extra.name() + "', which is not an input of the ONNX "
            + "model; its inputs are " + io.inputs().keySet());
      }
      if (spec.type() != extra.type()) {
        throw invalid(model, "sequence_batching input '" + extra.name() + "' is " + extra.type().configName()
            + " in the config, but the ONNX model declares " + spec.typeName());
      }
      inputs.add(new Input(extra.name(), extra.type(), null, true));
      declared.add(extra.name());
    }
    for (OnnxTensorSpec spec : io.inputs().values()) {
      if (!spec.optional() && !declared.contains(spec.name())) {
        throw invalid(model, "the ONNX model needs input '" + spec.name() + "' (" + spec.typeName() + " "
            + spec.shape() + "), which the config does not declare");
      }
    }
    List<Output> outputs = new ArrayList<>();
    for (ModelOutput out : config.getOutputList()) {
      DataType type = DataType.fromConfigNumber(out.getDataTypeValue());
      long[] dims = longs(out.getDimsList());
      OnnxTensorSpec spec = io.outputs().get(out.getName());
      if (spec == null) {
        throw invalid(model, "unexpected inference output '" + out.getName() + "', allowed outputs are: "
            + String.join(", ", io.outputs().keySet()) + " (config output '" + out.getName()
            + "' is not an output of the ONNX model)");
      }
      long[] modelDims = out.hasReshape() ? longs(out.getReshape().getShapeList()) : dims;
      checkTensor(model, "output", out.getName(), type, modelDims, batching, spec);
      outputs.add(new Output(out.getName(), type, out.hasReshape() ? dims : null));
    }
    for (SequenceTensors.Tensor state : SequenceTensors.outputs(config)) {
      if (!io.outputs().containsKey(state.name())) {
        throw invalid(model, "sequence_batching state output '" + state.name() + "' is not an output of the ONNX "
            + "model; its outputs are " + io.outputs().keySet());
      }
      outputs.add(new Output(state.name(), state.type(), null));
    }
    return new OnnxSignature(List.copyOf(inputs), List.copyOf(outputs), batching);
  }

  private static void checkTensor(String model, String kind, String name, DataType configType, long[] configDims,
      boolean batching, OnnxTensorSpec spec) {
    if (spec.type() == null) {
      throw new NereidException.Unsupported("model '" + model + "': " + kind + " '" + name + "' has ONNX type "
          + spec.typeName() + ", which Nereid cannot serve");
    }
    // Triton's wording (its onnxruntime backend's), which its L0_model_config cases check; the
    // missing quote after the model name is Triton's.
    if (spec.type() != configType) {
      throw new NereidException.InvalidArgument("unable to load model '" + model + ", unexpected datatype "
          + spec.type().configName() + " for " + kind + " '" + name + "', expecting " + configType.configName());
    }
    long[] actual = spec.dims();
    if (batching && !spec.hasVariableFirstDim()) {
      throw new NereidException.InvalidArgument("unable to load model '" + model + "', model configuration supports "
          + "batching but first dimension of tensor '" + name + "' expected by framework is not a variable-size "
          + "batch dimension: " + spec.shape() + " whereas model configuration shape is: " + Shapes.format(configDims));
    }
    long[] framework = batching ? Arrays.copyOfRange(actual, 1, actual.length) : actual;
    boolean agrees = framework.length == configDims.length;
    for (int i = 0; agrees && i < configDims.length; i++) {
      agrees = configDims[i] == -1 || framework[i] == -1 || configDims[i] == framework[i];
    }
    if (!agrees) {
      throw new NereidException.InvalidArgument("unable to load model '" + model + "', tensor '" + name
          + "' shape expected by framework " + Shapes.format(framework) + " doesn't match model configuration shape "
          + Shapes.format(configDims) + " (" + kind + (batching ? ", batch dimension not counted" : "") + ")");
    }
  }

  private static long[] longs(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).toArray();
  }

  private static NereidException invalid(String model, String message) {
    return new NereidException.InvalidArgument("model '" + model + "': " + message);
  }
}
