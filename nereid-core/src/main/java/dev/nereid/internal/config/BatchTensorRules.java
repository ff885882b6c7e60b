package dev.nereid.internal.config;

import dev.nereid.NereidException;
import dev.nereid.proto.BatchInput;
import dev.nereid.proto.BatchOutput;
import dev.nereid.proto.DataType;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Triton's rules for {@code batch_input} and {@code batch_output}: each kind takes exactly one source
 * input, sources are inputs of the model, batch outputs target the model's outputs, each at most once.
 * Messages keep Triton's wording after the model's name.
 */
final class BatchTensorRules {
  private BatchTensorRules() {}

  static void check(String model, ModelConfig config) {
    Set<String> inputs = config.getInputList().stream().map(ModelInput::getName).collect(Collectors.toSet());
    Set<String> outputs = config.getOutputList().stream().map(ModelOutput::getName).collect(Collectors.toSet());
    for (BatchInput batchInput : config.getBatchInputList()) {
      String where = "model '" + model + "': batch_input " + batchInput.getTargetNameList() + ": ";
      if (batchInput.getKind() == BatchInput.Kind.UNRECOGNIZED) {
        throw invalid(where + "unknown batch input kind");
      }
      if (batchInput.getSourceInputCount() != 1) {
        throw invalid(where + "batch input kind '" + batchInput.getKind().name() + "' expects 1 source input, got "
            + batchInput.getSourceInputCount());
      }
      if (batchInput.getTargetNameCount() == 0) {
        throw invalid(where + "batch input must have a target_name");
      }
      if (batchInput.getDataType() != DataType.TYPE_INT32 && batchInput.getDataType() != DataType.TYPE_FP32) {
        throw invalid(where + "batch input data type must be TYPE_INT32 or TYPE_FP32, got "
            + batchInput.getDataType().name());
      }
      for (String source : batchInput.getSourceInputList()) {
        if (!inputs.contains(source)) {
          throw invalid(where + "unknown source input name '" + source + "'");
        }
      }
    }
    for (BatchOutput batchOutput : config.getBatchOutputList()) {
      String where = "model '" + model + "': batch_output " + batchOutput.getTargetNameList() + ": ";
      if (batchOutput.getKind() == BatchOutput.Kind.UNRECOGNIZED) {
        throw invalid(where + "unknown batch output kind");
      }
      if (batchOutput.getSourceInputCount() != 1) {
        throw invalid(where + "batch output kind '" + batchOutput.getKind().name() + "' expects 1 source input, got "
            + batchOutput.getSourceInputCount());
      }
      for (String source : batchOutput.getSourceInputList()) {
        if (!inputs.contains(source)) {
          throw invalid(where + "unknown source input name '" + source + "'");
        }
      }
      Set<String> targets = new HashSet<>();
      for (String target : batchOutput.getTargetNameList()) {
        if (!outputs.contains(target)) {
          throw invalid(where + "unknown target output name '" + target + "'");
        }
        if (!targets.add(target)) {
          throw invalid(where + "target output name '" + target + "' can only be specified once");
        }
      }
    }
  }

  private static NereidException invalid(String message) {
    return new NereidException.InvalidArgument(message);
  }
}
