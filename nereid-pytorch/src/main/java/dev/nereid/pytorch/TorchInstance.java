package dev.nereid.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ModelContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One instance of a TorchScript model: runs each batch as one {@code forward} call from the instance's
 * thread. Every libtorch object a run makes (input tensors, argument and result values) is freed before
 * {@code execute} returns; a failed run fails its batch, and the instance keeps serving.
 */
final class TorchInstance implements BackendInstance {
  private final String model;
  private final long version;
  private final boolean batching;
  private final TorchSettings settings;
  private final TorchIo io;
  private final PtSymbolBlock module;
  private final PtNDManager memory;
  private Thread threadsSetOn;

  TorchInstance(ModelContext context, TorchSettings settings, TorchIo io, PtSymbolBlock module, PtNDManager memory) {
    this.model = context.name();
    this.version = context.version();
    this.batching = context.config().getMaxBatchSize() > 0;
    this.settings = settings;
    this.io = io;
    this.module = module;
    this.memory = memory;
  }

  /** What one run allocates in libtorch: freed by {@link #close()} whatever happens. */
  private static final class Run implements AutoCloseable {
    final PtNDManager tensors;
    final List<IValue> values = new ArrayList<>();

    Run(PtNDManager parent) {
      this.tensors = (PtNDManager) parent.newSubManager();
    }

    IValue keep(IValue value) {
      values.add(value);
      return value;
    }

    @Override
    public void close() {
      for (IValue v : values) v.close();
      values.clear();
      tensors.close();
    }
  }

  @Override
  public void execute(Batch batch) {
    List<BackendRequest> requests = batch.requests();
    if (requests.stream().allMatch(BackendRequest::isCancelled)) {
      batch.fail(new NereidException.Cancelled("request(s) for model '" + model + "' were cancelled"));
      return;
    }
    try (Run run = new Run(memory)) {
      try {
        IValue[] arguments = arguments(batch, run);
        // Thread-local in libtorch: the optimizer switch, and the OpenMP team size of a thread that ran
        // parallel work before INTRA_OP_THREAD_COUNT was set. The core may move an instance between threads.
        JniUtils.setGraphExecutorOptimize(!settings.disableOptimizedExecution());
        if (settings.intraOpThreads() > 0 && threadsSetOn != Thread.currentThread()) {
          JniUtils.setNumThreads(settings.intraOpThreads());
          threadsSetOn = Thread.currentThread();
        }
        batch.computeStarted();
        IValue result = run.keep(module.forward(arguments));
        batch.computeEnded();
        batch.respond(outputs(batch, run, result));
      } catch (NereidException e) {
        batch.fail(e);
      } catch (RuntimeException e) {
        batch.fail(new NereidException.Internal("model '" + model + "' version " + version
            + ": libtorch's forward() failed: " + e.getMessage(), e));
      }
    }
  }

  private IValue[] arguments(Batch batch, Run run) {
    IValue[] arguments = new IValue[io.argumentCount()];
    Map<String, PtNDArray> dict = io.convention() == TorchIo.Convention.DICT_KEY ? new LinkedHashMap<>() : null;
    for (TorchIo.Input input : io.inputs()) {
      Tensor tensor = batch.input(input.name());
      if (tensor == null) {
        throw new NereidException.InvalidArgument("model '" + model + "': input '" + input.name()
            + "' is missing; a PyTorch model's forward() takes every input");
      }
      if (dict != null) {
        dict.put(input.name(), TorchCasts.needed(tensor.dataType())
            ? run.keep(TorchCasts.narrow(tensor, run.tensors)).toTensor(run.tensors) : tensor(tensor, run));
        continue;
      }
      arguments[input.position()] = run.keep(input.strings() ? strings(tensor, run)
          : TorchCasts.needed(tensor.dataType()) ? TorchCasts.narrow(tensor, run.tensors)
          : IValue.from(tensor(tensor, run)));
    }
    if (dict != null) arguments[0] = run.keep(IValue.stringMapFrom(dict));
    return arguments;
  }

  private static PtNDArray tensor(Tensor tensor, Run run) {
    ByteBuffer data = tensor.data();
    if (!data.isDirect()) {
      data = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN).put(data).flip();
    }
    return JniUtils.createNdFromByteBuffer(run.tensors, data, new Shape(tensor.shape()),
        TorchTypes.toTorch(tensor.dataType()), SparseFormat.DENSE, Device.cpu());
  }

  /** A BYTES tensor as {@code List[str]}: its elements in row-major order, as UTF-8 text. */
  private static IValue strings(Tensor tensor, Run run) {
    byte[][] elements = tensor.toByteArrays();
    IValue[] items = new IValue[elements.length];
    for (int i = 0; i < items.length; i++) {
      items[i] = run.keep(IValue.from(new String(elements[i], StandardCharsets.UTF_8)));
    }
    return IValue.listFrom(items);
  }

  private Map<String, Tensor> outputs(Batch batch, Run run, IValue result) {
    Map<String, IValue> byKey = null;
    IValue[] byPosition = null;
    if (result.isMap()) {
      byKey = result.toIValueMap();
      byKey.values().forEach(run::keep);
    } else if (result.isTuple()) {
      byPosition = result.toIValueTuple();
    } else if (result.isList() && !isStringList(result)) {
      byPosition = result.toIValueArray();
    } else {
      byPosition = new IValue[] {result};
    }
    if (byPosition != null && byPosition.length > 0 && byPosition[0] != result) {
      for (IValue v : byPosition) run.keep(v);
    }
    Map<String, Tensor> outputs = new LinkedHashMap<>();
    for (TorchIo.Output output : io.outputs()) {
      if (!wanted(batch.requests(), output.name())) continue;
      IValue value;
      if (byKey != null) {
        value = byKey.get(output.name());
        if (value == null) {
          throw new NereidException.Internal("model '" + model + "': forward() returned a dict without key '"
              + output.name() + "' (its keys: " + byKey.keySet() + ")");
        }
      } else if (output.position() < byPosition.length) {
        value = byPosition[output.position()];
      } else {
        throw new NereidException.Internal("model '" + model + "': output '" + output.name() + "' is result "
            + output.position() + " of forward(), which returned " + byPosition.length);
      }
      outputs.put(output.name(), output(output, value, batch, run));
    }
    return outputs;
  }

  private Tensor output(TorchIo.Output output, IValue value, Batch batch, Run run) {
    if (value.isTensor()) {
      PtNDArray array = value.toTensor(run.tensors);
      DataType type = TorchTypes.fromTorch(array.getDataType());
      ByteBuffer bytes = JniUtils.getByteBuffer(array, true).order(ByteOrder.LITTLE_ENDIAN);
      if (type == null && TorchCasts.needed(output.type()) && bytes.remaining() == array.size() * 2) {
        type = output.type(); // DJL names neither INT16 nor BF16; a 2-byte type it cannot name is one of them
      }
      if (type != output.type()) {
        throw new NereidException.Internal("model '" + model + "': output '" + output.name() + "' is "
            + (type == null ? array.getDataType() : type.configName()) + " from the model, but the config declares "
            + output.type().configName());
      }
      Tensor out = batch.newOutput(type, array.getShape().getShape());
      if (out.byteSize() != bytes.remaining()) {
        throw new NereidException.Internal("model '" + model + "': output '" + output.name() + "' holds "
            + bytes.remaining() + " bytes, not the " + out.byteSize() + " its shape " + array.getShape() + " needs");
      }
      out.data().put(bytes);
      return out;
    }
    if (isStringList(value)) {
      if (output.type() != DataType.BYTES) {
        throw new NereidException.Internal("model '" + model + "': output '" + output.name()
            + "' is a List[str] from the model, but the config declares " + output.type().configName());
      }
      IValue[] items = value.toIValueArray();
      List<byte[]> elements = new ArrayList<>(items.length);
      for (IValue item : items) {
        run.keep(item);
        elements.add(item.toStringValue().getBytes(StandardCharsets.UTF_8));
      }
      long n = elements.size();
      long rows = batch.batchSize();
      long[] shape = batching && rows > 0 && n % rows == 0 ? new long[] {rows, n / rows} : new long[] {n};
      return Tensor.ofBytes(elements.toArray(new byte[0][]), shape);
    }
    throw new NereidException.Internal("model '" + model + "': output '" + output.name() + "' is a "
        + value.getType() + " from the model; outputs must be tensors or List[str]");
  }

  private static boolean isStringList(IValue value) {
    return value.isList() && value.getType().startsWith("str");
  }

  private static boolean wanted(List<BackendRequest> requests, String name) {
    for (BackendRequest request : requests) {
      if (request.wantsOutput(name)) return true;
    }
    return false;
  }
}
