package dev.nereid.internal.request;

import dev.nereid.DataType;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's inputs and outputs in the form request validation reads on every request: arrays and
 * enums instead of protobuf lists, prepared once per loaded version.
 */
public final class ModelSignature {
  /** One input as the config declares it. */
  public record Input(String name, DataType type, long[] dims, boolean optional, long[] reshape) {}

  /** One output as the config declares it. */
  public record Output(String name, DataType type, long[] dims) {}

  private final String modelName;
  private final int maxBatchSize;
  private final Map<String, Input> inputs;
  private final Map<String, Output> outputs;
  private final int requiredInputs;

  private ModelSignature(String modelName, int maxBatchSize, Map<String, Input> inputs, Map<String, Output> outputs) {
    this.modelName = modelName;
    this.maxBatchSize = maxBatchSize;
    this.inputs = inputs;
    this.outputs = outputs;
    this.requiredInputs = (int) inputs.values().stream().filter(i -> !i.optional()).count();
  }

  /** The signature of a (validated) config. */
  public static ModelSignature of(ModelConfig config) {
    Map<String, Input> inputs = new LinkedHashMap<>();
    for (ModelInput i : config.getInputList()) {
      long[] reshape = i.hasReshape() ? i.getReshape().getShapeList().stream().mapToLong(Long::longValue).toArray() : null;
      inputs.put(i.getName(), new Input(i.getName(), DataType.fromConfigNumber(i.getDataTypeValue()),
          i.getDimsList().stream().mapToLong(Long::longValue).toArray(), i.getOptional(), reshape));
    }
    Map<String, Output> outputs = new LinkedHashMap<>();
    for (ModelOutput o : config.getOutputList()) {
      outputs.put(o.getName(), new Output(o.getName(), DataType.fromConfigNumber(o.getDataTypeValue()),
          o.getDimsList().stream().mapToLong(Long::longValue).toArray()));
    }
    return new ModelSignature(config.getName(), config.getMaxBatchSize(),
        Collections.unmodifiableMap(inputs), Collections.unmodifiableMap(outputs));
  }

  public String modelName() {
    return modelName;
  }

  public int maxBatchSize() {
    return maxBatchSize;
  }

  public Map<String, Input> inputs() {
    return inputs;
  }

  public Map<String, Output> outputs() {
    return outputs;
  }

  public int requiredInputCount() {
    return requiredInputs;
  }
}
