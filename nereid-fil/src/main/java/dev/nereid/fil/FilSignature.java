package dev.nereid.fil;

import dev.nereid.NereidException;
import dev.nereid.proto.DataType;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import java.util.List;

/**
 * The tensors a FIL model has: {@code input__0} FP32 {@code [features]} and {@code output__0} FP32
 * {@code [width]} per row. Checks a config against the loaded model, and fills a config that leaves them out.
 */
final class FilSignature {
  static final String INPUT = "input__0";
  static final String OUTPUT = "output__0";

  private FilSignature() {}

  /** Fails with the config's mistake when its tensors do not fit the model. */
  static void check(String name, ModelConfig config, TreeModel model, OutputKind kind) {
    ModelInput input = config.getInputList().stream().filter(i -> i.getName().equals(INPUT)).findFirst()
        .orElseThrow(() -> new NereidException.InvalidArgument("model '" + name + "': the fil backend reads input '"
            + INPUT + "', which the config does not declare (it declares " + names(config.getInputList().stream()
                .map(ModelInput::getName).toList()) + ")"));
    if (config.getInputCount() != 1) {
      throw new NereidException.InvalidArgument("model '" + name + "': the fil backend has one input, '" + INPUT
          + "'; the config declares " + config.getInputCount());
    }
    if (input.getDataType() != DataType.TYPE_FP32) {
      throw new NereidException.InvalidArgument("model '" + name + "': input '" + INPUT + "' must be TYPE_FP32, the "
          + "config says " + input.getDataType());
    }
    int features = model.forest().numFeatures();
    long last = input.getDimsCount() == 0 ? 0 : input.getDims(input.getDimsCount() - 1);
    if (last != -1 && last < features) {
      throw new NereidException.InvalidArgument("model '" + name + "': input '" + INPUT + "' has " + last
          + " features in the config, but " + model.format() + " reads " + features);
    }
    ModelOutput output = config.getOutputList().stream().filter(o -> o.getName().equals(OUTPUT)).findFirst()
        .orElseThrow(() -> new NereidException.InvalidArgument("model '" + name + "': the fil backend answers output '"
            + OUTPUT + "', which the config does not declare"));
    if (output.getDataType() != DataType.TYPE_FP32) {
      throw new NereidException.InvalidArgument("model '" + name + "': output '" + OUTPUT + "' must be TYPE_FP32, the "
          + "config says " + output.getDataType());
    }
    int width = kind.width(model);
    long outLast = output.getDimsCount() == 0 ? 0 : output.getDims(output.getDimsCount() - 1);
    if (outLast != -1 && outLast != width) {
      throw new NereidException.InvalidArgument("model '" + name + "': output '" + OUTPUT + "' has dims "
          + output.getDimsList() + " in the config, but with " + describe(kind) + " " + model.format()
          + " answers " + width + " value(s) per row: set dims: [ " + width + " ]");
    }
  }

  /** The config with {@code input__0} and {@code output__0} added where it declares no inputs or outputs. */
  static ModelConfig complete(ModelConfig config, TreeModel model, OutputKind kind) {
    ModelConfig.Builder b = config.toBuilder();
    boolean batched = config.getMaxBatchSize() > 0;
    if (config.getInputCount() == 0) {
      ModelInput.Builder in = ModelInput.newBuilder().setName(INPUT).setDataType(DataType.TYPE_FP32);
      if (!batched) in.addDims(-1);
      b.addInput(in.addDims(model.forest().numFeatures()));
    }
    if (config.getOutputCount() == 0) {
      ModelOutput.Builder out = ModelOutput.newBuilder().setName(OUTPUT).setDataType(DataType.TYPE_FP32);
      if (!batched) out.addDims(-1);
      b.addOutput(out.addDims(kind.width(model)));
    }
    return b.build();
  }

  private static String describe(OutputKind kind) {
    return switch (kind) {
      case CLASS -> "output_class";
      case PROBABILITIES -> "predict_proba";
      case VALUES -> "output_class false";
    };
  }

  private static String names(List<String> names) {
    return names.isEmpty() ? "none" : String.join(", ", names);
  }
}
