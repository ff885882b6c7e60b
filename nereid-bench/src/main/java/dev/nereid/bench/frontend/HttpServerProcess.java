package dev.nereid.bench.frontend;

import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.grpc.GrpcFrontend;
import dev.nereid.http.HttpFrontend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One server of the front-end comparisons (Nereid's HTTP or gRPC front end, or the HTTP baseline), in a
 * process of its own so that it can be pinned to a core and
 * its CPU time measured apart from the client's. Serves the built-in identity model from a temporary
 * repository, prints {@code PORT <n>}, then answers commands on standard input: {@code cpu} prints
 * the process's CPU time and the kernel's share of it in nanoseconds, {@code exit} (or the end of
 * input) stops it.
 *
 * <pre>
 * java -cp benchmarks.jar dev.nereid.bench.frontend.HttpServerProcess nereid|grpc|baseline [baseline threads] [max request bytes]
 * </pre>
 */
public final class HttpServerProcess {
  private HttpServerProcess() {}

  /** CPU time spent in the kernel on this process's behalf (Linux), -1 where unknown. */
  private static long kernelNanos() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[12]) * 10_000_000L; // stime, in clock ticks of 10 ms
    } catch (Exception e) {
      return -1;
    }
  }

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    int cpus = Runtime.getRuntime().availableProcessors();
    int baselineThreads = args.length > 1 ? Integer.parseInt(args[1]) : cpus;
    int maxRequest = args.length > 2 ? Integer.parseInt(args[2]) : 64 << 20;
    Path repository = Files.createTempDirectory("nereid-http-bench-");
    Path identity = Files.createDirectories(repository.resolve("identity"));
    Files.writeString(identity.resolve("config.pbtxt"), """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "fp32_input" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
        output [ { name: "fp32_output" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
        """);
    Files.createDirectories(identity.resolve("1"));
    try (Server server = new Server(ServerOptions.of(repository)).start()) {
      AutoCloseable front;
      int port;
      if (kind.equals("nereid")) {
        HttpFrontend http = HttpFrontend.start(server,
            HttpFrontend.Options.builder().port(0).maxRequestSize(maxRequest).build());
        front = http;
        port = http.port();
      } else if (kind.equals("grpc")) {
        GrpcFrontend grpc = GrpcFrontend.start(server, GrpcFrontend.Options.defaults().withPort(0));
        front = grpc;
        port = grpc.port();
      } else if (kind.equals("baseline")) {
        BaselineHttpServer http = BaselineHttpServer.start(server.model("identity"), baselineThreads);
        front = http;
        port = http.port();
      } else {
        throw new IllegalArgumentException("server kind must be nereid, grpc or baseline, got " + kind);
      }
      try (front) {
        System.out.println("PORT " + port);
        System.out.flush();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null && !line.equals("exit"); ) {
          if (line.equals("cpu")) {
            System.out.println(os.getProcessCpuTime() + " " + kernelNanos());
            System.out.flush();
          }
        }
      }
    } finally {
      try (var files = Files.walk(repository)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
  }
}
