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
 * Nereid's own cost per request, where the model costs almost nothing: Triton's {@code simple} add/sub
 * model at [1,16] FP32 (models/simple_fp32.onnx), Nereid {@code infer} against {@code session.run} on
 * input tensors made once. The difference is what every request pays on top of ONNX Runtime:
 * validation, wrapping the inputs for ORT, copying the outputs out, the response.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class OnnxOverheadBenchmark {
  private NereidAndRaw both;
  private Map<String, Tensor> inputs;
  private Map<String, OnnxTensor> rawInputs;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    BenchRepository repository = new BenchRepository();
    Path file = repository.copyModel("simple", "/models/simple_fp32.onnx", """
        max_batch_size: 8
        parameters { key: "intra_op_thread_count" value: { string_value: "1" } }
        """);
    both = new NereidAndRaw(repository, "simple", file, 1);
    long[] shape = {1, 16};
    ByteBuffer in0 = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer in1 = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 16; i++) {
      in0.putFloat(i);
      in1.putFloat(1);
    }
    in0.flip();
    in1.flip();
    inputs = Map.of("INPUT0", Tensor.of(DataType.FP32, shape, in0), "INPUT1", Tensor.of(DataType.FP32, shape, in1));
    rawInputs = Map.of(
        "INPUT0", both.keep(OnnxTensor.createTensor(both.env, in0.asFloatBuffer(), shape)),
        "INPUT1", both.keep(OnnxTensor.createTensor(both.env, in1.asFloatBuffer(), shape)));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    both.close();
  }

  @Benchmark
  public Tensor nereid() {
    try (ResponseIterator responses = both.model.infer(inputs)) {
      return responses.next().output("OUTPUT0");
    }
  }

  @Benchmark
  public int raw() throws OrtException {
    try (OrtSession.Result result = both.raw.run(rawInputs)) {
      return result.size();
    }
  }
}
