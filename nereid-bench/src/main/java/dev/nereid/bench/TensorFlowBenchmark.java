package dev.nereid.bench;

import dev.nereid.DataType;
import dev.nereid.Model;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
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
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * A SavedModel MLP (512 -> 1024 -> 1024 -> 128, ReLU, about 1.7 M multiply-adds per row, built by
 * TensorFlow Java at setup with weights from a fixed seed) at batch 1 and 32: Nereid {@code infer}
 * against a direct TensorFlow session run as a TensorFlow Java user writes it (an input tensor made
 * from the caller's buffer, {@code run}, the output copied out). Both sessions have one intra-op and
 * one inter-op thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TensorFlowBenchmark {
  @Param({"1", "32"})
  public int batch;

  private BenchRepository repository;
  private Server server;
  private Model model;
  private Map<String, Tensor> inputs;
  private SavedModelBundle raw;
  private String rawInputName;
  private String rawOutputName;
  private ByteBuffer input;
  private ByteBuffer output;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    repository = new BenchRepository();
    Path dir = Files.createDirectories(repository.root().resolve("mlp/1")).resolve("model.savedmodel");
    export(dir);
    Files.writeString(repository.root().resolve("mlp/config.pbtxt"), """
        platform: "tensorflow_savedmodel"
        max_batch_size: 32
        parameters { key: "TF_NUM_INTRA_THREADS" value: { string_value: "1" } }
        parameters { key: "TF_NUM_INTER_THREADS" value: { string_value: "1" } }
        """);
    server = new Server(ServerOptions.of(repository.root())).start();
    model = server.model("mlp");
    input = ByteBuffer.allocateDirect(batch * 512 * 4).order(ByteOrder.LITTLE_ENDIAN);
    Random random = new Random(1);
    while (input.hasRemaining()) input.putFloat((float) random.nextGaussian());
    input.flip();
    inputs = Map.of("x", Tensor.of(DataType.FP32, new long[] {batch, 512}, input));
    raw = SavedModelBundle.loader(dir.toString()).withTags("serve").withConfigProto(ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(1).setInterOpParallelismThreads(1).build()).load();
    Signature signature = raw.function("serving_default").signature();
    rawInputName = signature.getInputs().get("x").name;
    rawOutputName = signature.getOutputs().get("y").name;
    output = ByteBuffer.allocateDirect(batch * 128 * 4).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void export(Path dir) throws Exception {
    Random random = new Random(7);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 512)));
      Operand<TFloat32> h = tf.nn.relu(dense(tf, x, 512, 1024, random));
      h = tf.nn.relu(dense(tf, h, 1024, 1024, random));
      Operand<TFloat32> y = tf.withName("y").identity(dense(tf, h, 1024, 128, random));
      SavedModelBundle.exporter(dir.toString()).withFunction(SessionFunction.create(
          Signature.builder().key("serving_default").input("x", x).output("y", y).build(), s)).export();
    }
  }

  private static Operand<TFloat32> dense(Ops tf, Operand<TFloat32> in, int from, int to, Random random) {
    float[][] w = new float[from][to];
    float[] b = new float[to];
    float scale = (float) Math.sqrt(2.0 / from);
    for (float[] row : w) for (int j = 0; j < to; j++) row[j] = (float) random.nextGaussian() * scale;
    return tf.math.add(tf.linalg.matMul(in, tf.constant(StdArrays.ndCopyOf(w))), tf.constant(b));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    server.close();
    raw.close();
    repository.close();
  }

  @Benchmark
  public Tensor nereid() {
    try (ResponseIterator responses = model.infer(inputs)) {
      return responses.next().output("y");
    }
  }

  @Benchmark
  public ByteBuffer raw() {
    try (TFloat32 x = org.tensorflow.Tensor.of(TFloat32.class, Shape.of(batch, 512), DataBuffers.of(input.duplicate()));
        Result result = raw.session().runner().feed(rawInputName, x).fetch(rawOutputName).run()) {
      org.tensorflow.Tensor y = result.get(0);
      output.clear();
      y.asRawTensor().data().copyTo(DataBuffers.of(output), y.numBytes());
      return output;
    }
  }
}
