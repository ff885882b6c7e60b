package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nereid serve} as a separate process: it prints the ports it bound (HTTP, gRPC, metrics), serves,
 * and on SIGTERM lets the requests in flight (one executing, one queued) finish before exiting 0.
 */
class ServeProcessTest {
  static final Pattern HTTP_STARTED = Pattern.compile("Started HTTPService at 127\\.0\\.0\\.1:(\\d+)");
  static final Pattern METRICS_STARTED = Pattern.compile("Started Metrics Service at 127\\.0\\.0\\.1:(\\d+)");
  static final Pattern GRPC_STARTED = Pattern.compile("Started GRPCInferenceService at 127\\.0\\.0\\.1:(\\d+)");

  @TempDir
  Path temp;

  @Test
  void drainsRequestsInFlightOnSigtermAndExitsZero() throws Exception {
    Path repository = temp.resolve("models");
    Files.createDirectories(repository.resolve("slow/1"));
    Files.writeString(repository.resolve("slow/config.pbtxt"), """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        instance_group [ { kind: KIND_CPU count: 1 } ]
        parameters { key: "execute_delay_ms" value { string_value: "4000" } }
        """);
    // The test waits to see the second request queued behind the first, which is only visible while
    // the first executes: 4 s (it was 1 s, a narrow window on a loaded machine) leaves time to deliver the
    // second, and both still finish well within the exit timeout.
    Path argfile = temp.resolve("java.args");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Files.writeString(argfile, "-cp\n\"" + classpath.replace("\\", "\\\\") + "\"\n-Xmx256m\n-Dorg.slf4j.simpleLogger.defaultLogLevel=info\n"
        + ServeCommand.class.getName() + "\n");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process = new ProcessBuilder(java.toString(), "@" + argfile, "--model-repository", repository.toString(),
        "--http-port", "0", "--grpc-port", "0", "--metrics-port", "0", "--exit-timeout-secs", "30")
        .redirectErrorStream(true).start();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread reader = Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) output.add(line);
      } catch (IOException e) {
        output.add("<output closed: " + e + ">");
      }
    });
    try {
      int httpPort = awaitPort(output, HTTP_STARTED, process);
      int metricsPort = awaitPort(output, METRICS_STARTED, process);
      int grpcPort = awaitPort(output, GRPC_STARTED, process);
      new java.net.Socket("127.0.0.1", grpcPort).close(); // the gRPC front end listens too
      HttpClient client = HttpClient.newHttpClient();
      URI infer = URI.create("http://127.0.0.1:" + httpPort + "/v2/models/slow/infer");
      assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v2/health/ready"))
          .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

      // Two slow requests on one model instance: while the first executes, the second waits in the
      // queue, which the metrics show as one pending request. Then both are in the server.
      List<CompletableFuture<HttpResponse<String>>> slow = new java.util.ArrayList<>();
      for (int i = 0; i < 2; i++) {
        slow.add(client.sendAsync(HttpRequest.newBuilder(infer).POST(HttpRequest.BodyPublishers.ofString(
            "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[3],\"data\":[7,8," + i + "]}]}"))
            .build(), HttpResponse.BodyHandlers.ofString()));
      }
      URI metrics = URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!client.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body()
          .contains("nv_inference_pending_request_count{model=\"slow\",version=\"1\"} 1")) {
        assertThat(System.nanoTime()).as("the slow requests never reached the server").isLessThan(deadline);
        Thread.sleep(20);
      }

      // SIGTERM; through the handle, so the process's output stays readable (Process.destroy closes it).
      process.toHandle().destroy();

      for (int i = 0; i < 2; i++) {
        HttpResponse<String> response = slow.get(i).get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"data\":[7,8," + i + "]");
      }
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("process exited").isTrue();
      reader.join(TimeUnit.SECONDS.toMillis(5));
      assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
      assertThat(output).anyMatch(l -> l.contains("nereid serve stopped"));
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void onSigtermEveryRequestInFlightIsAnsweredEvenWhenTheModelOutlastsTheExitTimeout() throws Exception {
    Path repository = temp.resolve("stuck-models");
    Files.createDirectories(repository.resolve("stuck/1"));
    Files.writeString(repository.resolve("stuck/config.pbtxt"), """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        instance_group [ { kind: KIND_CPU count: 1 } ]
        parameters { key: "execute_delay_ms" value { string_value: "600000" } }
        """);
    Path argfile = temp.resolve("stuck.args");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Files.writeString(argfile, "-cp\n\"" + classpath.replace("\\", "\\\\") + "\"\n-Xmx256m\n"
        + "-Dorg.slf4j.simpleLogger.defaultLogLevel=info\n" + ServeCommand.class.getName() + "\n");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process = new ProcessBuilder(java.toString(), "@" + argfile, "--model-repository", repository.toString(),
        "--http-port", "0", "--grpc-port", "0", "--metrics-port", "0", "--exit-timeout-secs", "2")
        .redirectErrorStream(true).start();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread reader = Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) output.add(line);
      } catch (IOException e) {
        output.add("<output closed: " + e + ">");
      }
    });
    try {
      int httpPort = awaitPort(output, HTTP_STARTED, process);
      int metricsPort = awaitPort(output, METRICS_STARTED, process);
      HttpClient client = HttpClient.newHttpClient();
      URI infer = URI.create("http://127.0.0.1:" + httpPort + "/v2/models/stuck/infer");
      // One request executing (for ten minutes) and three queued behind it, on their own connections.
      List<CompletableFuture<HttpResponse<String>>> stuck = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        stuck.add(client.sendAsync(HttpRequest.newBuilder(infer).POST(HttpRequest.BodyPublishers.ofString(
            "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1],\"data\":[" + i + "]}]}"))
            .build(), HttpResponse.BodyHandlers.ofString()));
      }
      URI metrics = URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!client.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body()
          .contains("nv_inference_pending_request_count{model=\"stuck\",version=\"1\"} 3")) {
        assertThat(System.nanoTime()).as("the requests never reached the server").isLessThan(deadline);
        Thread.sleep(20);
      }

      process.toHandle().destroy();

      // Each gets an answer: none finishes, so each is refused with a 503 saying why; no connection is cut.
      for (CompletableFuture<HttpResponse<String>> request : stuck) {
        HttpResponse<String> response = request.get(60, TimeUnit.SECONDS);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.body()).startsWith("{\"error\":\"Server is shutting down");
      }
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("process exited").isTrue();
      reader.join(TimeUnit.SECONDS.toMillis(5));
      assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
    } finally {
      process.destroyForcibly();
    }
  }

  static int awaitPort(List<String> output, Pattern pattern, Process process) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (String line : output) {
        Matcher m = pattern.matcher(line);
        if (m.find()) return Integer.parseInt(m.group(1));
      }
      if (!process.isAlive()) break;
      Thread.sleep(20);
    }
    throw new AssertionError("no line matching " + pattern + " in:\n" + String.join("\n", output));
  }
}
