package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nereid perf} runs each load level and reports what perf_analyzer reports. */
class PerfCommandTest {
  @TempDir Path dir;

  @Test
  void concurrencyRangeReportsEveryLevelAndWritesCsv() throws Exception {
    Path csv = dir.resolve("perf.csv");
    CliRun run = CliRun.of("perf", "identity", "--model-repository=" + CliRun.EXAMPLES,
        "--input", "fp16_input=[[1.5, 2.5]]", "--concurrency-range", "1:3:2", "--measurement-interval", "200",
        "-f", csv.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("Concurrency: 1\n").contains("Concurrency: 3\n").doesNotContain("Concurrency: 2\n");
    assertThat(run.out()).containsPattern("Throughput: [0-9.]+ infer/sec");
    assertThat(run.out()).containsPattern("p50 latency: [0-9.]+ usec, p90: [0-9.]+ usec, p95: [0-9.]+ usec, p99: [0-9.]+ usec");
    assertThat(run.out()).containsPattern("Server: queue [0-9.]+ usec, compute input [0-9.]+ usec, compute infer");
    List<String> rows = Files.readAllLines(csv);
    assertThat(rows.get(0)).startsWith("Concurrency,Request Rate,Inferences/Second");
    assertThat(rows).hasSize(3);
    assertThat(rows.get(1)).startsWith("1,").doesNotContain(",0.0,0,");
    assertThat(rows.get(2)).startsWith("3,");
  }

  @Test
  void warmsUpBeforeTheFirstLevelWithoutMeasuringIt() throws Exception {
    CliRun run = CliRun.of("perf", "identity", "--model-repository=" + CliRun.EXAMPLES,
        "--input", "fp16_input=[[1.5, 2.5]]", "--concurrency-range", "2:2:1", "--measurement-interval", "200",
        "--warmup-interval", "300");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("Warm-up: [1-9][0-9]* requests in 300 msec \\(not measured\\)");
    // The warm-up comes before the measured level.
    assertThat(run.out().indexOf("Warm-up:")).isLessThan(run.out().indexOf("Concurrency: 2"));

    CliRun none = CliRun.of("perf", "identity", "--model-repository=" + CliRun.EXAMPLES,
        "--input", "fp16_input=[[1.5, 2.5]]", "--concurrency-range", "1:1:1", "--measurement-interval", "200",
        "--warmup-interval", "0");
    assertThat(none.exitCode()).as(none.err()).isZero();
    assertThat(none.out()).doesNotContain("Warm-up:");
  }

  @Test
  void requestRateModeAndRandomInputsForABatchingModel() throws Exception {
    Files.createDirectories(dir.resolve("repo/batched/1"));
    Files.writeString(dir.resolve("repo/batched/config.pbtxt"), """
        backend: "identity"
        max_batch_size: 8
        input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
        dynamic_batching { max_queue_delay_microseconds: 100 }
        """);
    CliRun run = CliRun.of("perf", "batched", "--model-repository=" + dir.resolve("repo"), "--request-rate", "500",
        "--batch-size", "4", "--shape", "INPUT0:16", "--measurement-interval", "300", "--percentile", "75");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("Request rate: 500.0/s").contains("Batch size: 4").containsPattern("p75 latency: [0-9.]+ usec");
    assertThat(run.out()).contains("0 errors");
  }

  @Test
  void aWrongInputFailsOnceWithTheModelsMessage() {
    CliRun run = CliRun.of("perf", "identity", "--model-repository=" + CliRun.EXAMPLES, "--input", "nope=[1]",
        "--measurement-interval", "100");
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.errLines()).anySatisfy(line -> assertThat(line).contains("nope"));
  }

  @Test
  void drivesARemoteServerOverGrpc() throws Exception {
    try (dev.nereid.Server server = new dev.nereid.Server(dev.nereid.ServerOptions.of(CliRun.EXAMPLES)).start();
        dev.nereid.grpc.GrpcFrontend grpc = dev.nereid.grpc.GrpcFrontend.start(server,
            dev.nereid.grpc.GrpcFrontend.Options.defaults().withPort(0))) {
      CliRun run = CliRun.of("perf", "identity", "-u", "127.0.0.1:" + grpc.port(), "-i", "grpc",
          "--input", "string_input=[[\"a\", \"b\"]]", "--concurrency-range", "2", "--measurement-interval", "300");

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out()).contains("Target: grpc://127.0.0.1:").contains("Concurrency: 2\n").contains(" 0 errors");
      assertThat(run.out()).containsPattern("Server: queue [0-9.]+ usec");
      assertThat(server.model("identity").statistics().get(0).inferenceStats().success().count()).isPositive();
    }
  }

  @Test
  void drivesARemoteServerOverHttp() throws Exception {
    try (dev.nereid.Server server = new dev.nereid.Server(dev.nereid.ServerOptions.of(CliRun.EXAMPLES)).start();
        dev.nereid.http.HttpFrontend http = dev.nereid.http.HttpFrontend.start(server,
            dev.nereid.http.HttpFrontend.Options.builder().port(0).build())) {
      CliRun run = CliRun.of("perf", "identity", "-u", "127.0.0.1:" + http.port(), "-i", "http",
          "--input", "fp32_input=[[1.5, 2.5, 3.5]]", "--concurrency-range", "2", "--measurement-interval", "300");

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out()).contains("Target: http://127.0.0.1:").contains("Concurrency: 2\n").contains(" 0 errors");
      assertThat(run.out()).containsPattern("Server: queue [0-9.]+ usec");
      assertThat(server.model("identity").statistics().get(0).inferenceStats().success().count()).isPositive();
    }
  }

  @Test
  void aBadProtocolIsAUsageError() {
    CliRun run = CliRun.of("perf", "identity", "-u", "127.0.0.1:1", "-i", "smoke-signals");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--protocol must be http or grpc");
  }

  @Test
  void aBadRangeIsAUsageError() {
    CliRun run = CliRun.of("perf", "identity", "--concurrency-range", "4:2");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--concurrency-range");
  }
}
