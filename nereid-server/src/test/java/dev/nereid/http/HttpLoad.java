package dev.nereid.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A load generator (a program, not a test): HTTP infer on identity FP32 [1,16] over 32 keep-alive
 * connections, against Nereid's {@link HttpFrontend} and against a baseline (JDK {@code HttpServer} +
 * Jackson + a direct blocking model call) in the same JVM and run, alternating rounds.
 *
 * <pre>
 * java -cp &lt;test classpath&gt; dev.nereid.http.HttpLoad [connections=32] [seconds per round=10] [rounds=3]
 * </pre>
 *
 * <p>The client is deliberately minimal (one blocking socket per connection, a prebuilt request, a
 * Content-Length reader) so that on a small machine the servers, not the client, get the CPU.
 */
public final class HttpLoad {
  private static final String PATH = "/v2/models/identity/infer";
  private static final String BODY = "{\"inputs\":[{\"name\":\"fp32_input\",\"datatype\":\"FP32\",\"shape\":[1,16],"
      + "\"data\":[0.5,1.5,2.5,3.5,4.5,5.5,6.5,7.5,8.5,9.5,10.5,11.5,12.5,13.5,14.5,15.5]}]}";

  private HttpLoad() {}

  public static void main(String[] args) throws Exception {
    int connections = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    try (Server server = new Server(ServerOptions.of(Path.of("examples", "models").toFile().exists()
        ? Path.of("examples", "models") : Path.of("..", "examples", "models"))).start();
        HttpFrontend nereid = HttpFrontend.start(server, HttpFrontend.Options.builder().port(0).build())) {
      HttpServer baseline = baseline(server.model("identity"), connections);
      try {
        int baselinePort = baseline.getAddress().getPort();
        System.out.printf(Locale.ROOT, "identity FP32 [1,16], %d keep-alive connections, %d s rounds, %d cores%n",
            connections, seconds, Runtime.getRuntime().availableProcessors());
        run("warm-up nereid", nereid.port(), connections, Math.max(3, seconds / 2));
        run("warm-up baseline", baselinePort, connections, Math.max(3, seconds / 2));
        Round nereidTotal = new Round(0, 0);
        Round baselineTotal = new Round(0, 0);
        for (int r = 1; r <= rounds; r++) {
          nereidTotal = nereidTotal.plus(run("round " + r + " nereid", nereid.port(), connections, seconds));
          baselineTotal = baselineTotal.plus(run("round " + r + " baseline", baselinePort, connections, seconds));
        }
        double n = nereidTotal.rate() / rounds;
        double b = baselineTotal.rate() / rounds;
        double nCpu = nereidTotal.serverCpuMicros() / rounds;
        double bCpu = baselineTotal.serverCpuMicros() / rounds;
        System.out.printf(Locale.ROOT, "RESULT nereid %.0f req/s, baseline %.0f req/s, ratio %.2f; server CPU per request:"
            + " nereid %.1f us, baseline %.1f us, ratio %.2f%n", n, b, n / b, nCpu, bCpu, bCpu / nCpu);
      } finally {
        baseline.stop(0);
      }
    }
  }

  /** One round: requests per second, and the server's CPU time per request (process CPU minus the client's). */
  private record Round(double rate, double serverCpuMicros) {
    Round plus(Round other) {
      return new Round(rate + other.rate, serverCpuMicros + other.serverCpuMicros);
    }
  }

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
  private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

  /** Drives one server for a while. */
  private static Round run(String label, int port, int connections, int seconds) throws Exception {
    byte[] request = ("POST " + PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + BODY.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + BODY)
        .getBytes(StandardCharsets.UTF_8);
    LongAdder completed = new LongAdder();
    LongAdder failed = new LongAdder();
    LongAdder clientCpuNanos = new LongAdder();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      clients.add(Thread.ofPlatform().daemon().start(() -> {
        try (Socket socket = new Socket("127.0.0.1", port)) {
          socket.setTcpNoDelay(true);
          OutputStream out = socket.getOutputStream();
          InputStream in = new java.io.BufferedInputStream(socket.getInputStream(), 16 << 10);
          long cpuStart = THREADS.getCurrentThreadCpuTime();
          while (running.get()) {
            out.write(request);
            out.flush();
            if (readResponse(in) == 200) completed.increment();
            else failed.increment();
          }
          clientCpuNanos.add(THREADS.getCurrentThreadCpuTime() - cpuStart);
        } catch (IOException e) {
          failed.increment();
        }
      }));
    }
    long start = System.nanoTime();
    long processCpuStart = OS.getProcessCpuTime();
    Thread.sleep(seconds * 1000L);
    running.set(false);
    for (Thread t : clients) t.join(5000);
    long count = completed.sum();
    double elapsed = (System.nanoTime() - start) / 1e9;
    long serverCpu = OS.getProcessCpuTime() - processCpuStart - clientCpuNanos.sum();
    double rate = count / elapsed;
    double cpuMicros = serverCpu / 1e3 / count;
    System.out.printf(Locale.ROOT, "%-20s %10.0f req/s  %6.1f us server CPU/request  (%d ok, %d failed)%n", label, rate,
        cpuMicros, count, failed.sum());
    return new Round(rate, cpuMicros);
  }

  /** Reads one response; returns its status. */
  private static int readResponse(InputStream in) throws IOException {
    String status = line(in);
    int contentLength = 0;
    for (String l; !(l = line(in)).isEmpty(); ) {
      if (l.regionMatches(true, 0, "content-length:", 0, 15)) contentLength = Integer.parseInt(l.substring(15).trim());
    }
    in.readNBytes(contentLength);
    return Integer.parseInt(status.substring(9, 12));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) throw new IOException("connection closed");
      if (c != '\r') b.write(c);
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * The baseline: the JDK's HTTP server with one thread per connection, Jackson for the KServe JSON,
   * and a blocking call to the model.
   */
  private static HttpServer baseline(Model model, int threads) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    http.setExecutor(executor);
    http.createContext(PATH, exchange -> {
      try (exchange) {
        JsonNode request = mapper.readTree(exchange.getRequestBody());
        JsonNode input = request.get("inputs").get(0);
        JsonNode data = input.get("data");
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) values[i] = (float) data.get(i).doubleValue();
        long[] shape = new long[input.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = input.get("shape").get(i).asLong();
        InferenceResponse response = model.infer(InferenceRequest.builder()
            .input(input.get("name").asText(), Tensor.of(values, shape)).build()).next();
        ObjectNode body = mapper.createObjectNode();
        body.put("model_name", response.model());
        body.put("model_version", Long.toString(response.modelVersion()));
        ArrayNode outputs = body.putArray("outputs");
        response.outputs().forEach((name, tensor) -> {
          ObjectNode o = outputs.addObject();
          o.put("name", name);
          o.put("datatype", tensor.dataType().kserveName());
          ArrayNode s = o.putArray("shape");
          for (long d : tensor.shape()) s.add(d);
          ArrayNode d = o.putArray("data");
          for (float f : tensor.toFloatArray()) d.add(f);
        });
        byte[] bytes = mapper.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
      } catch (RuntimeException e) {
        byte[] bytes = ("{\"error\":" + mapper.writeValueAsString(String.valueOf(e.getMessage())) + "}")
            .getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(400, bytes.length);
        exchange.getResponseBody().write(bytes);
      }
    });
    http.start();
    return http;
  }
}
