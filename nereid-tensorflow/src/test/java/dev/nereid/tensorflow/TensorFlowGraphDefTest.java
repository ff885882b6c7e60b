package dev.nereid.tensorflow;

import static dev.nereid.tensorflow.DirectTf.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Frozen GraphDefs ({@code platform: "tensorflow_graphdef"}, {@code model.graphdef}) made in the set-up,
 * served by Nereid: inputs are placeholders and outputs nodes, named as in Triton's configs; outputs
 * equal a direct session run on the same graph byte for byte; batching; the four types TensorFlow Java
 * cannot make tensors of, in and out; configs that disagree with the graph refused naming the tensor.
 */
class TensorFlowGraphDefTest {
  private static final String ADD_SUB_CONFIG = """
      platform: "tensorflow_graphdef"
      max_batch_size: 8
      input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "INPUT1" data_type: TYPE_FP32 dims: [ 4 ] } ]
      output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "OUTPUT1" data_type: TYPE_FP32 dims: [ 4 ] } ]
      dynamic_batching { max_queue_delay_microseconds: 20000 }
      instance_group [ { kind: KIND_CPU count: 2 } ]
      """;

  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() throws Exception {
    GraphDefs.write(dir, "add_sub", ADD_SUB_CONFIG, GraphDefs.addSub());
    GraphDefs.write(dir, "by_file", ADD_SUB_CONFIG.replace("platform: \"tensorflow_graphdef\"", "backend: \"tensorflow\""),
        GraphDefs.addSub());
    for (DataType type : List.of(DataType.INT8, DataType.INT16, DataType.UINT32, DataType.UINT64)) {
      GraphDefs.write(dir, "narrow_" + type.name().toLowerCase(Locale.ROOT), """
          platform: "tensorflow_graphdef"
          max_batch_size: 4
          input [ { name: "in" data_type: %1$s dims: [ 3 ] } ]
          output [ { name: "out" data_type: %1$s dims: [ 3 ] }, { name: "wide" data_type: TYPE_INT64 dims: [ 3 ] } ]
          """.formatted(type.configName()), GraphDefs.narrow(type));
    }
    GraphDefs.write(dir, "no_outputs", null, GraphDefs.addSub());
    GraphDefs.write(dir, "wrong_input", ADD_SUB_CONFIG.replace("\"INPUT1\"", "\"INPUT2\""), GraphDefs.addSub());
    GraphDefs.write(dir, "wrong_output", ADD_SUB_CONFIG.replace("\"OUTPUT1\"", "\"OUTPUT1:1\""), GraphDefs.addSub());
    GraphDefs.write(dir, "unknown_output", ADD_SUB_CONFIG.replace("\"OUTPUT1\"", "\"total\""), GraphDefs.addSub());
    GraphDefs.write(dir, "wrong_type", ADD_SUB_CONFIG.replace(
        "name: \"INPUT1\" data_type: TYPE_FP32", "name: \"INPUT1\" data_type: TYPE_FP64"), GraphDefs.addSub());
    GraphDefs.write(dir, "wrong_dims", ADD_SUB_CONFIG.replace("dims: [ 4 ] }, { name: \"INPUT1\"",
        "dims: [ 2, 2 ] }, { name: \"INPUT1\""), GraphDefs.addSub());
    Path corrupt = GraphDefs.write(dir, "corrupt", ADD_SUB_CONFIG, GraphDefs.addSub());
    Files.write(corrupt, new byte[] {(byte) 0xff, (byte) 0xff, 0x01, 0x02, 0x03});
    server = new Server(ServerOptions.of(dir)).start();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static InferenceResponse single(Iterable<InferenceResponse> responses) {
    List<InferenceResponse> all = new ArrayList<>();
    responses.forEach(all::add);
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  /** OUTPUT0 and OUTPUT1 of a direct session run on the GraphDef as written, as raw bytes. */
  private static List<byte[]> direct(Tensor a, Tensor b) {
    try (Graph g = new Graph()) {
      g.importGraphDef(GraphDefs.addSub());
      try (Session s = new Session(g);
          TFloat32 ta = org.tensorflow.Tensor.of(TFloat32.class, Shape.of(a.shape()), DataBuffers.of(a.data()));
          TFloat32 tb = org.tensorflow.Tensor.of(TFloat32.class, Shape.of(b.shape()), DataBuffers.of(b.data()));
          Result r = s.runner().feed("INPUT0:0", ta).feed("INPUT1:0", tb).fetch("OUTPUT0:0").fetch("OUTPUT1:0").run()) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          byte[] bytes = new byte[(int) r.get(i).numBytes()];
          r.get(i).asRawTensor().data().read(bytes);
          out.add(bytes);
        }
        return out;
      }
    }
  }

  @Test
  void graphDefOutputsEqualADirectSessionRunBitForBit() {
    Tensor a = Tensor.of(new float[] {1.5f, -2, 1e-7f, 3e8f, 0.1f, 0.2f, 0.3f, 0.4f}, 2, 4);
    Tensor b = Tensor.of(new float[] {0.25f, 2, 1e7f, -1, 0.7f, 0.6f, 0.5f, 0.4f}, 2, 4);
    for (String model : List.of("add_sub", "by_file")) {
      assertThat(server.model(model).state()).as(model + ": " + server.model(model).reason()).isEqualTo(ModelState.READY);
      InferenceResponse r = single(server.model(model).infer(Map.of("INPUT0", a, "INPUT1", b)));
      List<byte[]> expected = direct(a, b);
      assertThat(bytes(r.output("OUTPUT0"))).isEqualTo(expected.get(0));
      assertThat(bytes(r.output("OUTPUT1"))).isEqualTo(expected.get(1));
      assertThat(r.output("OUTPUT0").shape()).containsExactly(2, 4);
      assertThat(r.output("OUTPUT0").toFloatArray()[0]).isEqualTo(1.75f);
    }
  }

  @Test
  void concurrentCallersOfAGraphDefAreBatchedAndEachGetsItsOwnRows() throws Exception {
    Random random = new Random(3);
    List<Tensor[]> inputs = new ArrayList<>();
    List<CompletableFuture<InferenceResponse>> answers = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      int rows = 1 + i % 3;
      float[] x = new float[rows * 4];
      float[] y = new float[rows * 4];
      for (int j = 0; j < x.length; j++) {
        x[j] = (float) random.nextGaussian();
        y[j] = (float) random.nextGaussian();
      }
      Tensor[] pair = {Tensor.of(x, rows, 4), Tensor.of(y, rows, 4)};
      inputs.add(pair);
      answers.add(server.model("add_sub").inferAsync(
          InferenceRequest.builder().input("INPUT0", pair[0]).input("INPUT1", pair[1]).build()));
    }
    for (int i = 0; i < inputs.size(); i++) {
      InferenceResponse r = answers.get(i).get();
      List<byte[]> expected = direct(inputs.get(i)[0], inputs.get(i)[1]);
      assertThat(bytes(r.output("OUTPUT0"))).isEqualTo(expected.get(0));
      assertThat(bytes(r.output("OUTPUT1"))).isEqualTo(expected.get(1));
    }
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"INT8", "INT16", "UINT32", "UINT64"})
  void typesTensorFlowJavaCannotMakeCrossTheGraphBitForBit(DataType type) {
    String name = "narrow_" + type.name().toLowerCase(Locale.ROOT);
    assertThat(server.model(name).state()).as(server.model(name).reason()).isEqualTo(ModelState.READY);
    byte[] raw = new byte[2 * 3 * type.byteSize()];
    new Random(type.ordinal()).nextBytes(raw);
    raw[raw.length - 1] = (byte) 0x80; // the top bit set: negative if signed, large if unsigned
    InferenceResponse r = single(server.model(name).infer(Map.of("in", Tensor.of(type, new long[] {2, 3},
        ByteBuffer.wrap(raw)))));
    assertThat(r.output("out").dataType()).isEqualTo(type);
    assertThat(r.output("out").shape()).containsExactly(2, 3);
    assertThat(bytes(r.output("out"))).isEqualTo(raw);
    ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    long[] expected = new long[6];
    for (int i = 0; i < 6; i++) {
      expected[i] = switch (type) {
        case INT8 -> in.get(i);
        case INT16 -> in.getShort(i * 2);
        case UINT32 -> Integer.toUnsignedLong(in.getInt(i * 4));
        default -> in.getLong(i * 8); // UINT64 to INT64 keeps the bits
      };
    }
    assertThat(r.output("wide").toLongArray()).containsExactly(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "no_outputs|the config lists no outputs; a tensorflow_graphdef model's config names the nodes to fetch",
      "wrong_input|config input 'INPUT2' is not an input of graph model.graphdef (its inputs: [INPUT0, INPUT1])",
      "wrong_output|config output 'OUTPUT1:1' is not an output of node 'OUTPUT1' (it has 1) of graph model.graphdef",
      "unknown_output|config output 'total' is not a node of graph model.graphdef",
      "wrong_type|input 'INPUT1' has data_type TYPE_FP64 in the config, but graph model.graphdef declares TYPE_FP32",
      "wrong_dims|input 'INPUT0' has shape [-1, 2, 2] in the config (batch dimension first), but graph model.graphdef declares [-1, 4]",
      "corrupt|model.graphdef"})
  void configThatDisagreesWithTheGraphIsRefusedNamingTheTensor(String model, String reason) {
    assertThat(server.model(model).state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model(model).reason()).contains("'" + model + "'").contains(reason);
  }

  @Test
  void aCorruptGraphDefIsUnavailableWithTensorFlowsMessage() {
    assertThat(server.model("corrupt").reason()).containsAnyOf("cannot read model.graphdef as a TensorFlow GraphDef",
        "TensorFlow cannot import model.graphdef");
  }
}
