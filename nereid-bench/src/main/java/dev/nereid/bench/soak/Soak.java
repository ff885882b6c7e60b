package dev.nereid.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.nereid.InferenceRequest;
import dev.nereid.ModelControlMode;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.grpc.GrpcFrontend;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import dev.nereid.http.HttpFrontend;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * A soak test (not part of {@code verify}): many callers send requests through one transport
 * (in-process, HTTP or gRPC) for a while, each request carrying a value no other request carries,
 * while a cycler unloads and reloads one of the two models the callers use. It counts what was sent,
 * answered, refused (the cycled model unloaded: a clear error, not a loss), wrong (an answer that is
 * not the request's own value), duplicated (a value answered twice) and lost (sent, never answered
 * nor refused), and samples the process's resident memory.
 *
 * <pre>
 * java -cp 'nereid-bench/target/classes:nereid-bench/target/lib/*' dev.nereid.bench.soak.Soak \
 *     [--transport inproc|http|grpc|all] [--seconds 60] [--callers 16] [--cycle-ms 200]
 * </pre>
 */
public final class Soak {
  private static final String MODEL_CONFIG = """
      backend: "identity"
      max_batch_size: 0
      input [ { name: "INPUT0" data_type: TYPE_INT64 dims: [ 1 ] } ]
      output [ { name: "OUTPUT0" data_type: TYPE_INT64 dims: [ 1 ] } ]
      instance_group [ { kind: KIND_CPU count: 2 } ]
      """;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One transport's way to send a value to a model and get back the value it answered. */
  interface Client extends AutoCloseable {
    long echo(String model, long value) throws Exception;

    @Override
    default void close() throws Exception {}
  }

  record Counts(long sent, long answered, long refused, long wrong, long duplicated, long lost, long rssMinMiB,
      long rssMaxMiB, long rssLastMiB, int cycles, double seconds) {}

  public static void main(String[] args) throws Exception {
    String transport = "all";
    int seconds = 60;
    int callers = 16;
    int cycleMillis = 200;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--transport" -> transport = args[i + 1];
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--callers" -> callers = Integer.parseInt(args[i + 1]);
        case "--cycle-ms" -> cycleMillis = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    List<String> transports = transport.equals("all") ? List.of("inproc", "http", "grpc") : List.of(transport);
    System.out.printf(Locale.ROOT, "%-7s %8s %10s %10s %9s %6s %10s %5s %9s %20s%n", "target", "seconds", "sent",
        "answered", "refused", "wrong", "duplicated", "lost", "cycles", "RSS MiB min/max/last");
    for (String t : transports) {
      Counts c = run(t, seconds, callers, cycleMillis);
      System.out.printf(Locale.ROOT, "%-7s %8.1f %10d %10d %9d %6d %10d %5d %9d %20s%n", t, c.seconds(), c.sent(),
          c.answered(), c.refused(), c.wrong(), c.duplicated(), c.lost(), c.cycles(),
          c.rssMinMiB() + "/" + c.rssMaxMiB() + "/" + c.rssLastMiB());
    }
  }

  static Counts run(String transport, int seconds, int callers, int cycleMillis) throws Exception {
    Path repo = Files.createTempDirectory("nereid-soak-");
    for (String name : List.of("steady", "cycled")) {
      Files.createDirectories(repo.resolve(name).resolve("1"));
      Files.writeString(repo.resolve(name).resolve("config.pbtxt"), MODEL_CONFIG);
    }
    ServerOptions options = ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.EXPLICIT)
        .startupModel("*").build();
    try (Server server = new Server(options).start();
        Client client = client(transport, server)) {
      AtomicLong sent = new AtomicLong();
      AtomicLong answered = new AtomicLong();
      AtomicLong refused = new AtomicLong();
      AtomicLong wrong = new AtomicLong();
      AtomicLong duplicated = new AtomicLong();
      ConcurrentHashMap<Long, Boolean> seen = new ConcurrentHashMap<>();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      List<Thread> threads = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        long caller = c;
        threads.add(Thread.ofPlatform().name("soak-caller-" + c).start(() -> {
          for (long seq = 0; System.nanoTime() < end; seq++) {
            long value = caller << 40 | seq;
            String model = (seq & 1) == 0 ? "steady" : "cycled";
            sent.incrementAndGet();
            try {
              long got = client.echo(model, value);
              answered.incrementAndGet();
              if (got != value) wrong.incrementAndGet();
              // Values are unique; keep the set bounded by forgetting old ones of this caller.
              if (seen.put(value, Boolean.TRUE) != null) duplicated.incrementAndGet();
              seen.remove(caller << 40 | (seq - 64));
            } catch (Exception e) {
              refused.incrementAndGet();
            }
          }
        }));
      }
      int[] cycles = {0};
      Thread cycler = Thread.ofPlatform().name("soak-cycler").start(() -> {
        while (System.nanoTime() < end) {
          try {
            Thread.sleep(cycleMillis);
            server.unload("cycled");
            Thread.sleep(cycleMillis / 4);
            server.load("cycled");
            cycles[0]++;
          } catch (InterruptedException e) {
            return;
          } catch (NereidException e) {
            System.err.println("cycle failed: " + e.getMessage());
          }
        }
      });
      LongAccumulator rssMin = new LongAccumulator(Math::min, Long.MAX_VALUE);
      LongAccumulator rssMax = new LongAccumulator(Math::max, 0);
      long rssLast = 0;
      long start = System.nanoTime();
      while (System.nanoTime() < end) {
        Thread.sleep(Math.min(1000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
        rssLast = residentMiB();
        rssMin.accumulate(rssLast);
        rssMax.accumulate(rssLast);
      }
      for (Thread t : threads) t.join();
      cycler.join();
      double elapsed = (System.nanoTime() - start) / 1e9;
      long lost = sent.get() - answered.get() - refused.get();
      return new Counts(sent.get(), answered.get(), refused.get(), wrong.get(), duplicated.get(), lost, rssMin.get(),
          rssMax.get(), rssLast, cycles[0], elapsed);
    }
  }

  private static Client client(String transport, Server server) throws IOException {
    return switch (transport) {
      case "inproc" -> (model, value) -> server.model(model)
          .infer(InferenceRequest.builder().input("INPUT0", new long[] {value}).build())
          .next().output("OUTPUT0").toLongArray()[0];
      case "http" -> http(server);
      case "grpc" -> grpc(server);
      default -> throw new IllegalArgumentException("transport must be inproc, http or grpc: " + transport);
    };
  }

  private static Client http(Server server) {
    HttpFrontend frontend = HttpFrontend.start(server, HttpFrontend.Options.builder().port(0).build());
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    return new Client() {
      @Override
      public long echo(String model, long value) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + frontend.port() + "/v2/models/" + model + "/infer"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT64\","
                + "\"shape\":[1],\"data\":[" + value + "]}]}")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode() + ": " + r.body());
        JsonNode out = JSON.readTree(r.body()).path("outputs").path(0).path("data").path(0);
        return out.asLong();
      }

      @Override
      public void close() {
        http.close();
        frontend.close(Duration.ofSeconds(10));
      }
    };
  }

  private static Client grpc(Server server) {
    GrpcFrontend frontend = GrpcFrontend.start(server, GrpcFrontend.Options.defaults().withPort(0));
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", frontend.port()).usePlaintext().build();
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    return new Client() {
      @Override
      public long echo(String model, long value) {
        ByteBuffer raw = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder().setModelName(model)
            .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("INPUT0").setDatatype("INT64").addShape(1))
            .addRawInputContents(ByteString.copyFrom(raw)).build());
        return r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getLong(0);
      }

      @Override
      public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        frontend.close();
      }
    };
  }

  /** The process's resident set in MiB, from /proc (Linux); 0 elsewhere. */
  private static long residentMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    } catch (IOException | NumberFormatException e) {
      // Not Linux.
    }
    return 0;
  }
}
