package dev.nereid.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import dev.nereid.DataType;
import dev.nereid.Model;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Add/sub models of [1, 4] FP32 for {@link LibraryOverheadRounds}: the library's own time is a few µs,
 * so the difference between Nereid and the direct call is Nereid's fixed cost per request on each
 * backend. PyTorch: {@code models/add_sub.pt} (nereid-pytorch's test model, made by its
 * generate_models.py); TensorFlow: a SavedModel of x + y, x - y built at setup.
 */
final class TinyModels implements AutoCloseable {
  private final BenchRepository repository = new BenchRepository();
  private final Server server;
  private final Model torchModel;
  private final Model tfModel;
  private final Map<String, Tensor> torchInputs;
  private final Map<String, Tensor> tfInputs;
  private final ByteBuffer a = floats(1.5f, 2, -3, 4);
  private final ByteBuffer b = floats(0.25f, -2, 7, 0.5f);
  private final ByteBuffer out = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);
  private final PtNDManager manager;
  private final PtSymbolBlock torch;
  private final SavedModelBundle tf;

  TinyModels() throws Exception {
    Path root = repository.root();
    Path pt = Files.createDirectories(root.resolve("torch_add_sub/1")).resolve("model.pt");
    try (InputStream in = TinyModels.class.getResourceAsStream("/models/add_sub.pt")) {
      Files.copy(in, pt);
    }
    String io = """
        max_batch_size: 8
        input [ { name: "%s" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "%s" data_type: TYPE_FP32 dims: [ 4 ] } ]
        output [ { name: "%s" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "%s" data_type: TYPE_FP32 dims: [ 4 ] } ]
        """;
    Files.writeString(root.resolve("torch_add_sub/config.pbtxt"), "backend: \"pytorch\"\n"
        + io.formatted("INPUT__0", "INPUT__1", "OUTPUT__0", "OUTPUT__1")
        + "parameters { key: \"INTRA_OP_THREAD_COUNT\" value: { string_value: \"1\" } }\n");
    Path savedModel = Files.createDirectories(root.resolve("tf_add_sub/1")).resolve("model.savedmodel");
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops ops = Ops.create(g);
      Placeholder<TFloat32> x = ops.withName("x").placeholder(TFloat32.class,
          Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 4)));
      Placeholder<TFloat32> y = ops.withName("y").placeholder(TFloat32.class,
          Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 4)));
      SavedModelBundle.exporter(savedModel.toString()).withFunction(SessionFunction.create(Signature.builder()
          .key("serving_default").input("x", x).input("y", y).output("sum", ops.withName("sum").math.add(x, y))
          .output("diff", ops.withName("diff").math.sub(x, y)).build(), s)).export();
    }
    Files.writeString(root.resolve("tf_add_sub/config.pbtxt"), "platform: \"tensorflow_savedmodel\"\n"
        + io.formatted("x", "y", "sum", "diff")
        + "parameters { key: \"TF_NUM_INTRA_THREADS\" value: { string_value: \"1\" } }\n"
        + "parameters { key: \"TF_NUM_INTER_THREADS\" value: { string_value: \"1\" } }\n");
    server = new Server(ServerOptions.of(root)).start();
    torchModel = server.model("torch_add_sub");
    tfModel = server.model("tf_add_sub");
    torchInputs = Map.of("INPUT__0", tensor(a), "INPUT__1", tensor(b));
    tfInputs = Map.of("x", tensor(a), "y", tensor(b));
    manager = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
    torch = JniUtils.loadModule(manager, pt, false, new String[0], new String[0], false);
    tf = SavedModelBundle.loader(savedModel.toString()).withTags("serve").withConfigProto(ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(1).setInterOpParallelismThreads(1).build()).load();
  }

  private static ByteBuffer floats(float... values) {
    ByteBuffer data = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) data.putFloat(v);
    return data.flip();
  }

  private static Tensor tensor(ByteBuffer data) {
    return Tensor.of(DataType.FP32, new long[] {1, 4}, data);
  }

  Tensor nereidTorch() {
    try (ResponseIterator responses = torchModel.infer(torchInputs)) {
      return responses.next().output("OUTPUT__0");
    }
  }

  Tensor nereidTf() {
    try (ResponseIterator responses = tfModel.infer(tfInputs)) {
      return responses.next().output("sum");
    }
  }

  /** add_sub.pt through DJL's JNI as a user writes it: both outputs copied out. */
  ByteBuffer rawTorch() {
    try (PtNDManager run = (PtNDManager) manager.newSubManager()) {
      PtNDArray x = JniUtils.createNdFromByteBuffer(run, a.duplicate(), new Shape(1, 4),
          ai.djl.ndarray.types.DataType.FLOAT32, SparseFormat.DENSE, Device.cpu());
      PtNDArray y = JniUtils.createNdFromByteBuffer(run, b.duplicate(), new Shape(1, 4),
          ai.djl.ndarray.types.DataType.FLOAT32, SparseFormat.DENSE, Device.cpu());
      try (IValue ix = IValue.from(x); IValue iy = IValue.from(y); IValue result = torch.forward(ix, iy)) {
        out.clear();
        for (IValue element : result.toIValueTuple()) {
          try (element) {
            out.put(JniUtils.getByteBuffer(element.toTensor(run), true));
          }
        }
        return out;
      }
    }
  }

  /** The SavedModel through a session run as a TensorFlow Java user writes it: both outputs copied out. */
  ByteBuffer rawTf() {
    try (TFloat32 x = org.tensorflow.Tensor.of(TFloat32.class, org.tensorflow.ndarray.Shape.of(1, 4),
            DataBuffers.of(a.duplicate()));
        TFloat32 y = org.tensorflow.Tensor.of(TFloat32.class, org.tensorflow.ndarray.Shape.of(1, 4),
            DataBuffers.of(b.duplicate()));
        Result result = tf.session().runner().feed("x:0", x).feed("y:0", y).fetch("sum:0").fetch("diff:0").run()) {
      out.clear();
      for (int i = 0; i < 2; i++) {
        org.tensorflow.Tensor t = result.get(i);
        t.asRawTensor().data().copyTo(DataBuffers.of(out.slice(i * 16, 16)), t.numBytes());
      }
      return out;
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    torch.close();
    manager.close();
    tf.close();
    repository.close();
  }
}
