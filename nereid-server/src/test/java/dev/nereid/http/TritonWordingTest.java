package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelControlMode;
import dev.nereid.ServerOptions;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed tensors answered in Triton's words, where Triton's clients and QA tests match on them.
 * Each row: the case, Triton's exact message (the part its tests match), the status Triton answers,
 * the status Nereid answers, and where the wording comes from.
 *
 * <pre>
 * case                          | Triton's message (matched part)                                                  | Triton | Nereid | source
 * ------------------------------+----------------------------------------------------------------------------------+--------+--------+-----------------------------------------------
 * JSON data too few elements    | Unable to parse 'data': Shape does not match true shape of 'data' field          | 500    | 400    | L0_http test.sh (exact body; checks != 200)
 * JSON data too many elements   | Unable to parse 'data': Shape does not match true shape of 'data' field          | 500    | 400    | L0_http test.sh (exact body; checks != 200)
 * BYTES too few elements        | expected 16 string elements for inference input 'X' for model 'M', got 14         | 400    | 400    | L0_input_validation input_validation_test.py
 * BYTES too many elements       | unexpected number of string elements 17 for inference input 'X' for model 'M', expecting 16 | 400 | 400 | L0_input_validation input_validation_test.py
 * element count overflows       | The shape of input 'X' ... causes total element count to exceed maximum size of  | 400    | 400    | http_server.cc
 * byte size overflows           | byte size overflow for input 'X' for model 'M'                                    | 400    | 400    | http_server.cc
 * negative dimension            | Unable to parse 'shape': attempt to access JSON non-unsigned-integer as unsigned-integer | 500 | 400 | L0_http http_test.py test_negative_dimensions
 * body over the limit (JSON)    | Request JSON size ... exceeds the maximum allowed value ... Use --http-max-input-size to increase the limit | 400 | 400 | L0_http http_input_size_limit_test.py
 * body over the limit (binary)  | exceeds the maximum allowed value                                                | 400    | 400    | L0_http http_input_size_limit_test.py
 * JSON expanding past the limit | Request JSON size ... exceeds the maximum allowed value ... Use --http-max-input-size to increase the limit | 400 | 400 | L0_http http_input_size_limit_test.py
 * queue full (max_queue_size)  | Exceeds maximum queue size                                                       | 503    | 503    | L0_http http_test.py test_descriptive_status_code, core scheduler_utils.cc
 * model failed to load         | Request for unknown model: 'M' has no available versions                         | (any)  | 503    | L0_lifecycle lifecycle_test.py (assertIn / startswith)
 * model not loaded (EXPLICIT)  | Request for unknown model: 'M' is not found                                      | 400    | 400    | core model_repository_manager.cc FindModelIdentifier
 * a version not ready          | Request for unknown model: 'M' version V is not at ready state                   | 503    | 503    | core model_lifecycle.cc GetModel, prefixed by model_repository_manager.cc
 * </pre>
 *
 * Where Triton answers 500 for what is the client's error (its JSON reader reports these as internal
 * errors), Nereid answers 400: the wording is what clients match on, and the error is the client's.
 */
class TritonWordingTest {
  private static final int LIMIT = 64 << 10;
  private static TestHttp http;

  record Row(String name, String body, String triton, int tritonStatus, int status) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void start() {
    http = TestHttp.start(ModelControlMode.NONE, o -> o.maxRequestSize(LIMIT));
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  static String json(String name, String datatype, String shape, String data) {
    return "{\"inputs\":[{\"name\":\"" + name + "\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape + ",\"data\":"
        + data + "}]}";
  }

  static String sequence(int n) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 1; i <= n; i++) b.append(i == 1 ? "" : ",").append(i);
    return b.append(']').toString();
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("JSON data too few elements", json("int32_input", "INT32", "[1,16]", sequence(15)),
            "Unable to parse 'data': Shape does not match true shape of 'data' field", 500, 400),
        new Row("JSON data too many elements", json("int32_input", "INT32", "[1,16]", sequence(18)),
            "Unable to parse 'data': Shape does not match true shape of 'data' field", 500, 400),
        new Row("BYTES too few elements", "binary:14", "expected 16 string elements for inference input 'string_input'"
            + " for model 'identity', got 14", 400, 400),
        new Row("BYTES too many elements", "binary:18", "unexpected number of string elements 17 for inference input"
            + " 'string_input' for model 'identity', expecting 16", 400, 400),
        new Row("element count overflows", json("int32_input", "INT32", "[4294967296,4294967296]", "[1]"),
            "causes total element count to exceed maximum size of", 400, 400),
        new Row("byte size overflows", "overflow", "byte size overflow for input 'int32_input' for model 'identity'",
            400, 400),
        new Row("negative dimension", json("int32_input", "INT32", "[1,-16]", sequence(16)),
            "Unable to parse 'shape': attempt to access JSON non-unsigned-integer as unsigned-integer", 500, 400),
        new Row("body over the limit (JSON)", json("int32_input", "INT32", "[1,20000]", sequence(20000)),
            "exceeds the maximum allowed value of " + LIMIT + " bytes. Use --http-max-input-size to increase the limit.",
            400, 400),
        new Row("JSON expanding past the limit", json("int64_input", "INT64", "[1,12000]",
            "[" + "0,".repeat(11999) + "0]"), "exceeds the maximum allowed value of " + LIMIT
            + " bytes. Use --http-max-input-size to increase the limit.", 400, 400));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void answeredInTritonsWords(Row row) {
    HttpResponse<String> r = send(row);
    assertThat(r.statusCode()).as(row.name() + " (Triton answers " + row.tritonStatus() + ")").isEqualTo(row.status());
    assertThat(TestHttp.error(r)).as(row.name()).contains(row.triton());
    if (row.name().startsWith("body over") || row.name().startsWith("JSON expanding")) {
      assertThat(TestHttp.error(r)).startsWith("Request JSON size");
    }
    assertThat(http.get("/v2/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  void aFullQueueIs503ExceedsMaximumQueueSize(@TempDir Path repository) throws Exception {
    TestHttp.writeModel(repository, "held", """
        backend: "held"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        """);
    HeldBackend.reset();
    TestHttp held = TestHttp.start(ServerOptions.builder().modelRepository(repository).defaultMaxQueueSize(1).build(),
        o -> o);
    try {
      CompletableFuture<HttpResponse<String>> running = sendHeld(held);
      HeldBackend.awaitStarted();
      // One request runs and the queue holds one: of the next two, whichever arrives second is refused at
      // once (which one that is depends on the thread timing, so the test does not assume it).
      CompletableFuture<HttpResponse<String>> b = sendHeld(held);
      CompletableFuture<HttpResponse<String>> c = sendHeld(held);
      CompletableFuture.anyOf(b, c).get(60, TimeUnit.SECONDS);
      CompletableFuture<HttpResponse<String>> first = b.isDone() ? b : c;
      CompletableFuture<HttpResponse<String>> queued = first == b ? c : b;
      HttpResponse<String> refused = first.get();
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(TestHttp.error(refused)).startsWith("Exceeds maximum queue size").contains("'held'")
          .contains("max_queue_size 1");
      HeldBackend.release();
      assertThat(running.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(queued.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    } finally {
      HeldBackend.release();
      held.close();
    }
  }

  @Test
  void aModelThatFailedToLoadHasNoAvailableVersions(@TempDir Path repository) {
    TestHttp.writeModel(repository, "broken", "backend: \"no_such_backend\"\n");
    TestHttp broken = TestHttp.start(ServerOptions.builder().modelRepository(repository).build(), o -> o);
    try {
      HttpResponse<String> r = broken.post("/v2/models/broken/infer", json("INPUT0", "INT32", "[1]", "[1]"));
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(TestHttp.error(r)).startsWith("Request for unknown model: 'broken' has no available versions")
          .contains("no_such_backend");
    } finally {
      broken.close();
    }
  }

  @Test
  void aModelNotLoadedAndAVersionNotReadyAreNamedAsTritonDoes(@TempDir Path repository) {
    TestHttp.writeModel(repository, "idle", """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        """);
    TestHttp explicit = TestHttp.start(ServerOptions.builder().modelRepository(repository)
        .modelControlMode(ModelControlMode.EXPLICIT).build(), o -> o);
    try {
      String body = json("INPUT0", "INT32", "[1]", "[1]");
      HttpResponse<String> notLoaded = explicit.post("/v2/models/idle/infer", body);
      assertThat(notLoaded.statusCode()).isEqualTo(400);
      assertThat(TestHttp.error(notLoaded)).isEqualTo("Request for unknown model: 'idle' is not found");
      assertThat(explicit.post("/v2/repository/models/idle/load", "").statusCode()).isEqualTo(200);
      assertThat(explicit.post("/v2/repository/models/idle/unload", "").statusCode()).isEqualTo(200);
      TestHttp.await("idle to unload", () -> explicit.post("/v2/models/idle/versions/1/infer", body).statusCode() != 200);
      HttpResponse<String> notReady = explicit.post("/v2/models/idle/versions/1/infer", body);
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(TestHttp.error(notReady)).startsWith("Request for unknown model: 'idle' version 1 is not at ready state");
    } finally {
      explicit.close();
    }
  }

  private static CompletableFuture<HttpResponse<String>> sendHeld(TestHttp held) {
    return held.client.sendAsync(HttpRequest.newBuilder(held.uri("/v2/models/held/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(HttpFrontendLifecycleTest.SLOW_BODY)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> send(Row row) {
    String path = "/v2/models/identity/infer";
    if (row.body().startsWith("binary:")) {
      int n = Integer.parseInt(row.body().substring("binary:".length()));
      byte[][] elements = new byte[n][];
      for (int i = 0; i < n; i++) elements[i] = ("s" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] data = TestHttp.bytesElements(elements);
      String header = "{\"inputs\":[{\"name\":\"string_input\",\"datatype\":\"BYTES\",\"shape\":[1,16],"
          + "\"parameters\":{\"binary_data_size\":" + data.length + "}}]}";
      return http.send(HttpRequest.newBuilder(http.uri(path))
          .header("Inference-Header-Content-Length", Integer.toString(TestHttp.headerLength(header)))
          .POST(HttpRequest.BodyPublishers.ofByteArray(TestHttp.binaryBody(header, data))).build());
    }
    if (row.body().equals("overflow")) {
      // 2^61 x 2 INT32 elements: the count fits in 64 bits, the byte size does not.
      String header = "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[2305843009213693952,2],"
          + "\"parameters\":{\"binary_data_size\":4}}]}";
      return http.send(HttpRequest.newBuilder(http.uri(path))
          .header("Inference-Header-Content-Length", Integer.toString(TestHttp.headerLength(header)))
          .POST(HttpRequest.BodyPublishers.ofByteArray(TestHttp.binaryBody(header, new byte[4]))).build());
    }
    return http.post(path, row.body());
  }
}
