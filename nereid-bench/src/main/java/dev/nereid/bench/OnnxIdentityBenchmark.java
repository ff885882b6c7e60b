package dev.nereid.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nereid.DataType;
import dev.nereid.ResponseIterator;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A 64 MiB FP32 tensor through an Identity graph (a tiny committed file, models/identity_fp32.onnx,
 * copied into a repository at setup): what Nereid adds per request when the data is large. Run with
 * {@code -prof gc} to see the heap bytes allocated per request: a copy of the input on the Java heap
 * would show as 64 MiB per op. The input is a direct buffer that ORT reads in place on both sides; the
 * output is ORT's memory, which {@code nereid} copies once into a direct buffer its response owns,
 * {@code raw} leaves unread, and {@code rawWithOutput} copies out with ORT's public API (onto the heap).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class OnnxIdentityBenchmark {
  private static final int ELEMENTS = 16 << 20; // 64 MiB of FP32

  private NereidAndRaw both;
  private Map<String, Tensor> inputs;
  private Map<String, OnnxTensor> rawInputs;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    int threads = Runtime.getRuntime().availableProcessors();
    BenchRepository repository = new BenchRepository();
    Path file = repository.copyModel("identity", "/models/identity_fp32.onnx", """
        platform: "onnxruntime_onnx"
        max_batch_size: 0
        input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
        output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] } ]
        parameters { key: "intra_op_thread_count" value: { string_value: "%d" } }
        """.formatted(threads));
    both = new NereidAndRaw(repository, "identity", file, threads);

    ByteBuffer data = ByteBuffer.allocateDirect(ELEMENTS * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < ELEMENTS; i++) data.putFloat(i);
    data.flip();
    inputs = Map.of("X", Tensor.of(DataType.FP32, new long[] {ELEMENTS}, data));
    rawInputs = Map.of("X", both.keep(OnnxTensor.createTensor(both.env, data.asFloatBuffer(), new long[] {ELEMENTS})));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    both.close();
  }

  @Benchmark
  public Tensor nereid() {
    try (ResponseIterator responses = both.model.infer(inputs)) {
      return responses.next().output("Y");
    }
  }

  @Benchmark
  public long raw() throws OrtException {
    try (OrtSession.Result result = both.raw.run(rawInputs)) {
      return ((OnnxTensor) result.get(0)).getInfo().getShape()[0];
    }
  }

  /** Raw ORT when the caller keeps the output: ORT's public API copies it out, onto the heap. */
  @Benchmark
  public ByteBuffer rawWithOutput() throws OrtException {
    try (OrtSession.Result result = both.raw.run(rawInputs)) {
      return ((OnnxTensor) result.get(0)).getByteBuffer();
    }
  }
}
