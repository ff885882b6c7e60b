package dev.nereid.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nereid.DataType;
import dev.nereid.ResponseIterator;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
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
 * all-MiniLM-L6-v2 at batch 1: Nereid's {@code infer} against ONNX Runtime called by hand, on the same
 * file with the same session options (threads, optimization level, execution mode), in one run.
 *
 * <ul>
 *   <li>{@code nereid}: {@code model.infer(inputs)} with direct input tensors; returns the output tensor.
 *   <li>{@code raw}: {@code session.run} on input tensors made once at setup; the result is closed unread.
 *       The lower bound: no per-request work at all besides the run.
 *   <li>{@code rawWithOutput}: what a caller of raw ORT does per request: wrap the same direct buffers,
 *       run, copy the output out ({@code getFloatBuffer}), close everything.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class OnnxMiniLmBenchmark {
  private static final String MODEL = "all_minilm_l6_v2";
  private static final String[] INPUTS = {"input_ids", "attention_mask", "token_type_ids"};

  @Param({"16", "128"})
  public int sequenceLength;

  /**
   * ORT intra-op threads, the same on both sides. One by default: on a small shared machine, runs that
   * spread over several spinning threads measure the neighbours more than the code; pass
   * {@code -p intraOpThreads=2} for the backend's default on 2 cores with one instance.
   */
  @Param({"1"})
  public int intraOpThreads;

  private NereidAndRaw both;
  private Map<String, Tensor> inputs;
  private final Map<String, ByteBuffer> buffers = new HashMap<>();
  private long[] shape;
  private Map<String, OnnxTensor> rawInputs;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path file = BenchRepository.miniLm();
    BenchRepository repository = new BenchRepository().linkModel(MODEL, file, """
        platform: "onnxruntime_onnx"
        max_batch_size: 8
        input [
          { name: "input_ids" data_type: TYPE_INT64 dims: [ -1 ] },
          { name: "attention_mask" data_type: TYPE_INT64 dims: [ -1 ] },
          { name: "token_type_ids" data_type: TYPE_INT64 dims: [ -1 ] }
        ]
        output [ { name: "last_hidden_state" data_type: TYPE_FP32 dims: [ -1, 384 ] } ]
        parameters { key: "intra_op_thread_count" value: { string_value: "%d" } }
        parameters { key: "execution_mode" value: { string_value: "0" } }
        """.formatted(intraOpThreads));
    both = new NereidAndRaw(repository, MODEL, file, intraOpThreads);

    shape = new long[] {1, sequenceLength};
    inputs = new HashMap<>();
    rawInputs = new HashMap<>();
    for (String name : INPUTS) {
      ByteBuffer data = ByteBuffer.allocateDirect(sequenceLength * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < sequenceLength; i++) {
        long id = i == 0 ? 101 : i == sequenceLength - 1 ? 102 : 1000 + (i * 7919L) % 20000;
        data.putLong(switch (name) {
          case "input_ids" -> id;
          case "attention_mask" -> 1L;
          default -> 0L;
        });
      }
      data.flip();
      buffers.put(name, data);
      inputs.put(name, Tensor.of(DataType.INT64, shape, data));
      rawInputs.put(name, both.keep(OnnxTensor.createTensor(both.env, data.asLongBuffer(), shape)));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    both.close();
  }

  @Benchmark
  public Tensor nereid() {
    try (ResponseIterator responses = both.model.infer(inputs)) {
      return responses.next().output("last_hidden_state");
    }
  }

  @Benchmark
  public long raw() throws OrtException {
    try (OrtSession.Result result = both.raw.run(rawInputs)) {
      return ((OnnxTensor) result.get(0)).getInfo().getShape()[1];
    }
  }

  @Benchmark
  public FloatBuffer rawWithOutput() throws OrtException {
    Map<String, OnnxTensor> perCall = new HashMap<>();
    try {
      for (String name : INPUTS) {
        perCall.put(name, OnnxTensor.createTensor(both.env, buffers.get(name).asLongBuffer(), shape));
      }
      try (OrtSession.Result result = both.raw.run(perCall)) {
        return ((OnnxTensor) result.get(0)).getFloatBuffer();
      }
    } finally {
      for (OnnxTensor t : perCall.values()) t.close();
    }
  }
}
