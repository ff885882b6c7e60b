package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Infer with JSON tensors: every JSON-capable data type through identity, nesting, ids, parameters. */
class InferJsonTest {
  static TestHttp http;

  @BeforeAll
  static void start() {
    http = TestHttp.start(TestModels.repository());
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  static String request(String input, String datatype, String shape, String data) {
    return "{\"inputs\":[{\"name\":\"" + input + "\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape
        + ",\"data\":" + data + "}]}";
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "bool|BOOL|[true,false,true]",
      "uint8|UINT8|[0,255,7]",
      "uint16|UINT16|[0,65535,1]",
      "uint32|UINT32|[0,4294967295,3]",
      "uint64|UINT64|[0,18446744073709551615,1]",
      "int8|INT8|[-128,127,0]",
      "int16|INT16|[-32768,32767,5]",
      "int32|INT32|[-2147483648,2147483647,9]",
      "int64|INT64|[-9223372036854775808,9223372036854775807,2]",
      "fp32|FP32|[1.5,-2.25,0.1]",
      "fp64|FP64|[1.5,-2.25,0.1]",
      "string|BYTES|[\"a\",\"h\u00e9llo \\\"quoted\\\"\",\"\"]",
  })
  void everyJsonTypeComesBackUnchanged(String prefix, String datatype, String data) {
    HttpResponse<String> r = http.post("/v2/models/identity/infer",
        request(prefix + "_input", datatype, "[1,3]", data));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.headers().firstValue("inference-header-content-length")).isEmpty();
    JsonNode out = TestHttp.json(r).path("outputs").get(0);
    assertThat(out.path("name").asText()).isEqualTo(prefix + "_output");
    assertThat(out.path("datatype").asText()).isEqualTo(datatype);
    assertThat(out.path("shape").toString()).isEqualTo("[1,3]");
    assertThat(out.path("data")).isEqualTo(TestHttp.json(data));
  }

  @Test
  void responseIsCompactAndNamesModelAndVersion() {
    String body = http.post("/v2/models/two_inputs/infer", "{\"inputs\":["
        + "{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[16],\"data\":[2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32]},"
        + "{\"name\":\"INPUT1\",\"datatype\":\"INT32\",\"shape\":[16],\"data\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}").body();
    assertThat(body).contains("[2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32]", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]");
    assertThat(body).startsWith("{\"model_name\":\"two_inputs\",\"model_version\":\"1\",\"outputs\":[");
  }

  @Test
  void nestedDataIsRowMajor() {
    HttpResponse<String> r = http.post("/v2/models/identity/infer",
        request("int32_input", "INT32", "[2,3]", "[[1,2,3],[4,5,6]]"));
    JsonNode out = TestHttp.json(r).path("outputs").get(0);
    assertThat(out.path("shape").toString()).isEqualTo("[2,3]");
    assertThat(out.path("data").toString()).isEqualTo("[1,2,3,4,5,6]");
  }

  @Test
  void idIsEchoedFirst() {
    String body = http.post("/v2/models/identity/infer", "{\"id\":\"req-42\",\"inputs\":[{\"name\":\"int8_input\","
        + "\"datatype\":\"INT8\",\"shape\":[1,1],\"data\":[1]}]}").body();
    assertThat(body).startsWith("{\"id\":\"req-42\",\"model_name\":\"identity\"");
  }

  @Test
  void requestedOutputsLimitTheResponse() {
    JsonNode r = TestHttp.json(http.post("/v2/models/two_inputs/infer", "{\"inputs\":["
        + "{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[16],\"data\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]},"
        + "{\"name\":\"INPUT1\",\"datatype\":\"INT32\",\"shape\":[16],\"data\":[2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2]}],"
        + "\"outputs\":[{\"name\":\"OUTPUT1\"}]}"));
    assertThat(r.path("outputs")).hasSize(1);
    assertThat(r.path("outputs").get(0).path("name").asText()).isEqualTo("OUTPUT1");
  }

  @Test
  void parametersReachTheModelTyped() {
    JsonNode r = TestHttp.json(http.post("/v2/models/echo/infer", "{\"id\":\"e1\",\"parameters\":{"
        + "\"sequence_id\":18446744073709551615,\"sequence_start\":true,\"sequence_end\":false,\"priority\":1,"
        + "\"timeout\":5000000,\"name\":\"x\",\"count\":3,\"ratio\":0.5,\"flag\":true},"
        + "\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1],\"data\":[1]}]}"));
    JsonNode echo = TestHttp.json(r.path("outputs").get(0).path("data").get(0).asText());
    assertThat(echo.path("id").asText()).isEqualTo("e1");
    assertThat(echo.path("correlation_id").asLong()).isEqualTo(-1L); // 2^64-1 as an unsigned 64-bit id
    assertThat(echo.path("sequence_start").asBoolean()).isTrue();
    assertThat(echo.path("sequence_end").asBoolean()).isFalse();
    JsonNode expected = TestHttp.json("{\"name\":\"x\",\"count\":3,\"ratio\":0.5,\"flag\":true}");
    assertThat(echo.path("parameters")).isEqualTo(expected);
    assertThat(r.path("parameters")).isEqualTo(expected);
  }

  @Test
  void stringSequenceIdIsAccepted() {
    JsonNode r = TestHttp.json(http.post("/v2/models/echo/infer", "{\"parameters\":{\"sequence_id\":\"seq-a\"},"
        + "\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1],\"data\":[1]}]}"));
    JsonNode echo = TestHttp.json(r.path("outputs").get(0).path("data").get(0).asText());
    assertThat(echo.path("correlation_id").asText()).isEqualTo("seq-a");
  }

  @Test
  void batchingModelTakesTheBatchDimension() {
    JsonNode r = TestHttp.json(http.post("/v2/models/identity_batch/infer",
        request("INPUT0", "FP32", "[2,4]", "[[1,2,3,4],[5,6,7,8]]")));
    JsonNode out = r.path("outputs").get(0);
    assertThat(out.path("shape").toString()).isEqualTo("[2,4]");
    assertThat(out.path("data").toString()).isEqualTo("[1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0]");
  }

  @Test
  void versionInThePathIsServed() {
    HttpResponse<String> r = http.post("/v2/models/identity/versions/1/infer",
        request("int32_input", "INT32", "[1,1]", "[7]"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestHttp.json(r).path("model_version").asText()).isEqualTo("1");
  }

  @Test
  void classificationReturnsTopScoresPerBatchEntry() {
    JsonNode r = TestHttp.json(http.post("/v2/models/scores/infer", "{\"inputs\":[{\"name\":\"INPUT0\","
        + "\"datatype\":\"FP32\",\"shape\":[2,5],\"data\":[0.1,0.7,0.2,0.0,0.5,9,1,3,2,0]}],"
        + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"classification\":2}}]}"));
    JsonNode out = r.path("outputs").get(0);
    assertThat(out.path("datatype").asText()).isEqualTo("BYTES");
    assertThat(out.path("shape").toString()).isEqualTo("[2,2]");
    assertThat(out.path("data").toString())
        .isEqualTo("[\"0.700000:1\",\"0.500000:4\",\"9.000000:0\",\"3.000000:2\"]");
  }

  @Test
  void emptyTensorsTravel() {
    JsonNode out = TestHttp.json(http.post("/v2/models/identity/infer", request("fp32_input", "FP32", "[1,0]", "[]")))
        .path("outputs").get(0);
    assertThat(out.path("shape").toString()).isEqualTo("[1,0]");
    assertThat(out.path("data").toString()).isEqualTo("[]");
  }
}
