package dev.nereid.internal.builtin;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import dev.nereid.spi.ResponseFlag;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Returns every input as the matching output, without copying: {@code INPUT<i> -> OUTPUT<i>} as in
 * Triton's identity backend, and {@code <type>_input -> <type>_output} as in the in-process API
 * tutorial. Parameters: {@code decoupled} ("true": send the response, then a separate final flag) and
 * {@code execute_delay_ms} (sleep before answering, for tests of timing and shutdown).
 */
public final class IdentityBackend implements Backend {
  @Override
  public String name() {
    return "identity";
  }

  /**
   * Like the tutorial's model: adds {@code <type>_input}/{@code <type>_output} for every data type the
   * config does not declare, and the decoupled transaction policy when the parameter asks for it.
   */
  @Override
  public ModelConfig autoCompleteConfig(ModelContext context) {
    ModelConfig config = context.config();
    ModelConfig.Builder b = config.toBuilder();
    boolean tutorialNaming = config.getInputList().stream().anyMatch(i -> i.getName().endsWith("_input"));
    if (tutorialNaming) {
      for (DataType type : DataType.values()) {
        String prefix = type == DataType.BYTES ? "string" : type.name().toLowerCase(java.util.Locale.ROOT);
        String in = prefix + "_input";
        String out = prefix + "_output";
        var protoType = dev.nereid.proto.DataType.forNumber(type.configNumber());
        if (config.getInputList().stream().noneMatch(i -> i.getName().equals(in))) {
          b.addInput(ModelInput.newBuilder().setName(in).setDataType(protoType).addDims(-1).addDims(-1).setOptional(true));
        }
        if (config.getOutputList().stream().noneMatch(o -> o.getName().equals(out))) {
          b.addOutput(ModelOutput.newBuilder().setName(out).setDataType(protoType).addDims(-1).addDims(-1));
        }
      }
    }
    if (context.parameter("decoupled").map(Boolean::parseBoolean).orElse(false)) {
      b.getModelTransactionPolicyBuilder().setDecoupled(true);
    }
    return b.build();
  }

  @Override
  public BackendModel load(ModelContext context) {
    ModelConfig config = context.config();
    Map<String, String> outputFor = new LinkedHashMap<>();
    for (ModelInput input : config.getInputList()) {
      String output = outputName(input.getName());
      if (config.getOutputList().stream().noneMatch(o -> o.getName().equals(output))) {
        throw new NereidException.InvalidArgument("identity model '" + context.name() + "': input '" + input.getName()
            + "' needs an output named '" + output + "'");
      }
      outputFor.put(input.getName(), output);
    }
    boolean decoupled = config.getModelTransactionPolicy().getDecoupled();
    long delayMs = context.parameter("execute_delay_ms").map(Long::parseLong).orElse(0L);
    return new BackendModel() {
      @Override
      public BackendInstance createInstance(InstanceContext instance) {
        return batch -> execute(batch, outputFor, decoupled, delayMs);
      }
    };
  }

  private static String outputName(String input) {
    return input.replace("INPUT", "OUTPUT").replace("input", "output");
  }

  private static void execute(Batch batch, Map<String, String> outputFor, boolean decoupled, long delayMs)
      throws InterruptedException {
    batch.computeStarted();
    if (delayMs > 0) {
      Thread.sleep(delayMs);
    }
    batch.computeEnded();
    if (!decoupled) {
      // Through the batch helpers, as a real backend runs a batch: one tensor per input, split back.
      Map<String, Tensor> outputs = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : outputFor.entrySet()) {
        Tensor batched = batch.input(e.getKey());
        if (batched != null) outputs.put(e.getValue(), batched);
      }
      batch.respond(outputs);
      return;
    }
    for (BackendRequest request : batch.requests()) {
      Map<String, Tensor> outputs = new LinkedHashMap<>();
      request.inputs().forEach((name, tensor) -> outputs.put(outputFor.get(name), tensor));
      request.responder().send(outputs, ResponseFlag.MORE);
      request.responder().complete();
    }
  }
}
