package dev.nereid.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
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
 * One instance of an ONNX model: runs each request of a batch on the shared session, from the
 * instance's thread. Every ORT object a run makes (input tensors, the result) is closed before
 * {@code execute} returns; a failed run fails only its request, and the instance keeps serving.
 *
 * <p>A batch is run request by request: the default scheduler hands over one request per batch. A
 * batcher that concatenates requests would hand over one request whose tensors are the concatenation;
 * {@link OrtTensors#toOrt} wraps such a tensor the same way, without copying.
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
  private final OutputSlab outputMemory = new OutputSlab();

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

  /** One request on its way through ORT: its input tensors, the outputs to fetch, the run's result. */
  private static final class Run implements AutoCloseable {
    final BackendRequest request;
    final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    Set<String> outputs;
    OrtSession.Result result;

    Run(BackendRequest request) {
      this.request = request;
    }

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

  @Override
  public void execute(Batch batch) {
    List<BackendRequest> requests = batch.requests();
    Run[] runs = new Run[requests.size()];
    try {
      for (int i = 0; i < runs.length; i++) {
        runs[i] = prepare(requests.get(i));
      }
      batch.computeStarted();
      for (Run run : runs) {
        if (run != null) infer(run);
      }
      batch.computeEnded();
      for (Run run : runs) {
        if (run != null && run.result != null) respond(run);
      }
    } finally {
      for (Run run : runs) {
        if (run != null) run.close();
      }
    }
  }

  /** Wraps a request's inputs for ORT; answers the request and returns null when they cannot be. */
  private Run prepare(BackendRequest request) {
    Run run = new Run(request);
    try {
      for (OnnxSignature.Input input : signature.inputs()) {
        Tensor tensor = request.input(input.name());
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
        run.inputs.put(input.name(), OrtTensors.toOrt(env, tensor, shape));
      }
      run.outputs = outputsFor(request);
      return run;
    } catch (OrtException e) {
      fail(run, OrtErrors.atRun(model, version, e));
    } catch (NereidException e) {
      fail(run, e);
    } catch (RuntimeException e) {
      fail(run, internal("preparing the inputs failed", e));
    }
    return null;
  }

  private Set<String> outputsFor(BackendRequest request) {
    if (request.requestedOutputs().isEmpty()) {
      return allOutputs;
    }
    Set<String> wanted = new LinkedHashSet<>();
    for (String name : allOutputs) {
      if (request.wantsOutput(name)) wanted.add(name);
    }
    return wanted;
  }

  private void infer(Run run) {
    if (run.request.isCancelled()) {
      fail(run, new NereidException.Cancelled("request '" + run.request.id() + "' for model '" + model
          + "' was cancelled"));
      return;
    }
    try {
      run.result = session.run(run.inputs, run.outputs, runOptions);
    } catch (OrtException e) {
      fail(run, OrtErrors.atRun(model, version, e));
    } catch (RuntimeException e) {
      fail(run, internal("the run failed", e));
    }
  }

  private void respond(Run run) {
    try {
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
        outputs.put(output.name(), OrtTensors.fromOrt(tensor, output.type(), shape, outputMemory));
      }
      run.request.responder().send(outputs, true);
    } catch (OrtException e) {
      fail(run, OrtErrors.atRun(model, version, e));
    } catch (NereidException e) {
      fail(run, e);
    } catch (RuntimeException e) {
      fail(run, internal("reading the outputs failed", e));
    }
  }

  private void fail(Run run, NereidException error) {
    run.request.responder().fail(error);
    run.close();
  }

  private NereidException internal(String what, RuntimeException e) {
    return new NereidException.Internal("model '" + model + "' version " + version + ": " + what + ": " + e, e);
  }

  @Override
  public void close() {
    runOptions.close();
  }
}
