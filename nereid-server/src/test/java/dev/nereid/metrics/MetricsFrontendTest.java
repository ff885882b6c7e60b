package dev.nereid.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.InferenceRequest;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /metrics: Triton's families for every model and the CPU gauges, in Prometheus text format. */
class MetricsFrontendTest {
  static Server server;
  static MetricsFrontend metrics;
  static final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    server = new Server(ServerOptions.of(Path.of("..", "examples", "models"))).start();
    metrics = MetricsFrontend.start(server, new MetricsFrontend.Options("127.0.0.1", 0));
  }

  @AfterAll
  static void stop() {
    metrics.close();
    server.stop();
  }

  static HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double value(String text, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
    assertThat(m.find()).as(series + " in\n" + text).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void servesTritonFamiliesForEveryModel() throws Exception {
    server.model("identity").inferAsync(InferenceRequest.builder()
        .input("int32_input", new int[][] {{1, 2}}).build()).join();
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    String text = r.body();
    assertThat(value(text, "nv_inference_request_success{model=\"identity\",version=\"1\"}")).isGreaterThanOrEqualTo(1);
    assertThat(value(text, "nv_inference_count{model=\"identity\",version=\"1\"}")).isGreaterThanOrEqualTo(1);
    assertThat(text).contains("nv_inference_exec_count{model=\"repeat_int32\",version=\"1\"}",
        "nv_inference_request_failure{model=\"square_int32\",reason=\"BACKEND\",version=\"1\"}",
        "nv_inference_queue_duration_us{", "nv_inference_compute_infer_duration_us{",
        "nv_inference_pending_request_count{");
  }

  @Test
  void servesCpuGauges() throws Exception {
    String text = get("/metrics").body();
    double total = value(text, "nv_cpu_memory_total_bytes");
    double used = value(text, "nv_cpu_memory_used_bytes");
    assertThat(total).isGreaterThan(0);
    assertThat(used).isGreaterThan(0).isLessThanOrEqualTo(total);
    assertThat(value(text, "nv_cpu_utilization")).isBetween(0.0, 1.0);
    assertThat(text).contains("# HELP nv_cpu_utilization CPU utilization rate [0.0 - 1.0]");
  }

  @Test
  void otherPathsAndMethods() throws Exception {
    assertThat(get("/metrics?name=x").statusCode()).isEqualTo(200);
    assertThat(get("/").statusCode()).isEqualTo(404);
    assertThat(get("/metrics/extra").statusCode()).isEqualTo(404);
    HttpResponse<String> post = client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metrics.port() + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }
}
