package dev.nereid.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * The stable_diffusion pipeline's own cost per denoising step, with the tiny example models at the
 * real latent size (512 x 512 images, 4 x 64 x 64 latents, guidance on: the UNet runs at batch 2).
 * {@code pipeline} is a whole generation through Nereid; {@code onnxOnly} makes the same ONNX Runtime
 * calls straight on sessions, with inputs made once: one text encoder run at batch 2, one UNet run per
 * step, one VAE decoder run. (pipeline - onnxOnly) / steps is what the pipeline adds per step outside
 * the three ONNX runs: tokenizing, the scheduler, guidance, building the calls' tensors and Nereid's
 * own handling of the four models' requests.
 *
 * <p>Besides wall time, each generation's process CPU time is counted ({@code cpuNanos} / {@code ops},
 * secondary results): on a machine shared with other work, CPU time still shows what the process
 * itself spent (the ONNX sessions use one intra-op thread, so there is no idle spinning to blur it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class StableDiffusionBenchmark {
  private static final String THREADS = "parameters { key: \"intra_op_thread_count\" value { string_value: \"1\" } }\n";

  private static final Map<String, String> DECLARED = Map.of(
      "text_encoder", """
          input [ { name: "input_ids" data_type: TYPE_INT32 dims: [ -1 ] } ]
          output [ { name: "last_hidden_state" data_type: TYPE_FP32 dims: [ -1, -1 ] },
                   { name: "pooler_output" data_type: TYPE_FP32 dims: [ -1 ] } ]
          """,
      "unet", """
          input [ { name: "sample" data_type: TYPE_FP32 dims: [ 4, -1, -1 ] },
                  { name: "timestep" data_type: TYPE_INT64 dims: [ 1 ] reshape { shape: [ ] } },
                  { name: "encoder_hidden_states" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
          output [ { name: "out_sample" data_type: TYPE_FP32 dims: [ 4, -1, -1 ] } ]
          """,
      "vae_decoder", """
          input [ { name: "latent_sample" data_type: TYPE_FP32 dims: [ 4, -1, -1 ] } ]
          output [ { name: "sample" data_type: TYPE_FP32 dims: [ 3, -1, -1 ] } ]
          """);

  @Param({"10", "30"})
  public int steps;

  /**
   * How the three ONNX models are scheduled: {@code dynamic}, as in the example repository (auto-complete
   * adds dynamic batching to a batchable ONNX model), or {@code direct}: inputs and outputs declared, no
   * dynamic batching, so a blocking caller runs the model on its own thread.
   */
  @Param({"dynamic", "direct"})
  public String scheduling;

  private BenchRepository repository;
  private Server server;
  private Model model;
  private InferenceRequest request;

  private final List<AutoCloseable> raw = new ArrayList<>();
  private OrtSession textEncoder;
  private OrtSession unet;
  private OrtSession vaeDecoder;
  private Map<String, OnnxTensor> textInputs;
  private Map<String, OnnxTensor> unetInputs;
  private Map<String, OnnxTensor> vaeInputs;
  private InferenceRequest unetRequest;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    repository = new BenchRepository();
    for (String name : List.of("text_encoder", "unet", "vae_decoder")) {
      repository.linkModel(name, BenchRepository.example(name + "/1/model.onnx"),
          "platform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n" + THREADS
              + (scheduling.equals("dynamic") ? "dynamic_batching { }\n" : DECLARED.get(name)));
    }
    Path pipeline = Files.createDirectories(repository.root().resolve("stable_diffusion/1"));
    Files.writeString(pipeline.getParent().resolve("config.pbtxt"),
        Files.readString(BenchRepository.example("stable_diffusion/config.pbtxt"))
            .replace("model_transaction_policy { decoupled: true }\n", ""));
    Files.createSymbolicLink(pipeline.resolve("tokenizer"), BenchRepository.example("stable_diffusion/1/tokenizer"));
    server = new Server(ServerOptions.builder().modelRepository(repository.root())
        .modelControlMode(ModelControlMode.EXPLICIT).startupModel("*").build()).start();
    model = server.model("stable_diffusion");
    request = InferenceRequest.builder().input("prompt", Tensor.of(new String[] {"butterfly in new york"}))
        .parameter("steps", (long) steps).parameter("seed", 42L).build();

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = keep(new OrtSession.SessionOptions());
    options.setIntraOpNumThreads(1);
    textEncoder = keep(env.createSession(BenchRepository.example("text_encoder/1/model.onnx").toString(), options));
    unet = keep(env.createSession(BenchRepository.example("unet/1/model.onnx").toString(), options));
    vaeDecoder = keep(env.createSession(BenchRepository.example("vae_decoder/1/model.onnx").toString(), options));
    textInputs = Map.of("input_ids", keep(OnnxTensor.createTensor(env, IntBuffer.allocate(2 * 77), new long[] {2, 77})));
    float[] hidden;
    try (OrtSession.Result r = textEncoder.run(textInputs)) {
      FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
      hidden = new float[out.remaining()];
      out.get(hidden);
    }
    unetInputs = Map.of(
        "sample", keep(OnnxTensor.createTensor(env, FloatBuffer.allocate(2 * 4 * 64 * 64), new long[] {2, 4, 64, 64})),
        "timestep", keep(OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {999, 999}), new long[] {2})),
        "encoder_hidden_states", keep(OnnxTensor.createTensor(env, FloatBuffer.wrap(hidden), new long[] {2, 77, hidden.length / 154})));
    unetRequest = InferenceRequest.builder()
        .input("sample", Tensor.of(new float[2 * 4 * 64 * 64], 2, 4, 64, 64))
        .input("timestep", Tensor.of(new long[] {999, 999}, 2, 1))
        .input("encoder_hidden_states", Tensor.of(hidden, 2, 77, hidden.length / 154))
        .build();
    vaeInputs = Map.of("latent_sample",
        keep(OnnxTensor.createTensor(env, FloatBuffer.allocate(4 * 64 * 64), new long[] {1, 4, 64, 64})));
  }

  /** Process CPU time spent in the measured calls, and their count. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class CpuTime {
    private static final OperatingSystemMXBean OS =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    public long cpuNanos;
    public long ops;

    long start() {
      return OS.getProcessCpuTime();
    }

    void end(long start) {
      cpuNanos += OS.getProcessCpuTime() - start;
      ops++;
    }

    @Setup(Level.Iteration)
    public void reset() {
      cpuNanos = 0;
      ops = 0;
    }
  }

  @Benchmark
  public InferenceResponse pipeline(CpuTime cpu) {
    long start = cpu.start();
    InferenceResponse last = null;
    for (InferenceResponse response : model.infer(request)) last = response;
    cpu.end(start);
    return last;
  }

  @Benchmark
  public float onnxOnly(CpuTime cpu) throws OrtException {
    long start = cpu.start();
    float sum = onnxRuns();
    cpu.end(start);
    return sum;
  }

  private float onnxRuns() throws OrtException {
    float sum = 0;
    try (OrtSession.Result r = textEncoder.run(textInputs)) {
      sum += ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
    }
    for (int i = 0; i < steps; i++) {
      try (OrtSession.Result r = unet.run(unetInputs)) {
        sum += ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
      }
    }
    try (OrtSession.Result r = vaeDecoder.run(vaeInputs)) {
      sum += ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
    }
    return sum;
  }

  /** One UNet step on its own, through Nereid: with {@link #unetOnly}, Nereid's share of the per-step overhead. */
  @Benchmark
  public Tensor unetCall(CpuTime cpu) {
    long start = cpu.start();
    Tensor out = server.model("unet").infer(unetRequest).next().output("out_sample");
    cpu.end(start);
    return out;
  }

  /** One UNet step on its own, straight on the session. */
  @Benchmark
  public float unetOnly(CpuTime cpu) throws OrtException {
    long start = cpu.start();
    try (OrtSession.Result r = unet.run(unetInputs)) {
      return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
    } finally {
      cpu.end(start);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    server.close();
    for (int i = raw.size() - 1; i >= 0; i--) raw.get(i).close();
    repository.close();
  }

  private <T extends AutoCloseable> T keep(T resource) {
    raw.add(resource);
    return resource;
  }
}
