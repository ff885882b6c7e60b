package dev.nereid.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How the ONNX Runtime backend should give a model's two instances their sessions: one session run
 * from both instance threads ({@code shared}) or a session each ({@code separate}). Raw ORT, MiniLM at
 * sequence 128, two threads, one intra-op thread per session (the backend's default for 2 instances on
 * 2 cores). Throughput, all threads together.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class OnnxSessionSharingBenchmark {
  private static final int LENGTH = 128;

  @Param({"shared", "separate"})
  public String sessions;

  private OrtSession.SessionOptions options;
  private OrtSession first;
  private OrtSession second;
  private final AtomicInteger nextThread = new AtomicInteger();

  @Setup(Level.Trial)
  public void setUp() throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    String file = BenchRepository.miniLm().toString();
    first = env.createSession(file, options);
    second = sessions.equals("shared") ? first : env.createSession(file, options);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    if (second != first) second.close();
    first.close();
    options.close();
  }

  /** One benchmark thread: an instance, with its session and inputs. */
  @State(Scope.Thread)
  public static class Instance {
    OrtSession session;
    Map<String, OnnxTensor> inputs;

    @Setup(Level.Trial)
    public void setUp(OnnxSessionSharingBenchmark shared) throws OrtException {
      session = shared.nextThread.getAndIncrement() % 2 == 0 ? shared.first : shared.second;
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      long[] ids = new long[LENGTH];
      long[] mask = new long[LENGTH];
      for (int i = 0; i < LENGTH; i++) {
        ids[i] = 1000 + i;
        mask[i] = 1;
      }
      long[] shape = {1, LENGTH};
      inputs = Map.of(
          "input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape),
          "attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape),
          "token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[LENGTH]), shape));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  @Benchmark
  public long run(Instance instance) throws OrtException {
    try (OrtSession.Result result = instance.session.run(instance.inputs)) {
      return result.size();
    }
  }
}
