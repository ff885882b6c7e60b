package dev.nereid.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelParameter;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One instance of an ONNX model: runs each batch as one call of the shared session, from the
 * instance's thread. Every ORT object a run makes (input tensors, the result) is closed before
 * {@code execute} returns; a failed run fails its batch, and the instance keeps serving.
 */
final class OnnxInstance implements BackendInstance {
  private static final String ARENA_SHRINKAGE = "memory.enable_memory_arena_shrinkage";

  private final OrtEnvironment env;
  private final String model;
  private final long version;
  private final OnnxSignature signature;
  private final OrtSession session;
  private final OrtSession.RunOptions runOptions;
  private final Set<String> allOutputs;

  OnnxInstance(OrtEnvironment env, String model, long version, OnnxSignature signature, OrtSession session,
      ModelConfig config) throws OrtException {
    this.env = env;
    this.model = model;
    this.version = version;
    this.signature = signature;
    this.session = session;
    this.runOptions = new OrtSession.RunOptions();
    ModelParameter shrinkage = config.getParametersMap().get(ARENA_SHRINKAGE);
    if (shrinkage != null) {
      runOptions.addRunConfigEntry(ARENA_SHRINKAGE, shrinkage.getStringValue());
    }
    Set<String> outputs = new LinkedHashSet<>();
    for (OnnxSignature.Output o : signature.outputs()) outputs.add(o.name());
    this.allOutputs = Set.copyOf(outputs);
  }

  /** One run of a batch through ORT: its input tensors, the outputs to fetch, the result. */
  private static final class Run implements AutoCloseable {
    final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    Set<String> outputs;
    OrtSession.Result result;

    /** Frees the run's native memory; safe to call again. */
    @Override
    public void close() {
      if (result != null) {
        result.close();
        result = null;
      }
      for (OnnxTensor t : inputs.values()) t.close();
      inputs.clear();
    }
  }

  /**
   * Runs the whole batch as one {@code session.run}: each input is the requests' tensors joined along
   * the batch dimension (the request's own tensor, uncopied, when the batch holds one request), and
   * the outputs are split back per request. A failure fails the batch; the instance keeps serving.
   */
  @Override
  public void execute(Batch batch) {
    List<BackendRequest> requests = batch.requests();
    if (requests.stream().allMatch(BackendRequest::isCancelled)) {
      batch.fail(new NereidException.Cancelled("request(s) for model '" + model + "' were cancelled"));
      return;
    }
    try (Run run = new Run()) {
      try {
        prepare(batch, run);
        batch.computeStarted();
        run.result = session.run(run.inputs, run.outputs, runOptions);
        batch.computeEnded();
        batch.respond(outputs(batch, run));
      } catch (OrtException e) {
        batch.fail(OrtErrors.atRun(model, version, e));
      } catch (NereidException e) {
        batch.fail(e);
      } catch (RuntimeException e) {
        batch.fail(internal("the run failed", e));
      }
    }
  }

  private void prepare(Batch batch, Run run) throws OrtException {
    for (OnnxSignature.Input input : signature.inputs()) {
      Tensor tensor = batch.input(input.name());
      if (tensor == null) {
        continue; // an optional input left out; the core has checked required ones are present
      }
      if (!input.graphInput()) {
        throw new NereidException.InvalidArgument("model '" + model + "': input '" + input.name()
            + "' is not a graph input of the ONNX model (ONNX Runtime's Java API cannot override initializers); "
            + "leave it out");
      }
      long[] shape = input.reshape() == null ? tensor.shape()
          : Reshapes.apply(tensor.shape(), signature.batching(), input.reshape());
      run.inputs.put(input.name(), wrap(input.name(), tensor, shape));
    }
    run.outputs = outputsFor(batch.requests());
  }

  private OnnxTensor wrap(String input, Tensor tensor, long[] shape) throws OrtException {
    try {
      return OrtTensors.toOrt(env, tensor, shape);
    } catch (NereidException.InvalidArgument e) {
      throw new NereidException.InvalidArgument("model '" + model + "': input '" + input + "': " + e.getMessage());
    }
  }

  /** The outputs any request of the batch wants; each request gets only its own from the split. */
  private Set<String> outputsFor(List<BackendRequest> requests) {
    Set<String> wanted = new LinkedHashSet<>();
    for (BackendRequest request : requests) {
      if (request.requestedOutputs().isEmpty()) {
        return allOutputs;
      }
      for (String name : allOutputs) {
        if (request.wantsOutput(name)) wanted.add(name);
      }
    }
    return wanted;
  }

  private Map<String, Tensor> outputs(Batch batch, Run run) throws OrtException {
    Map<String, Tensor> outputs = new LinkedHashMap<>();
    for (OnnxSignature.Output output : signature.outputs()) {
      if (!run.outputs.contains(output.name())) continue;
      OnnxValue value = run.result.get(output.name()).orElseThrow();
      if (!(value instanceof OnnxTensor tensor)) {
        throw new NereidException.Internal("model '" + model + "': output '" + output.name() + "' is a "
            + value.getType() + ", not a tensor");
      }
      long[] shape = OrtTensors.shapeOf(tensor);
      if (output.dims() != null) {
        shape = Reshapes.apply(shape, signature.batching(), output.dims());
      }
      outputs.put(output.name(), output.type() == DataType.BYTES ? OrtTensors.bytesFromOrt(tensor, shape)
          : OrtTensors.copyInto(tensor, batch.newOutput(output.type(), shape)));
    }
    return outputs;
  }

  private NereidException internal(String what, RuntimeException e) {
    return new NereidException.Internal("model '" + model + "' version " + version + ": " + what + ": " + e, e);
  }

  @Override
  public void close() {
    runOptions.close();
  }
}
