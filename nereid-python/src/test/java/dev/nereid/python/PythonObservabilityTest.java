package dev.nereid.python;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.InferenceResponse;
import dev.nereid.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pb_utils.Logger lines reach the server's log; pb_utils.MetricFamily metrics reach its metrics. */
class PythonObservabilityTest {
  @TempDir Path repository;

  @Test
  void loggerAndCustomMetrics() throws Exception {
    try (Server server = PythonRepository.serve(repository, "observed")) {
      for (float v : new float[] {1.5f, 4f}) {
        server.model("observed").infer(Map.of("X", new float[] {v, v})).next();
      }
      String metrics = server.metrics();
      assertThat(metrics).contains("# HELP observed_requests_total Requests the observed model ran");
      assertThat(metrics).containsPattern("observed_requests_total\\{model=\"observed\",version=\"1\"} 2(\\.0)?\n");
      assertThat(metrics).containsPattern("observed_last_sum\\{model=\"observed\"} 8(\\.0)?\n");
    }
    Path log = Path.of(System.getProperty("org.slf4j.simpleLogger.logFile"));
    String text = Files.readString(log);
    assertThat(text).contains("INFO dev.nereid.python.model - [observed] observed initialized: instance observed_0");
    assertThat(text).contains("WARN dev.nereid.python.model - [observed] observed sum 8.0, counter now 2.0");
    assertThat(text).contains("[observed_0] printed by observed");
  }

  @Test
  void histogramCounterAndGaugeAsTritonExportsThem() throws Exception {
    try (Server server = PythonRepository.serve(repository, "custom_metrics")) {
      String before = server.metrics();
      // Created in initialize, so they show before any request, at zero.
      assertThat(before).contains("custom_x_values_bucket{input=\"X\",model=\"custom_metrics\",le=\"0.1\"} 0")
          .contains("custom_x_values_count{input=\"X\",model=\"custom_metrics\"} 0")
          .containsPattern("custom_requests_total\\{model=\"custom_metrics\"} 0(\\.0)?\n")
          .containsPattern("vllm:prompt_tokens_total\\{model=\"custom_metrics\"} 0(\\.0)?\n");

      InferenceResponse response = server.model("custom_metrics").infer(Map.of("X", new float[] {0.05f, 1.5f})).next();
      server.model("custom_metrics").infer(Map.of("X", new float[] {6f})).next();

      String metrics = server.metrics();
      assertThat(metrics).contains("# HELP custom_x_values X values seen", "# TYPE custom_x_values histogram",
          "# TYPE custom_requests_total counter"); // bounds print as Triton prints them: le="1", not "1.0"
      String labels = "input=\"X\",model=\"custom_metrics\"";
      assertThat(metrics)
          .contains("custom_x_values_bucket{" + labels + ",le=\"0.1\"} 1\n")
          .contains("custom_x_values_bucket{" + labels + ",le=\"1\"} 1\n")
          .contains("custom_x_values_bucket{" + labels + ",le=\"2.5\"} 2\n")
          .contains("custom_x_values_bucket{" + labels + ",le=\"5\"} 2\n")
          .contains("custom_x_values_bucket{" + labels + ",le=\"10\"} 3\n")
          .contains("custom_x_values_bucket{" + labels + ",le=\"+Inf\"} 3\n")
          .contains("custom_x_values_count{" + labels + "} 3\n")
          .containsPattern("custom_x_values_sum\\{" + java.util.regex.Pattern.quote(labels) + "} 7\\.55\\d*\n")
          .contains("custom_x_values_count{input=\"unused\",model=\"custom_metrics\"} 0\n")
          .containsPattern("custom_requests_total\\{model=\"custom_metrics\"} 2(\\.0)?\n")
          .containsPattern("custom_last_batch\\{model=\"custom_metrics\"} 1(\\.0)?\n");

      assertThat(response.output("ERRORS").toStrings()).containsExactly(
          "histogram 'custom_x_values': a HISTOGRAM metric needs buckets",
          "histogram 'custom_x_values': buckets must be strictly ascending, got [2.5, 0.1]",
          "histogram 'custom_x_values' has bucket bounds [0.1, 1.0, 2.5, 5.0, 10.0]; every metric of a family shares"
              + " them, got [1.0, 2.0]",
          "metric family 'custom_requests_total' exists as a counter, cannot add it as a gauge",
          "metric family 'custom_requests_total' exists as a counter with labels [model], got a counter with labels"
              + " [route]",
          "counter 'custom_requests_total' cannot decrease (got -1)",
          "'custom_requests_total' is a counter: only a gauge can be set",
          "'custom_last_batch' is a gauge: only a histogram observes values",
          "'custom_x_values' is a histogram: a histogram cannot be incremented, use observe()",
          "'custom_x_values' is a histogram: a histogram has no single value; read its buckets on /metrics");
    }
  }
}
