package dev.nereid.bench.frontend;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 5's HTTP comparisons, each server in its own process pinned to its own core (with
 * {@code taskset}), the client in this one:
 *
 * <ul>
 *   <li>{@code small}: identity FP32 [1,16] as KServe v2 JSON over N keep-alive connections, Nereid's
 *       {@code HttpFrontend} against {@link BaselineHttpServer}, rounds alternating; requests per second
 *       and the server process's CPU time per request.
 *   <li>{@code binary}: one FP32 tensor of the given size through the binary tensor extension (input
 *       and output binary) on one connection; tensor bytes per second of round trip.
 *   <li>{@code grpc-binary}: the same tensor through gRPC {@code ModelInfer} as {@code raw_input_contents}
 *       and back as {@code raw_output_contents}, from a grpc-java blocking call whose response parser
 *       aliases the bytes fields (as the server's does) instead of copying them twice ({@code aliasing}),
 *       or reads the response and discards it unparsed, as the {@code binary} client does
 *       ({@code drain}); see {@link GrpcBinary}.
 *   <li>{@code shm}: the same tensor through the system shared memory extension, input and output
 *       windows of one POSIX shared-memory object; see {@link SharedMemoryRoundTrip}.
 * </ul>
 *
 * <pre>
 * taskset -c 1 java -cp nereid-bench/target/benchmarks.jar dev.nereid.bench.frontend.HttpThroughput small \
 *     [connections=32] [seconds=5] [rounds=3] [server cpus=0] [baseline threads=1]
 * taskset -c 1 java -cp nereid-bench/target/benchmarks.jar dev.nereid.bench.frontend.HttpThroughput binary \
 *     [MiB=64] [round trips=10] [server cpus=0]
 * taskset -c 1 java -cp nereid-bench/target/benchmarks.jar dev.nereid.bench.frontend.HttpThroughput grpc-binary \
 *     [MiB=64] [round trips=10] [server cpus=0] [client=aliasing|drain]
 * </pre>
 *
 * <p>{@code NEREID_BENCH_SERVER_JVM} adds JVM options to the server processes (a flight recording, say).
 */
public final class HttpThroughput {
  static final String BODY = "{\"inputs\":[{\"name\":\"fp32_input\",\"datatype\":\"FP32\",\"shape\":[1,16],"
      + "\"data\":[0.5,1.5,2.5,3.5,4.5,5.5,6.5,7.5,8.5,9.5,10.5,11.5,12.5,13.5,14.5,15.5]}]}";

  private static final java.lang.management.ThreadMXBean CLIENT_THREAD =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private HttpThroughput() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "small";
    if (mode.equals("small")) {
      small(arg(args, 1, 32), arg(args, 2, 5), arg(args, 3, 3), args.length > 4 ? args[4] : "0", arg(args, 5, 1));
    } else if (mode.equals("binary")) {
      binary(arg(args, 1, 64), arg(args, 2, 10), args.length > 3 ? args[3] : "0");
    } else if (mode.equals("shm")) {
      SharedMemoryRoundTrip.run(arg(args, 1, 64), arg(args, 2, 10), args.length > 3 ? args[3] : "0");
    } else if (mode.equals("grpc-binary")) {
      GrpcBinary.run(arg(args, 1, 64), arg(args, 2, 10), args.length > 3 ? args[3] : "0",
          args.length > 4 ? args[4] : "aliasing");
    } else {
      throw new IllegalArgumentException("mode must be small, binary or grpc-binary, got " + mode);
    }
  }

  private static int arg(String[] args, int i, int otherwise) {
    return args.length > i ? Integer.parseInt(args[i]) : otherwise;
  }

  private static void small(int connections, int seconds, int rounds, String cpus, int baselineThreads) throws Exception {
    byte[] request = ("POST /v2/models/identity/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY).getBytes(StandardCharsets.UTF_8);
    try (ServerProcess nereid = ServerProcess.start(cpus, "nereid");
        ServerProcess baseline = ServerProcess.start(cpus, "baseline", Integer.toString(baselineThreads))) {
      System.out.printf(Locale.ROOT, "identity FP32 [1,16], %d keep-alive connections, %d s rounds, server cpus %s,"
          + " client cpus %d, baseline pool %d%n", connections, seconds, cpus,
          Runtime.getRuntime().availableProcessors(), baselineThreads);
      // Long enough for both servers' hot paths to be compiled on one core.
      round("warm-up nereid", nereid, connections, Math.max(10, seconds), request);
      round("warm-up baseline", baseline, connections, Math.max(10, seconds), request);
      double[] n = new double[2];
      double[] b = new double[2];
      for (int r = 1; r <= rounds; r++) {
        add(n, round("round " + r + " nereid", nereid, connections, seconds, request));
        add(b, round("round " + r + " baseline", baseline, connections, seconds, request));
      }
      System.out.printf(Locale.ROOT, "RESULT nereid %.0f req/s, baseline %.0f req/s, ratio %.2f; server CPU per request:"
          + " nereid %.1f us, baseline %.1f us, ratio %.2f%n", n[0] / rounds, b[0] / rounds, n[0] / b[0],
          n[1] / rounds, b[1] / rounds, b[1] / n[1]);
    }
  }

  private static void add(double[] total, double[] round) {
    total[0] += round[0];
    total[1] += round[1];
  }

  /** One round: requests per second and server CPU microseconds per request. */
  private static double[] round(String label, ServerProcess server, int connections, int seconds, byte[] request)
      throws IOException {
    long[] cpu = server.cpuNanos();
    long clientCpu = CLIENT_THREAD.getCurrentThreadCpuTime();
    LoadClient.Result r = LoadClient.run(server.port, connections, seconds, request);
    long[] cpuAfter = server.cpuNanos();
    double cpuMicros = (cpuAfter[0] - cpu[0]) / 1e3 / r.ok();
    double kernelMicros = (cpuAfter[1] - cpu[1]) / 1e3 / r.ok();
    double clientMicros = (CLIENT_THREAD.getCurrentThreadCpuTime() - clientCpu) / 1e3 / r.ok();
    System.out.printf(Locale.ROOT, "%-20s %9.0f req/s %7.1f us server CPU/request (%4.1f in the kernel) %5.1f us client"
        + " CPU/request (%d ok, %d failed)%n", label, r.rate(), cpuMicros, kernelMicros, clientMicros, r.ok(), r.failed());
    return new double[] {r.rate(), cpuMicros};
  }

  private static void binary(int mib, int roundTrips, String cpus) throws Exception {
    int bytes = mib << 20;
    String header = "{\"inputs\":[{\"name\":\"fp32_input\",\"datatype\":\"FP32\",\"shape\":[1," + bytes / 4 + "],"
        + "\"parameters\":{\"binary_data_size\":" + bytes + "}}],\"parameters\":{\"binary_data_output\":true}}";
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    byte[] head = ("POST /v2/models/identity/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: application/octet-stream\r\nInference-Header-Content-Length: " + json.length + "\r\n"
        + "Content-Length: " + (json.length + bytes) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    ByteBuffer request = ByteBuffer.allocateDirect(head.length + json.length + bytes).order(ByteOrder.LITTLE_ENDIAN);
    request.put(head).put(json);
    for (int i = 0; i < bytes / 4; i++) request.putFloat(i * 0.5f);
    request.flip();
    ByteBuffer response = ByteBuffer.allocateDirect(bytes + (64 << 10));
    try (ServerProcess nereid = ServerProcess.start(cpus, "nereid", "1", Integer.toString(bytes + (1 << 20)));
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", nereid.port))) {
      System.out.printf(Locale.ROOT, "identity FP32 %d MiB binary in and out, one connection, server cpus %s%n", mib, cpus);
      RoundTrips trips = new RoundTrips(bytes);
      for (int i = 0; i < roundTrips + 2; i++) {
        long cpu = nereid.cpuNanos()[0];
        long start = System.nanoTime();
        request.rewind();
        while (request.hasRemaining()) ch.write(request);
        int body = readResponse(ch, response);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuMillis = (nereid.cpuNanos()[0] - cpu) / 1e6;
        if (i == 0) check(response, body, bytes, request, head.length + json.length);
        trips.add(i, seconds, cpuMillis);
      }
      trips.printSummary();
    }
  }

  /** Reads one response into {@code into} (cleared); returns where its body starts. */
  private static int readResponse(SocketChannel ch, ByteBuffer into) throws IOException {
    into.clear();
    int headEnd = -1;
    long length = -1;
    while (headEnd < 0 || into.position() < headEnd + length) {
      if (ch.read(into) < 0) throw new IOException("connection closed");
      if (headEnd < 0) {
        for (int i = 3; i < into.position(); i++) {
          if (into.get(i) == '\n' && into.get(i - 1) == '\r' && into.get(i - 2) == '\n' && into.get(i - 3) == '\r') {
            headEnd = i + 1;
            break;
          }
        }
        if (headEnd >= 0) {
          byte[] h = new byte[headEnd];
          into.get(0, h);
          String text = new String(h, StandardCharsets.US_ASCII);
          if (!text.startsWith("HTTP/1.1 200")) throw new IOException("unexpected response: " + text);
          for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) length = Long.parseLong(line.substring(15).trim());
          }
        }
      }
    }
    return headEnd;
  }

  /** The output is the input: checked once, outside the timing. */
  private static void check(ByteBuffer response, int bodyStart, int bytes, ByteBuffer request, int dataStart)
      throws IOException {
    int end = response.position();
    if (response.slice(end - bytes, bytes).mismatch(request.slice(dataStart, bytes)) >= 0) {
      throw new IOException("the output tensor differs from the input");
    }
    if (bodyStart > end - bytes) throw new IOException("short response");
  }

  /** A server process pinned with taskset, driven through its standard input. */
  static final class ServerProcess implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final PrintWriter in;
    final int port;

    private ServerProcess(Process process) throws IOException {
      this.process = process;
      this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      String line;
      while ((line = out.readLine()) != null && !line.startsWith("PORT ")) {
        // skip anything printed before the port
      }
      if (line == null) throw new IOException("server process ended before printing its port");
      this.port = Integer.parseInt(line.substring(5).trim());
    }

    static ServerProcess start(String cpus, String... args) throws IOException {
      List<String> command = new ArrayList<>();
      if (!cpus.isEmpty() && Files.isExecutable(Path.of("/usr/bin/taskset"))) {
        command.addAll(List.of("/usr/bin/taskset", "-c", cpus));
      }
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(List.of("-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
      String extra = System.getenv("NEREID_BENCH_SERVER_JVM");
      if (extra != null && !extra.isBlank()) command.addAll(List.of(extra.trim().split("\\s+")));
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), HttpServerProcess.class.getName()));
      command.addAll(List.of(args));
      return new ServerProcess(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    /** The server's CPU time and the kernel's share of it, in nanoseconds. */
    long[] cpuNanos() throws IOException {
      in.println("cpu");
      String[] fields = out.readLine().trim().split(" ");
      return new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])};
    }

    @Override
    public void close() throws InterruptedException {
      in.println("exit");
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroy();
    }
  }
}
