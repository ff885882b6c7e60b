package dev.nereid.python;

import static org.assertj.core.api.Assertions.assertThat;

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
}
