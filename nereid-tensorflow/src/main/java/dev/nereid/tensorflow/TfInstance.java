package dev.nereid.tensorflow;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ModelContext;
import dev.nereid.spi.SequenceTensors;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * One instance of a SavedModel or GraphDef: runs each batch as one {@code Session.run} from the instance's
 * thread. The input tensors and the run's result are closed before {@code execute} returns; a failed
 * run fails its batch, and the instance keeps serving.
 */
final class TfInstance implements BackendInstance {
  private final String model;
  private final long version;
  private final TfSession session;
  private final List<Feed> feeds = new ArrayList<>();
  private final List<Fetch> fetches = new ArrayList<>();

  /** A config input and the graph tensor it feeds, resolved once: a run's feed by name costs a graph lookup. */
  private record Feed(String name, Output<?> tensor, DataType type) {}

  private record Fetch(String name, Output<?> tensor, DataType type) {}

  TfInstance(ModelContext context, TfSession session) {
    this.model = context.name();
    this.version = context.version();
    this.session = session;
    Graph graph = session.session().graph();
    for (SequenceTensors.Tensor in : TfSession.inputs(context.config())) {
      feeds.add(new Feed(in.name(), graph.outputOrThrow(session.feed(in.name())), in.type()));
    }
    for (SequenceTensors.Tensor out : TfSession.outputs(context.config())) {
      fetches.add(new Fetch(out.name(), graph.outputOrThrow(session.fetch(out.name())), out.type()));
    }
  }

  @Override
  public void execute(Batch batch) {
    List<BackendRequest> requests = batch.requests();
    if (requests.stream().allMatch(BackendRequest::isCancelled)) {
      batch.fail(new NereidException.Cancelled("request(s) for model '" + model + "' were cancelled"));
      return;
    }
    List<TType> inputs = new ArrayList<>(feeds.size());
    try {
      Session.Runner runner = session.session().runner();
      for (Feed feed : feeds) {
        Tensor tensor = batch.input(feed.name());
        if (tensor == null) {
          throw new NereidException.InvalidArgument("model '" + model + "': input '" + feed.name() + "' is missing");
        }
        TType t = toTf(tensor);
        inputs.add(t);
        runner.feed(feed.tensor(), t);
      }
      List<Fetch> wanted = new ArrayList<>();
      for (Fetch fetch : fetches) {
        if (wanted(requests, fetch.name())) {
          wanted.add(fetch);
          runner.fetch(fetch.tensor());
        }
      }
      batch.computeStarted();
      try (Result result = runner.run()) {
        batch.computeEnded();
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        for (int i = 0; i < wanted.size(); i++) {
          outputs.put(wanted.get(i).name(), fromTf(batch, wanted.get(i), result.get(i)));
        }
        batch.respond(outputs);
      }
    } catch (NereidException e) {
      batch.fail(e);
    } catch (TensorFlowException e) {
      batch.fail(new NereidException.Internal("model '" + model + "' version " + version
          + ": TensorFlow's run failed: " + e.getMessage(), e));
    } catch (RuntimeException e) {
      batch.fail(new NereidException.Internal("model '" + model + "' version " + version + ": the run failed: " + e, e));
    } finally {
      for (TType t : inputs) t.close();
    }
  }

  /**
   * One copy into a new TensorFlow tensor; BYTES elements become TensorFlow strings, byte for byte, and
   * a type TensorFlow Java cannot make goes into a tensor of its carrier, which the graph bitcasts back.
   */
  private static TType toTf(Tensor tensor) {
    Shape shape = Shape.of(tensor.shape());
    if (tensor.dataType() == DataType.BYTES) {
      return TString.tensorOfBytes(shape, DataBuffers.ofObjects(tensor.toByteArrays()));
    }
    TType t = org.tensorflow.Tensor.of(TfTypes.tensorClass(TfTypes.carrier(tensor.dataType())), shape,
        tensor.data().remaining());
    TensorMemory.copyInto(t, tensor.data());
    return t;
  }

  private Tensor fromTf(Batch batch, Fetch fetch, org.tensorflow.Tensor t) {
    DataType type = TfTypes.fromTf(t.dataType());
    if (type != null && type == TfTypes.carrier(fetch.type())) {
      type = fetch.type(); // fetched through the Bitcast TfSession added: the same bits
    }
    if (type != fetch.type()) {
      throw new NereidException.Internal("model '" + model + "': output '" + fetch.name() + "' is "
          + (type == null ? t.dataType() : type.configName()) + " from the model, but the config declares "
          + fetch.type().configName());
    }
    long[] shape = t.shape().asArray();
    if (type == DataType.BYTES) {
      List<byte[]> elements = new ArrayList<>((int) t.shape().size());
      ((TString) t).asBytes().scalars().forEach(s -> elements.add(s.getObject()));
      // Through a vector, as ofBytes reads an empty shape as "a vector": a scalar string stays rank 0.
      return Tensor.ofBytes(elements.toArray(new byte[0][])).reshape(shape);
    }
    Tensor out = batch.newOutput(type, shape);
    if (out.byteSize() != t.numBytes()) {
      throw new NereidException.Internal("model '" + model + "': output '" + fetch.name() + "' holds " + t.numBytes()
          + " bytes, not the " + out.byteSize() + " its shape " + Arrays.toString(shape) + " needs");
    }
    TensorMemory.copyOut(t, out.data());
    return out;
  }

  private static boolean wanted(List<BackendRequest> requests, String name) {
    for (BackendRequest request : requests) {
      if (request.wantsOutput(name)) return true;
    }
    return false;
  }
}
