package dev.nereid.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.nereid.ServerOptions;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import dev.nereid.http.HttpFrontend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A TorchScript model, an ONNX model and a TensorFlow SavedModel served side by side by
 * {@code nereid serve}'s backends, over HTTP/REST and gRPC, each alone and chained in an ensemble:
 * torch (A + B, A - B) into ONNX (sum + diff = 2A, sum - diff = 2B) into TensorFlow (2A + 2B).
 */
class MixedBackendsTest {
  private static final int N = 16;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path repo;
  static GrpcFixture fx;
  static HttpFrontend http;
  static final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    copy(Path.of("..", "nereid-pytorch", "src", "test", "resources", "models", "add_sub.pt"),
        repo.resolve("torch_add_sub/1/model.pt"));
    Files.writeString(repo.resolve("torch_add_sub/config.pbtxt"), """
        backend: "pytorch"
        max_batch_size: 8
        input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 16 ] }, { name: "INPUT__1" data_type: TYPE_FP32 dims: [ 16 ] } ]
        output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 16 ] }, { name: "OUTPUT__1" data_type: TYPE_FP32 dims: [ 16 ] } ]
        """);
    copy(Path.of("..", "nereid-onnxruntime", "src", "test", "resources", "models", "simple_fp32.onnx"),
        repo.resolve("onnx_simple/1/model.onnx"));
    Files.writeString(repo.resolve("onnx_simple/config.pbtxt"), "platform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n");
    exportTfAddSub(repo.resolve("tf_add_sub/1/model.savedmodel"));
    Files.writeString(repo.resolve("tf_add_sub/config.pbtxt"), "platform: \"tensorflow_savedmodel\"\nmax_batch_size: 8\n");
    Files.createDirectories(repo.resolve("pipeline/1"));
    Files.writeString(repo.resolve("pipeline/config.pbtxt"), """
        platform: "ensemble"
        max_batch_size: 8
        input [ { name: "A" data_type: TYPE_FP32 dims: [ 16 ] }, { name: "B" data_type: TYPE_FP32 dims: [ 16 ] } ]
        output [ { name: "TOTAL" data_type: TYPE_FP32 dims: [ 16 ] }, { name: "TWO_A" data_type: TYPE_FP32 dims: [ 16 ] } ]
        ensemble_scheduling { step [
          { model_name: "torch_add_sub" model_version: -1
            input_map { key: "INPUT__0" value: "A" } input_map { key: "INPUT__1" value: "B" }
            output_map { key: "OUTPUT__0" value: "S" } output_map { key: "OUTPUT__1" value: "D" } },
          { model_name: "onnx_simple" model_version: -1
            input_map { key: "INPUT0" value: "S" } input_map { key: "INPUT1" value: "D" }
            output_map { key: "OUTPUT0" value: "TWO_A" } output_map { key: "OUTPUT1" value: "TWO_B" } },
          { model_name: "tf_add_sub" model_version: -1
            input_map { key: "x" value: "TWO_A" } input_map { key: "y" value: "TWO_B" }
            output_map { key: "sum" value: "TOTAL" } }
        ] }
        """);
    fx = GrpcFixture.start(ServerOptions.of(repo), o -> o);
    http = HttpFrontend.start(fx.server, HttpFrontend.Options.builder().port(0).build());
  }

  @AfterAll
  static void stop() throws Exception {
    if (http != null) http.close();
    if (fx != null) fx.close();
  }

  private static void copy(Path from, Path to) throws Exception {
    Files.createDirectories(to.getParent());
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void exportTfAddSub(Path dir) throws Exception {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, N)));
      Placeholder<TFloat32> y = tf.withName("y").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, N)));
      SavedModelBundle.exporter(dir.toString()).withFunction(SessionFunction.create(Signature.builder()
          .key("serving_default").input("x", x).input("y", y)
          .output("sum", tf.withName("sum").math.add(x, y)).output("diff", tf.withName("diff").math.sub(x, y))
          .build(), s)).export();
    }
  }

  private static float[] ramp(float start, float step) {
    float[] v = new float[N];
    for (int i = 0; i < N; i++) v[i] = start + i * step;
    return v;
  }

  private static JsonNode httpInfer(String model, String body) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + http.port() + "/v2/models/" + model + "/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static String twoInputs(String a, String b, float[] va, float[] vb) throws Exception {
    return "{\"inputs\":[" + input(a, va) + "," + input(b, vb) + "]}";
  }

  private static String input(String name, float[] values) throws Exception {
    return "{\"name\":\"" + name + "\",\"shape\":[1," + N + "],\"datatype\":\"FP32\",\"data\":"
        + JSON.writeValueAsString(values) + "}";
  }

  private static float[] output(JsonNode response, String name) {
    for (JsonNode o : response.get("outputs")) {
      if (o.get("name").asText().equals(name)) {
        float[] v = new float[o.get("data").size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) o.get("data").get(i).asDouble();
        return v;
      }
    }
    throw new AssertionError("no output " + name + " in " + response);
  }

  private static float[] floats(ByteString raw) {
    ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[b.remaining() / 4];
    b.asFloatBuffer().get(v);
    return v;
  }

  private static float[] sum(float[] a, float[] b, float scale) {
    float[] v = new float[N];
    for (int i = 0; i < N; i++) v[i] = scale * a[i] + scale * b[i];
    return v;
  }

  @Test
  void eachBackendAnswersOverHttp() throws Exception {
    float[] a = ramp(1, 0.5f);
    float[] b = ramp(-3, 0.25f);
    JsonNode torch = httpInfer("torch_add_sub", twoInputs("INPUT__0", "INPUT__1", a, b));
    assertThat(output(torch, "OUTPUT__0")).containsExactly(sum(a, b, 1));
    JsonNode tf = httpInfer("tf_add_sub", twoInputs("x", "y", a, b));
    assertThat(output(tf, "sum")).containsExactly(sum(a, b, 1));
  }

  @Test
  void ensembleChainsPyTorchOnnxAndTensorFlowOverHttp() throws Exception {
    float[] a = ramp(0.5f, 1);
    float[] b = ramp(2, -0.5f);
    JsonNode r = httpInfer("pipeline", twoInputs("A", "B", a, b));
    assertThat(output(r, "TOTAL")).containsExactly(sum(a, b, 2));
    assertThat(output(r, "TWO_A")).containsExactly(sum(a, new float[N], 2));
  }

  @Test
  void eachBackendAndTheEnsembleAnswerOverGrpc() {
    float[] a = ramp(4, -0.75f);
    float[] b = ramp(1, 1);
    ModelInferResponse torch = fx.blocking.modelInfer(ModelInferRequest.newBuilder().setModelName("torch_add_sub")
        .addInputs(Wire.input("INPUT__0", "FP32", 1, N)).addInputs(Wire.input("INPUT__1", "FP32", 1, N))
        .addRawInputContents(Wire.fp32s(a)).addRawInputContents(Wire.fp32s(b)).build());
    assertThat(torch.getOutputsList()).extracting(o -> o.getName()).containsExactlyInAnyOrder("OUTPUT__0", "OUTPUT__1");
    int sumAt = torch.getOutputs(0).getName().equals("OUTPUT__0") ? 0 : 1;
    assertThat(floats(torch.getRawOutputContents(sumAt))).containsExactly(sum(a, b, 1));

    ModelInferResponse tf = fx.blocking.modelInfer(ModelInferRequest.newBuilder().setModelName("tf_add_sub")
        .addInputs(Wire.input("x", "FP32", 1, N)).addInputs(Wire.input("y", "FP32", 1, N))
        .addRawInputContents(Wire.fp32s(a)).addRawInputContents(Wire.fp32s(b))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("sum")).build());
    assertThat(floats(tf.getRawOutputContents(0))).containsExactly(sum(a, b, 1));

    ModelInferResponse pipeline = fx.blocking.modelInfer(ModelInferRequest.newBuilder().setModelName("pipeline")
        .addInputs(Wire.input("A", "FP32", 1, N)).addInputs(Wire.input("B", "FP32", 1, N))
        .addRawInputContents(Wire.fp32s(a)).addRawInputContents(Wire.fp32s(b))
        .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("TOTAL")).build());
    assertThat(pipeline.getOutputs(0).getShapeList()).containsExactly(1L, (long) N);
    assertThat(floats(pipeline.getRawOutputContents(0))).containsExactly(sum(a, b, 2));
  }
}
