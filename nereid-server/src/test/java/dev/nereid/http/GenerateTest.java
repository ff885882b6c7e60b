package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The generate extension: generate (one JSON object) and generate_stream (server-sent events). */
class GenerateTest {
  static TestHttp http;

  @BeforeAll
  static void start() {
    http = TestHttp.start(TestModels.repository());
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  /** The {@code data:} payloads of an event stream, in order. */
  static List<JsonNode> events(HttpResponse<String> r) {
    assertThat(r.body()).endsWith("\n\n");
    return r.body().lines().filter(l -> !l.isEmpty()).map(l -> {
      assertThat(l).startsWith("data: ");
      return TestHttp.json(l.substring("data: ".length()));
    }).toList();
  }

  @Test
  void generateMapsTopLevelFieldsToInputsAndOutputsBack() {
    HttpResponse<String> r = http.post("/v2/models/identity/generate",
        "{\"int32_input\":[1,2,3],\"fp32_input\":2.5,\"string_input\":\"hello\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode body = TestHttp.json(r);
    assertThat(body.path("model_name").asText()).isEqualTo("identity");
    assertThat(body.path("model_version").asText()).isEqualTo("1");
    assertThat(body.path("int32_output").toString()).isEqualTo("[1,2,3]");
    assertThat(body.path("fp32_output").toString()).isEqualTo("2.5"); // one element: a scalar
    assertThat(body.path("string_output").asText()).isEqualTo("hello");
  }

  @Test
  void otherFieldsAndParametersBecomeRequestParameters() {
    JsonNode body = TestHttp.json(http.post("/v2/models/echo/generate",
        "{\"id\":\"g1\",\"INPUT0\":[7],\"extra\":\"x\",\"parameters\":{\"temperature\":0.5,\"stream\":false,\"n\":2}}"));
    assertThat(body.path("id").asText()).isEqualTo("g1");
    JsonNode echo = TestHttp.json(body.path("REQUEST").asText());
    assertThat(echo.path("id").asText()).isEqualTo("g1");
    assertThat(echo.path("parameters")).isEqualTo(
        TestHttp.json("{\"extra\":\"x\",\"temperature\":0.5,\"stream\":false,\"n\":2}"));
    assertThat(body.path("temperature").asDouble()).isEqualTo(0.5); // response parameters are flattened too
  }

  @Test
  void generateOnADecoupledModelWithOneResponse() {
    JsonNode body = TestHttp.json(http.post("/v2/models/repeat_int32/generate", "{\"IN\":[5],\"DELAY\":[0],\"WAIT\":0}"));
    assertThat(body.path("OUT").asInt()).isEqualTo(5);
    assertThat(body.path("IDX").asInt()).isZero();
  }

  @Test
  void generateWithSeveralResponsesPointsToGenerateStream() {
    HttpResponse<String> r = http.post("/v2/models/repeat_int32/generate", "{\"IN\":[1,2],\"DELAY\":[0,0],\"WAIT\":0}");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(TestHttp.error(r)).isEqualTo("generate expects model to produce exactly 1 response, use generate stream"
        + " for model that generates various number of responses");
  }

  @Test
  void generateStreamSendsOneEventPerResponse() {
    HttpResponse<String> r = http.post("/v2/models/repeat_int32/generate_stream",
        "{\"IN\":[10,20,30],\"DELAY\":[0,5,5],\"WAIT\":0}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
    List<JsonNode> events = events(r);
    assertThat(events).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(events.get(i).path("model_name").asText()).isEqualTo("repeat_int32");
      assertThat(events.get(i).path("OUT").asInt()).isEqualTo(10 * (i + 1));
      assertThat(events.get(i).path("IDX").asInt()).isEqualTo(i);
    }
  }

  @Test
  void generateStreamOnSquare() {
    List<JsonNode> events = events(http.post("/v2/models/square_int32/generate_stream", "{\"IN\":4}"));
    assertThat(events).hasSize(4).allSatisfy(e -> assertThat(e.path("OUT").asInt()).isEqualTo(4));
  }

  @Test
  void generateStreamWithNoResponsesIsAnEmptyStream() {
    HttpResponse<String> r = http.post("/v2/models/repeat_int32/generate_stream", "{\"IN\":[],\"DELAY\":[],\"WAIT\":0}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
  }

  @Test
  void generateStreamOnANonDecoupledModel() {
    List<JsonNode> events = events(http.post("/v2/models/identity/generate_stream", "{\"int64_input\":[1,2]}"));
    assertThat(events).hasSize(1);
    assertThat(events.get(0).path("int64_output").toString()).isEqualTo("[1,2]");
  }

  @Test
  void errorsBeforeTheStreamStartsArePlainJsonErrors() {
    HttpResponse<String> unknown = http.post("/v2/models/nope/generate_stream", "{\"IN\":1}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(TestHttp.error(unknown)).isEqualTo("Request for unknown model: 'nope' is not found");
    HttpResponse<String> badType = http.post("/v2/models/square_int32/generate_stream", "{\"IN\":\"four\"}");
    assertThat(badType.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(badType)).contains("INT32 input 'IN'");
    HttpResponse<String> badShape = http.post("/v2/models/repeat_int32/generate", "{\"IN\":[1],\"DELAY\":[0],\"WAIT\":[1,2]}");
    assertThat(TestHttp.error(badShape)).isEqualTo("The schema can not convert input 'WAIT' to tensor with proper shape");
    HttpResponse<String> badParameters = http.post("/v2/models/echo/generate", "{\"INPUT0\":[1],\"parameters\":[1]}");
    assertThat(TestHttp.error(badParameters)).isEqualTo("Expected JSON object for keyword: 'parameters'");
    HttpResponse<String> missing = http.post("/v2/models/repeat_int32/generate_stream", "{\"IN\":[1]}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(missing)).startsWith("expected 3 inputs but got 1 inputs for model 'repeat_int32'");
  }

  @Test
  void eventsArriveAsTheModelProducesThem() throws Exception {
    GatedStreamBackend.reset();
    HttpResponse<java.util.stream.Stream<String>> r = http.client.send(
        HttpRequest.newBuilder(http.uri("/v2/models/gated/generate_stream"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"IN\":0}")).build(),
        HttpResponse.BodyHandlers.ofLines());
    var lines = r.body().filter(l -> !l.isEmpty()).iterator();
    // The model holds its second response until released: the first event must already be here.
    assertThat(lines.next()).contains("\"OUT\":1");
    GatedStreamBackend.release();
    assertThat(lines.next()).contains("\"OUT\":2");
    assertThat(lines.hasNext()).isFalse();
  }
}
