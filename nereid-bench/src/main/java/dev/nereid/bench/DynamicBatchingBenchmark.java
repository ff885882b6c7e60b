package dev.nereid.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.Model;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Where an in-process server beats hand-written ONNX Runtime calls: many small concurrent requests
 * (all-MiniLM-L6-v2, batch 1, sequence 16) from 16 callers. Compared in one run against what a user
 * would otherwise write: ORT called once per request from 16 threads, and ORT on pre-built batches of
 * 16 from one or two threads (the practical limit, when the caller can batch by hand). Throughputs are
 * requests per second; the pre-built runs count 16 requests each. Latency at one caller, batching on
 * ({@code max_queue_delay_microseconds: 0}) versus off on the same instances, comes from the
 * {@code latency*} methods with {@code -bm sample}. The Nereid layout is a parameter: by default two
 * instances of one intra-op thread each, which measured fastest on two cores (one instance of two
 * threads: about 12 % fewer requests per second).
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DynamicBatchingBenchmark {
  static final int SEQUENCE = 16;
  static final int CALLERS = 16;

  private BenchRepository repository;
  private Server server;
  Model batching;
  Model plain;
  OrtEnvironment env;
  private OrtSession.SessionOptions perRequestOptions;
  private OrtSession.SessionOptions batchOptions;
  OrtSession perRequestSession;
  OrtSession batchSession;
  Map<String, OnnxTensor> batch16;

  /** Instances of each Nereid model; with {@link #intraOpThreads} they share the two cores. */
  @Param({"2"})
  public int instances;

  /** ORT intra-op threads per Nereid instance. */
  @Param({"1"})
  public int intraOpThreads;

  /** {@code max_queue_delay_microseconds} of the batching model. */
  @Param({"0"})
  public int queueDelayMicros;

  /** {@code preferred_batch_size} of the batching model; 0 for none. */
  @Param({"0"})
  public int preferredBatchSize;

  String config(String name, String scheduling) {
    return """
        name: "%s"
        platform: "onnxruntime_onnx"
        max_batch_size: 16
        input [
          { name: "input_ids" data_type: TYPE_INT64 dims: [ -1 ] },
          { name: "attention_mask" data_type: TYPE_INT64 dims: [ -1 ] },
          { name: "token_type_ids" data_type: TYPE_INT64 dims: [ -1 ] }
        ]
        output [ { name: "last_hidden_state" data_type: TYPE_FP32 dims: [ -1, 384 ] } ]
        instance_group [ { kind: KIND_CPU count: %d } ]
        parameters { key: "intra_op_thread_count" value { string_value: "%d" } }
        %s
        """.formatted(name, instances, intraOpThreads, scheduling);
  }

  static long[] tokens(int seed) {
    Random random = new Random(seed);
    long[] ids = new long[SEQUENCE];
    ids[0] = 101;
    for (int i = 1; i < SEQUENCE - 1; i++) ids[i] = 1000 + random.nextInt(29000);
    ids[SEQUENCE - 1] = 102;
    return ids;
  }

  static ByteBuffer direct(long[] values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) b.putLong(v);
    return b.flip();
  }

  @Setup(Level.Trial)
  public void start() throws IOException, OrtException {
    repository = new BenchRepository()
        .linkModel("minilm_batching", BenchRepository.miniLm(),
            config("minilm_batching",
                "dynamic_batching { max_queue_delay_microseconds: " + queueDelayMicros
                    + (preferredBatchSize > 0 ? " preferred_batch_size: [ " + preferredBatchSize + " ]" : "") + " }"))
        .linkModel("minilm_plain", BenchRepository.miniLm(), config("minilm_plain", ""));
    server = new Server(ServerOptions.of(repository.root())).start();
    batching = server.model("minilm_batching");
    plain = server.model("minilm_plain");

    env = OrtEnvironment.getEnvironment();
    // 16 threads each running batch 1: one intra-op thread per call is what keeps 2 cores busy.
    perRequestOptions = new OrtSession.SessionOptions();
    perRequestOptions.setIntraOpNumThreads(1);
    perRequestSession = env.createSession(BenchRepository.miniLm().toString(), perRequestOptions);
    // One caller running batches of 16: give the call both cores.
    batchOptions = new OrtSession.SessionOptions();
    batchOptions.setIntraOpNumThreads(2);
    batchSession = env.createSession(BenchRepository.miniLm().toString(), batchOptions);
    long[] ids = new long[16 * SEQUENCE];
    long[] mask = new long[16 * SEQUENCE];
    for (int b = 0; b < 16; b++) {
      System.arraycopy(tokens(b), 0, ids, b * SEQUENCE, SEQUENCE);
      for (int i = 0; i < SEQUENCE; i++) mask[b * SEQUENCE + i] = 1;
    }
    long[] shape = {16, SEQUENCE};
    batch16 = Map.of("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape),
        "attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape),
        "token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[16 * SEQUENCE]), shape));
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    server.stop();
    for (OnnxTensor t : batch16.values()) t.close();
    perRequestSession.close();
    batchSession.close();
    perRequestOptions.close();
    batchOptions.close();
    repository.close();
  }

  /** One caller's batch-1 request, for Nereid and for raw ORT. */
  @State(Scope.Thread)
  public static class Caller {
    InferenceRequest request;
    Map<String, OnnxTensor> raw;

    @Setup(Level.Trial)
    public void setUp(DynamicBatchingBenchmark bench) throws OrtException {
      long[] ids = tokens((int) Thread.currentThread().threadId());
      long[] ones = new long[SEQUENCE];
      java.util.Arrays.fill(ones, 1);
      long[] shape = {1, SEQUENCE};
      request = InferenceRequest.builder()
          .input("input_ids", Tensor.of(DataType.INT64, shape, direct(ids)))
          .input("attention_mask", Tensor.of(DataType.INT64, shape, direct(ones)))
          .input("token_type_ids", Tensor.of(DataType.INT64, shape, direct(new long[SEQUENCE])))
          .build();
      raw = Map.of("input_ids", OnnxTensor.createTensor(bench.env, direct(ids).asLongBuffer(), shape),
          "attention_mask", OnnxTensor.createTensor(bench.env, direct(ones).asLongBuffer(), shape),
          "token_type_ids", OnnxTensor.createTensor(bench.env, direct(new long[SEQUENCE]).asLongBuffer(), shape));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      for (OnnxTensor t : raw.values()) t.close();
    }
  }

  private static Tensor infer(Model model, Caller caller) {
    try (ResponseIterator r = model.infer(caller.request)) {
      return r.next().output("last_hidden_state");
    }
  }

  /** Nereid with dynamic batching, 16 callers each sending batch-1 requests. */
  @Benchmark
  @Threads(CALLERS)
  @BenchmarkMode(Mode.Throughput)
  public Tensor nereidBatching16(Caller caller) {
    return infer(batching, caller);
  }

  /** Raw ORT, called once per request from 16 threads. */
  @Benchmark
  @Threads(CALLERS)
  @BenchmarkMode(Mode.Throughput)
  public float rawPerRequest16(Caller caller) throws OrtException {
    try (OrtSession.Result result = perRequestSession.run(caller.raw)) {
      return ((OnnxTensor) result.get(0)).getFloatBuffer().get(0);
    }
  }

  /** Raw ORT on pre-built batches of 16; each run counts as 16 requests. */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(16)
  @BenchmarkMode(Mode.Throughput)
  public float rawPrebuiltBatch16() throws OrtException {
    return runBatch16(batchSession);
  }

  /**
   * Raw ORT on pre-built batches of 16 from two threads, one intra-op thread each: the other way a
   * user can keep both cores busy with hand-made batches. Each run counts as 16 requests.
   */
  @Benchmark
  @Threads(2)
  @OperationsPerInvocation(16)
  @BenchmarkMode(Mode.Throughput)
  public float rawPrebuiltBatch16TwoThreads() throws OrtException {
    return runBatch16(perRequestSession);
  }

  private float runBatch16(OrtSession session) throws OrtException {
    try (OrtSession.Result result = session.run(batch16)) {
      return ((OnnxTensor) result.get(0)).getFloatBuffer().get(0);
    }
  }

  /** One caller, dynamic batching on with no queue delay: the latency batching adds at low load. */
  @Benchmark
  @Threads(1)
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Tensor latencyBatchingOn(Caller caller) {
    return infer(batching, caller);
  }

  /** One caller, no dynamic batching. */
  @Benchmark
  @Threads(1)
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Tensor latencyBatchingOff(Caller caller) {
    return infer(plain, caller);
  }
}
