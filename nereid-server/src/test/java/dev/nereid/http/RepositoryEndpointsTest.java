package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.ModelControlMode;
import dev.nereid.ServerOptions;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The model-repository extension: index, load with overrides, unload, and their errors. */
class RepositoryEndpointsTest {
  static TestHttp http;

  @BeforeAll
  static void start() {
    Path repository = TestModels.repository();
    http = TestHttp.start(ServerOptions.builder().modelRepository(repository).modelControlMode(ModelControlMode.EXPLICIT)
        .startupModel("raw_fp32").build(), o -> o);
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  static JsonNode row(JsonNode index, String name) {
    for (JsonNode row : index) {
      if (row.path("name").asText().equals(name)) return row;
    }
    return null;
  }

  @Test
  void indexListsLoadedVersionsAndNeverLoadedModels() {
    HttpResponse<String> r = http.post("/v2/repository/index", "");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode index = TestHttp.json(r);
    assertThat(row(index, "raw_fp32").toString())
        .isEqualTo("{\"name\":\"raw_fp32\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"}");
    assertThat(row(index, "raw_two_variable").toString()).isEqualTo("{\"name\":\"raw_two_variable\"}");
    JsonNode ready = TestHttp.json(http.post("/v2/repository/index", "{\"ready\":true}"));
    assertThat(ready.findValuesAsText("name")).contains("raw_fp32").doesNotContain("raw_two_variable");
  }

  @Test
  void indexRejectsANonBooleanReady() {
    HttpResponse<String> r = http.post("/v2/repository/index", "{\"ready\":\"yes\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(r)).isEqualTo("Invalid value for 'ready': expected a boolean");
  }

  @Test
  void loadThenInferThenUnload() {
    assertThat(http.post("/v2/repository/models/identity_batch/load", "").statusCode()).isEqualTo(200);
    assertThat(http.get("/v2/models/identity_batch/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> infer = http.post("/v2/models/identity_batch/infer",
        "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}");
    assertThat(infer.statusCode()).isEqualTo(200);
    assertThat(http.post("/v2/repository/models/identity_batch/unload",
        "{\"parameters\":{\"unload_dependents\":true}}").statusCode()).isEqualTo(200);
    // Unloading finishes in the background: wait for the index to say so.
    TestHttp.await("identity_batch to unload", () -> row(TestHttp.json(http.post("/v2/repository/index", "")),
        "identity_batch").path("state").asText().equals("UNAVAILABLE"));
    JsonNode row = row(TestHttp.json(http.post("/v2/repository/index", "")), "identity_batch");
    assertThat(row.path("reason").asText()).isEqualTo("unloaded");
    assertThat(http.get("/v2/models/identity_batch/ready").statusCode()).isEqualTo(400);
  }

  @Test
  void loadWithConfigAndFileOverrides() {
    String config = "{\"backend\":\"identity\",\"max_batch_size\":0,"
        + "\"input\":[{\"name\":\"INPUT0\",\"data_type\":\"TYPE_INT64\",\"dims\":[2]}],"
        + "\"output\":[{\"name\":\"OUTPUT0\",\"data_type\":\"TYPE_INT64\",\"dims\":[2]}]}";
    String file = Base64.getEncoder().encodeToString("weights".getBytes(StandardCharsets.UTF_8));
    String body = "{\"parameters\":{\"config\":" + TestHttp.JSON.valueToTree(config) + ",\"file:1/weights.bin\":\"" + file
        + "\"}}";
    HttpResponse<String> r = http.post("/v2/repository/models/overridden/load", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode served = TestHttp.json(http.get("/v2/models/overridden/config"));
    assertThat(served.path("input").get(0).path("data_type").asText()).isEqualTo("TYPE_INT64");
    HttpResponse<String> infer = http.post("/v2/models/overridden/infer",
        "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT64\",\"shape\":[2],\"data\":[5,6]}]}");
    assertThat(TestHttp.json(infer).path("outputs").get(0).path("data").toString()).isEqualTo("[5,6]");
  }

  @Test
  void loadErrors() {
    HttpResponse<String> unknown = http.post("/v2/repository/models/nope/load", "");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(unknown)).isEqualTo("failed to load 'nope', failed to poll from model repository: no model folder named 'nope' in any repository");
    HttpResponse<String> traversal = http.post("/v2/repository/models/a..b/load", "");
    assertThat(traversal.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(traversal)).isEqualTo("model name must not contain path traversal characters");
    HttpResponse<String> escapingFile = http.post("/v2/repository/models/raw_fp32/load",
        "{\"parameters\":{\"config\":\"{}\",\"file:../../etc/x\":\"eA==\"}}");
    assertThat(escapingFile.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(escapingFile)).contains("without '..'");
    HttpResponse<String> badBase64 = http.post("/v2/repository/models/raw_fp32/load",
        "{\"parameters\":{\"config\":\"{}\",\"file:1/model.onnx\":\"***\"}}");
    assertThat(TestHttp.error(badBase64)).startsWith("unable to decode the base64 content of parameter 'file:1/model.onnx'");
    HttpResponse<String> notString = http.post("/v2/repository/models/raw_fp32/load", "{\"parameters\":{\"config\":1}}");
    assertThat(TestHttp.error(notString)).isEqualTo("Unable to parse parameter 'config': expected a string");
    HttpResponse<String> badConfig = http.post("/v2/repository/models/raw_fp32/load",
        "{\"parameters\":{\"config\":\"{not json\"}}");
    assertThat(badConfig.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(badConfig)).startsWith("failed to load 'raw_fp32', invalid model config JSON");
    HttpResponse<String> repositoryName = http.post("/v2/repository/other/models/raw_fp32/load", "");
    assertThat(repositoryName.statusCode()).isEqualTo(501);
    assertThat(TestHttp.error(repositoryName)).isEqualTo("'repository_name' specification is not supported");
    HttpResponse<String> badUnload = http.post("/v2/repository/models/raw_fp32/unload",
        "{\"parameters\":{\"unload_dependents\":\"yes\"}}");
    assertThat(TestHttp.error(badUnload)).isEqualTo("Unable to parse 'unload_dependents': expected a boolean");
  }

  @Test
  void loadIsRefusedOutsideExplicitMode() {
    try (TestHttp none = TestHttp.start()) {
      HttpResponse<String> r = none.post("/v2/repository/models/identity/load", "");
      assertThat(r.statusCode()).isEqualTo(501);
      assertThat(TestHttp.error(r)).contains("not allowed in model control mode NONE");
    }
  }
}
