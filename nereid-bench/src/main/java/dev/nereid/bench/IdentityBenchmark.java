package dev.nereid.bench;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The in-process round trip on the built-in identity model: an FP32 tensor whose caller-owned
 * buffer is direct, sent with {@code Model.infer} and read back from the final response. Measures the
 * server's own cost (validation, scheduling, response delivery), since identity does no work.
 *
 * <p>Run latency with {@code -bm sample} and throughput with {@code -bm thrpt}; {@code -prof gc} shows
 * bytes allocated per call, which must not grow with {@code elements} (no copy of the tensor).
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class IdentityBenchmark {
  /** Elements of the [1, n] FP32 tensor: 16 as the issue asks; 65536 shows allocation does not follow size. */
  @Param({"16", "65536"})
  int elements;

  private Server server;
  private Model model;
  private BenchRepository repository;

  /** One caller's request: its own direct buffer, built once. */
  @State(Scope.Thread)
  public static class Caller {
    InferenceRequest request;

    @Setup(Level.Trial)
    public void setUp(IdentityBenchmark bench) {
      ByteBuffer data = ByteBuffer.allocateDirect(bench.elements * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < bench.elements; i++) data.putFloat(i * 4, i);
      request = InferenceRequest.builder()
          .input("INPUT0", Tensor.of(DataType.FP32, new long[] {1, bench.elements}, data)).build();
    }
  }

  @Setup(Level.Trial)
  public void start() throws IOException {
    repository = new BenchRepository();
    Path model = Files.createDirectories(repository.root().resolve("identity_fp32").resolve("1"));
    Files.writeString(model.getParent().resolve("config.pbtxt"), """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
        instance_group [ { kind: KIND_CPU count: 2 } ]
        """);
    server = new Server(ServerOptions.of(repository.root())).start();
    this.model = server.model("identity_fp32");
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    server.stop();
    repository.close();
  }

  private Tensor roundTrip(Caller caller) {
    try (ResponseIterator responses = model.infer(caller.request)) {
      InferenceResponse response = responses.next();
      return response.output("OUTPUT0");
    }
  }

  /** One caller: the latency of a round trip. */
  @Benchmark
  @Threads(1)
  @BenchmarkMode({Mode.SampleTime, Mode.Throughput})
  public Tensor oneCaller(Caller caller) {
    return roundTrip(caller);
  }

  /** Two callers (as many as cores here). */
  @Benchmark
  @Threads(2)
  @BenchmarkMode(Mode.Throughput)
  public Tensor twoCallers(Caller caller) {
    return roundTrip(caller);
  }

  /** Eight callers: more callers than cores and instances. */
  @Benchmark
  @Threads(8)
  @BenchmarkMode(Mode.Throughput)
  public Tensor eightCallers(Caller caller) {
    return roundTrip(caller);
  }
}
