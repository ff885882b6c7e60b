package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.InferenceResponse;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tree model on the fil backend over HTTP, as Triton's clients call it: {@code input__0} rows with NaN
 * as binary tensor data, JSON rows, the answer equal to the in-process one (which nereid-fil's tests
 * check against XGBoost's own), and a row of the wrong width refused with 400. The model is nereid-fil's
 * committed XGBoost 1.7 binary classifier (12 features).
 */
class FilHttpTest {
  static final Path MODEL = Path.of("..", "nereid-fil", "src", "test", "resources", "models", "xgboost17", "binary",
      "xgboost.json");

  @TempDir static Path repo;
  static TestHttp http;

  @BeforeAll
  static void start() throws IOException {
    Path version = Files.createDirectories(repo.resolve("fil_binary").resolve("1"));
    Files.copy(MODEL, version.resolve("xgboost.json"));
    Files.writeString(repo.resolve("fil_binary").resolve("config.pbtxt"), """
        backend: "fil"
        max_batch_size: 64
        input [{ name: "input__0" data_type: TYPE_FP32 dims: [ 12 ] }]
        output [{ name: "output__0" data_type: TYPE_FP32 dims: [ 2 ] }]
        instance_group [{ kind: KIND_AUTO }]
        parameters [
          { key: "model_type" value: { string_value: "xgboost_json" } },
          { key: "output_class" value: { string_value: "true" } },
          { key: "predict_proba" value: { string_value: "true" } }
        ]
        dynamic_batching {}
        """);
    http = TestHttp.start(ServerOptions.of(repo), o -> o);
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  static float[] rows() {
    float[] x = new float[3 * 12];
    for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.7) * 2;
    x[0] = Float.NaN;
    x[4] = Float.NaN;
    x[12 + 2] = Float.NaN;
    return x;
  }

  static float[] inProcess(float[] x, int n) {
    for (InferenceResponse r : http.server.model("fil_binary").infer(Map.of("input__0", Tensor.of(x, n, 12)))) {
      return r.output("output__0").toFloatArray();
    }
    throw new AssertionError("no response");
  }

  @Test
  void binaryRowsWithNanGetTheInProcessProbabilities() {
    float[] x = rows();
    String header = "{\"inputs\":[{\"name\":\"input__0\",\"datatype\":\"FP32\",\"shape\":[3,12],"
        + "\"parameters\":{\"binary_data_size\":" + x.length * 4 + "}}],\"outputs\":[{\"name\":\"output__0\"}]}";
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(http.uri("/v2/models/fil_binary/infer"))
        .header("Inference-Header-Content-Length", Integer.toString(TestHttp.headerLength(header)))
        .POST(HttpRequest.BodyPublishers.ofByteArray(TestHttp.binaryBody(header, TestHttp.floats(x)))).build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode out = TestHttp.json(r).path("outputs").get(0);
    assertThat(out.path("name").asText()).isEqualTo("output__0");
    assertThat(out.path("datatype").asText()).isEqualTo("FP32");
    assertThat(out.path("shape").toString()).isEqualTo("[3,2]");
    float[] want = inProcess(x, 3);
    for (int i = 0; i < want.length; i++) {
      assertThat((float) out.path("data").get(i).asDouble()).isCloseTo(want[i], offset(1e-7f));
    }
    for (int row = 0; row < 3; row++) {
      assertThat(want[2 * row] + want[2 * row + 1]).isCloseTo(1f, offset(1e-6f));
    }
  }

  @Test
  void jsonRowsGetTheInProcessProbabilities() {
    float[] x = new float[24];
    for (int i = 0; i < x.length; i++) x[i] = (i % 5) - 2f;
    StringBuilder data = new StringBuilder();
    for (float v : x) data.append(data.isEmpty() ? "" : ",").append(v);
    HttpResponse<String> r = http.post("/v2/models/fil_binary/infer", "{\"inputs\":[{\"name\":\"input__0\","
        + "\"datatype\":\"FP32\",\"shape\":[2,12],\"data\":[" + data + "]}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode out = TestHttp.json(r).path("outputs").get(0);
    assertThat(out.path("shape").toString()).isEqualTo("[2,2]");
    float[] want = inProcess(x, 2);
    for (int i = 0; i < want.length; i++) {
      assertThat((float) out.path("data").get(i).asDouble()).isCloseTo(want[i], offset(1e-7f));
    }
  }

  @Test
  void metadataShowsTritonsFilTensors() {
    JsonNode m = TestHttp.json(http.get("/v2/models/fil_binary"));
    assertThat(m.path("platform").asText()).isEqualTo("fil");
    assertThat(m.path("inputs").get(0).path("name").asText()).isEqualTo("input__0");
    assertThat(m.path("inputs").get(0).path("shape").toString()).isEqualTo("[-1,12]");
    assertThat(m.path("outputs").get(0).path("shape").toString()).isEqualTo("[-1,2]");
  }

  @Test
  void aRowOfTheWrongWidthIsRefusedAndTheModelKeepsServing() {
    HttpResponse<String> r = http.post("/v2/models/fil_binary/infer", "{\"inputs\":[{\"name\":\"input__0\","
        + "\"datatype\":\"FP32\",\"shape\":[1,3],\"data\":[1,2,3]}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(r)).contains("input__0");
    jsonRowsGetTheInProcessProbabilities();
  }
}
