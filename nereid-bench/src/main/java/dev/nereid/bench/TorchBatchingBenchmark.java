package dev.nereid.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import dev.nereid.DataType;
import dev.nereid.Model;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Dynamic batching of the TorchScript CNN ({@link TorchBenchmark}'s model): 16 callers each sending one
 * image at a time to a model with {@code dynamic_batching} (two instances, one libtorch thread each),
 * against the practical limit, pre-built batches of 16 run directly with DJL from two threads. Both in
 * images per second; the ratio is the share of the pre-built throughput the batcher reaches.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class TorchBatchingBenchmark {
  private BenchRepository repository;
  private Server server;
  private Model model;
  private PtNDManager manager;
  private PtSymbolBlock raw;
  private ByteBuffer batch16;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    repository = new BenchRepository();
    Path file = TorchBenchmark.addCnn(repository, "cnn", TorchBenchmark.config(16, """
        dynamic_batching { max_queue_delay_microseconds: 0 }
        instance_group [ { kind: KIND_CPU count: 2 } ]
        """));
    server = new Server(ServerOptions.of(repository.root())).start();
    model = server.model("cnn");
    manager = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
    raw = JniUtils.loadModule(manager, file, false, new String[0], new String[0], false);
    batch16 = TorchBenchmark.images(16, 2);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    server.close();
    raw.close();
    manager.close();
    repository.close();
  }

  /** One caller's image and output buffer. */
  @State(Scope.Thread)
  public static class Caller {
    Map<String, Tensor> inputs;
    ByteBuffer output = ByteBuffer.allocateDirect(16 * 10 * 4).order(ByteOrder.LITTLE_ENDIAN);

    @Setup(Level.Trial)
    public void setUp() {
      JniUtils.setNumThreads(1); // per calling thread, as Nereid's instances run
      ByteBuffer image = TorchBenchmark.images(1, Thread.currentThread().threadId());
      inputs = Map.of("INPUT__0", Tensor.of(DataType.FP32, new long[] {1, 3, 32, 32}, image));
    }
  }

  @Benchmark
  @Threads(16)
  public Tensor nereidDynamic16Callers(Caller caller) {
    try (ResponseIterator responses = model.infer(caller.inputs)) {
      return responses.next().output("OUTPUT__0");
    }
  }

  @Benchmark
  @Threads(2)
  @OperationsPerInvocation(16)
  public ByteBuffer rawPrebuiltBatch16TwoThreads(Caller caller) {
    return TorchBenchmark.forward(manager, raw, batch16, 16, caller.output);
  }
}
