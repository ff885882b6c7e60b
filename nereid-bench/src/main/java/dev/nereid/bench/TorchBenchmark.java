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
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A TorchScript CNN ({@code models/cnn_32.pt}, made by src/main/python/generate_torch_cnn.py: about
 * 15 M multiply-adds per [3,32,32] image) at batch 1 and 32: Nereid {@code infer} against what a user
 * would write with DJL's PyTorch JNI directly (a tensor over the caller's direct buffer, {@code forward},
 * the output copied out). Both run with one intra-op and one inter-op libtorch thread (a process-wide
 * setting, applied by the model's {@code INTRA_OP_THREAD_COUNT} / {@code INTER_OP_THREAD_COUNT}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TorchBenchmark {
  static final String CNN = "/models/cnn_32.pt";
  static final long IMAGE = 3 * 32 * 32;

  @Param({"1", "32"})
  public int batch;

  private BenchRepository repository;
  private Server server;
  private Model model;
  private Map<String, Tensor> inputs;
  private PtNDManager manager;
  private PtSymbolBlock raw;
  private ByteBuffer rawInput;
  private ByteBuffer rawOutput;

  /** Writes the CNN as model {@code name} with this config; returns the model file. */
  static Path addCnn(BenchRepository repository, String name, String config) throws Exception {
    Path version = Files.createDirectories(repository.root().resolve(name).resolve("1"));
    Path file = version.resolve("model.pt");
    try (InputStream in = TorchBenchmark.class.getResourceAsStream(CNN)) {
      Files.copy(in, file);
    }
    Files.writeString(repository.root().resolve(name).resolve("config.pbtxt"), config);
    return file;
  }

  static String config(int maxBatchSize, String extra) {
    return """
        backend: "pytorch"
        max_batch_size: %d
        input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 3, 32, 32 ] } ]
        output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 10 ] } ]
        parameters { key: "INTRA_OP_THREAD_COUNT" value: { string_value: "1" } }
        parameters { key: "INTER_OP_THREAD_COUNT" value: { string_value: "1" } }
        %s
        """.formatted(maxBatchSize, extra);
  }

  static ByteBuffer images(int count, long seed) {
    ByteBuffer data = ByteBuffer.allocateDirect((int) (count * IMAGE * 4)).order(ByteOrder.LITTLE_ENDIAN);
    Random random = new Random(seed);
    while (data.hasRemaining()) data.putFloat((float) random.nextGaussian());
    return data.flip();
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    repository = new BenchRepository();
    Path file = addCnn(repository, "cnn", config(32, ""));
    server = new Server(ServerOptions.of(repository.root())).start();
    model = server.model("cnn");
    rawInput = images(batch, 1);
    inputs = Map.of("INPUT__0", Tensor.of(DataType.FP32, new long[] {batch, 3, 32, 32}, rawInput));
    manager = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
    raw = JniUtils.loadModule(manager, file, false, new String[0], new String[0], false);
    rawOutput = ByteBuffer.allocateDirect(batch * 10 * 4).order(ByteOrder.LITTLE_ENDIAN);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    server.close();
    raw.close();
    manager.close();
    repository.close();
  }

  @Benchmark
  public Tensor nereid() {
    try (ResponseIterator responses = model.infer(inputs)) {
      return responses.next().output("OUTPUT__0");
    }
  }

  /** The calling thread's libtorch thread count, set as Nereid sets its instance threads'. */
  @State(Scope.Thread)
  public static class OneLibtorchThread {
    @Setup(Level.Trial)
    public void setUp() {
      JniUtils.setNumThreads(1);
    }
  }

  @Benchmark
  public ByteBuffer raw(OneLibtorchThread threads) {
    return forward(manager, raw, rawInput, batch, rawOutput);
  }

  /** One direct libtorch run, as a DJL user writes it: the output lands in {@code output}. */
  static ByteBuffer forward(PtNDManager manager, PtSymbolBlock module, ByteBuffer input, int rows, ByteBuffer output) {
    try (PtNDManager run = (PtNDManager) manager.newSubManager()) {
      PtNDArray x = JniUtils.createNdFromByteBuffer(run, input.duplicate(), new Shape(rows, 3, 32, 32),
          ai.djl.ndarray.types.DataType.FLOAT32, SparseFormat.DENSE, Device.cpu());
      try (IValue in = IValue.from(x); IValue out = module.forward(in)) {
        output.clear();
        output.put(JniUtils.getByteBuffer(out.toTensor(run), true)).flip();
        return output;
      }
    }
  }
}
