package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Health, server and model metadata, readiness, config, statistics and routing over real HTTP. */
class InfoEndpointsTest {
  static TestHttp http;

  @BeforeAll
  static void start() {
    http = TestHttp.start();
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  @Test
  void healthLiveAndReadyAnswer200WithEmptyBody() {
    HttpResponse<String> live = http.get("/v2/health/live");
    HttpResponse<String> ready = http.get("/v2/health/ready");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body()).isEmpty();
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEmpty();
  }

  @Test
  void queryStringsAreIgnored() {
    assertThat(http.get("/v2/health/live?test_1=1&test_2=2").statusCode()).isEqualTo(200);
  }

  @Test
  void serverMetadataIsNamedTritonWithExtensions() {
    HttpResponse<String> r = http.get("/v2");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode body = TestHttp.json(r);
    assertThat(body.path("name").asText()).isEqualTo("triton");
    assertThat(body.path("version").asText()).isNotEmpty();
    assertThat(body.path("extensions").toString()).contains("\"binary_tensor_data\"", "\"model_repository\"",
        "\"statistics\"");
  }

  @Test
  void modelMetadataListsVersionsAsStringsAndTensors() {
    JsonNode body = TestHttp.json(http.get("/v2/models/repeat_int32"));
    assertThat(body.path("name").asText()).isEqualTo("repeat_int32");
    assertThat(body.path("versions").toString()).isEqualTo("[\"1\"]");
    assertThat(body.path("platform").asText()).isEqualTo("repeat");
    assertThat(body.path("inputs").toString()).contains("{\"name\":\"IN\",\"datatype\":\"INT32\",\"shape\":[-1]}");
    assertThat(body.path("outputs").toString()).contains("{\"name\":\"IDX\",\"datatype\":\"UINT32\",\"shape\":[1]}");
    assertThat(http.get("/v2/models/repeat_int32/versions/1").statusCode()).isEqualTo(200);
  }

  @Test
  void unknownModelIs400WithTritonsMessage() {
    HttpResponse<String> r = http.get("/v2/models/nope");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(r)).isEqualTo("Request for unknown model: 'nope' is not found");
  }

  @Test
  void unknownVersionIs404() {
    HttpResponse<String> r = http.get("/v2/models/identity/versions/99");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(TestHttp.error(r)).isEqualTo("Request for unknown model: 'identity' version 99 is not found");
  }

  @Test
  void modelReadyIs200OrNotReady() {
    assertThat(http.get("/v2/models/identity/ready").statusCode()).isEqualTo(200);
    assertThat(http.get("/v2/models/identity/versions/1/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> missing = http.get("/v2/models/nope/ready");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(missing)).isEqualTo("Model version not ready");
  }

  @Test
  void configIsTheAutoCompletedConfigAsCompactJson() {
    HttpResponse<String> r = http.get("/v2/models/identity/config");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode config = TestHttp.json(r);
    assertThat(config.path("name").asText()).isEqualTo("identity");
    assertThat(config.path("max_batch_size").asInt()).isZero();
    assertThat(config.path("input").toString()).contains("\"fp32_input\"");
    assertThat(r.body()).doesNotContain("\n");
  }

  @Test
  void statisticsHaveTritonsShape() {
    http.post("/v2/models/identity/infer",
        "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,2],\"data\":[1,2]}]}");
    JsonNode one = TestHttp.json(http.get("/v2/models/identity/stats"));
    assertThat(one.path("model_stats")).hasSize(1);
    JsonNode s = one.path("model_stats").get(0);
    assertThat(s.path("name").asText()).isEqualTo("identity");
    assertThat(s.path("version").asText()).isEqualTo("1");
    assertThat(s.path("inference_count").asLong()).isPositive();
    assertThat(s.path("execution_count").asLong()).isPositive();
    assertThat(s.path("last_inference").asLong()).isPositive();
    assertThat(s.path("inference_stats").path("success").path("count").asLong()).isPositive();
    for (String f : new String[] {"fail", "queue", "compute_input", "compute_infer", "compute_output", "cache_hit",
        "cache_miss"}) {
      assertThat(s.path("inference_stats").path(f).has("count")).as(f).isTrue();
      assertThat(s.path("inference_stats").path(f).has("ns")).as(f).isTrue();
    }
    assertThat(s.path("batch_stats").isArray()).isTrue();
    JsonNode all = TestHttp.json(http.get("/v2/models/stats"));
    assertThat(all.path("model_stats").findValuesAsText("name")).contains("identity", "repeat_int32", "square_int32");
    assertThat(TestHttp.json(http.get("/v2/models/identity/versions/1/stats")).path("model_stats")).hasSize(1);
  }

  @Test
  void unknownRoutesAre404NotFound() {
    for (String path : new String[] {"/v1/models", "/v2/foo", "/v2/models", "/v2/models/identity/bogus",
        "/v2/models/identity/versions/x", "/v2/health", "/v2/health/alive"}) {
      HttpResponse<String> r = http.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(TestHttp.error(r)).as(path).isEqualTo("Not Found");
    }
  }

  @Test
  void wrongMethodIs405() {
    HttpResponse<String> post = http.post("/v2/health/live", "");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(TestHttp.error(post)).isEqualTo("Method Not Allowed");
    HttpResponse<String> get = http.get("/v2/models/identity/infer");
    assertThat(get.statusCode()).isEqualTo(405);
    HttpResponse<String> delete = http.send(HttpRequest.newBuilder(http.uri("/v2")).DELETE().build());
    assertThat(delete.statusCode()).isEqualTo(405);
  }

  @Test
  void extensionEndpointsAnswer() {
    HttpResponse<String> shm = http.get("/v2/systemsharedmemory/status");
    assertThat(shm.statusCode()).isEqualTo(200);
    assertThat(shm.body()).isEqualTo("[]");
    HttpResponse<String> register = http.post("/v2/cudasharedmemory/region/r0/register", "{}");
    assertThat(register.statusCode()).isEqualTo(501);
    assertThat(http.get("/v2/trace/setting").statusCode()).isEqualTo(200);
  }
}
