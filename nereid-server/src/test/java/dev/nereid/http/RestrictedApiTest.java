package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelControlMode;
import dev.nereid.frontend.RestrictedApis;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** --http-restricted-api: categories answer 403 unless the request carries the header and value. */
class RestrictedApiTest {
  static TestHttp http;

  @BeforeAll
  static void start() {
    RestrictedApis restricted = RestrictedApis.parse(
        List.of("model-repository:admin-key=admin-value", "inference,metadata:infer-key=infer-value"));
    http = TestHttp.start(ModelControlMode.EXPLICIT, o -> o.restrictedApis(restricted));
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  static HttpResponse<String> post(String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(http.uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) b.headers(headers);
    return http.send(b.build());
  }

  @Test
  void repositoryNeedsTheAdminHeader() {
    HttpResponse<String> without = post("/v2/repository/index", "");
    assertThat(without.statusCode()).isEqualTo(403);
    assertThat(TestHttp.error(without)).isEqualTo("This API is restricted, expecting header 'admin-key'");
    assertThat(post("/v2/repository/index", "", "admin-key", "wrong").statusCode()).isEqualTo(403);
    assertThat(post("/v2/repository/index", "", "Admin-Key", "admin-value").statusCode()).isEqualTo(200);
    assertThat(post("/v2/repository/models/identity/unload", "", "infer-key", "infer-value").statusCode()).isEqualTo(403);
  }

  @Test
  void inferenceAndMetadataNeedTheInferHeader() {
    String body = "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,1],\"data\":[1]}]}";
    HttpResponse<String> without = post("/v2/models/identity/infer", body);
    assertThat(without.statusCode()).isEqualTo(403);
    assertThat(TestHttp.error(without)).isEqualTo("This API is restricted, expecting header 'infer-key'");
    assertThat(post("/v2/models/identity/infer", body, "infer-key", "infer-value").statusCode()).isEqualTo(200);
    assertThat(post("/v2/models/repeat_int32/generate_stream", "{}").statusCode()).isEqualTo(403);
    assertThat(http.get("/v2").statusCode()).isEqualTo(403);
    assertThat(http.get("/v2/models/identity").statusCode()).isEqualTo(403);
  }

  @Test
  void restrictionComesBeforeTheMethodCheck() {
    assertThat(http.get("/v2/models/identity/infer").statusCode()).isEqualTo(403);
  }

  @Test
  void unrestrictedCategoriesStayOpen() {
    assertThat(http.get("/v2/health/ready").statusCode()).isEqualTo(200);
    assertThat(http.get("/v2/models/identity/config").statusCode()).isEqualTo(200);
    assertThat(http.get("/v2/models/stats").statusCode()).isEqualTo(200);
  }
}
