package dev.nereid.grpc;

import com.google.protobuf.ByteString;
import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A load program, not a test: gRPC ModelInfer on the identity model, client and server in this JVM
 * over loopback.
 *
 * <ul>
 *   <li>Small requests: FP32 [1,16], a fixed number of calls kept in flight on one channel by an async
 *       stub whose callbacks run on the client's own event loop (the cheapest grpc-java client). Prints
 *       req/s and the server's CPU per request (process CPU minus the client threads' CPU), the figure
 *       to compare with {@code dev.nereid.http.HttpLoad}'s.
 *   <li>A 64 MiB FP32 tensor in {@code raw_input_contents}, back in {@code raw_output_contents}, one call
 *       at a time: with the stock client, and with a client that parses responses as the server parses
 *       requests ({@link AliasingMarshaller}, no copies of the bytes fields). "MB/s per direction" is
 *       tensor bytes (64 MiB) divided by the round-trip time; "both directions" counts the request's
 *       and the response's tensor.
 * </ul>
 *
 * <pre>
 * java -cp &lt;test classpath&gt; dev.nereid.grpc.GrpcThroughputMain [small seconds=10] [large rounds=10]
 *     [concurrency=32] [large client=both|stock|aliasing]
 * </pre>
 * 0 seconds or 0 rounds skips that part. Run from {@code nereid-server} or the repository root.
 */
public final class GrpcThroughputMain {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final int LARGE_BYTES = 64 * 1024 * 1024;

  private GrpcThroughputMain() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    String largeClient = args.length > 3 ? args[3] : "both";
    Path repository = Files.isDirectory(Path.of("examples", "models"))
        ? Path.of("examples", "models") : Path.of("..", "examples", "models");
    ServerOptions options = ServerOptions.builder().modelRepository(repository)
        .modelControlMode(ModelControlMode.EXPLICIT).startupModel("identity").build();
    ClientThreads clientThreads = new ClientThreads();
    EventLoopGroup clientLoop = clientThreads.eventLoop();
    try (Server server = new Server(options).start().awaitReady(Duration.ofSeconds(30));
        GrpcFrontend frontend = GrpcFrontend.start(server, GrpcFrontend.Options.defaults().withPort(0))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", frontend.port())
          .usePlaintext()
          .eventLoopGroup(clientLoop)
          .channelType(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
          .directExecutor()
          .maxInboundMessageSize(Integer.MAX_VALUE)
          .build();
      try {
        if (seconds > 0) {
          smallRequests(channel, clientThreads, concurrency, Math.max(2, seconds / 2), "warm-up");
          smallRequests(channel, clientThreads, concurrency, seconds, "RESULT");
        }
        if (rounds > 0) {
          largeTensor(channel, rounds, largeClient);
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /** The client's threads, so that their CPU time can be told apart from the server's. */
  private static final class ClientThreads {
    private final Set<Long> ids = ConcurrentHashMap.newKeySet();

    EventLoopGroup eventLoop() {
      return new MultiThreadIoEventLoopGroup(1, r -> {
        Thread t = Thread.ofPlatform().daemon().name("load-client-loop").unstarted(r);
        ids.add(t.threadId());
        return t;
      }, Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    long cpuNanos() {
      long sum = 0;
      for (long id : ids) sum += Math.max(0, THREADS.getThreadCpuTime(id));
      return sum;
    }
  }

  private static void smallRequests(ManagedChannel channel, ClientThreads clientThreads, int concurrency, int seconds,
      String label) throws InterruptedException {
    float[] values = new float[16];
    for (int i = 0; i < values.length; i++) values[i] = i;
    ModelInferRequest request = ModelInferRequest.newBuilder()
        .setModelName("identity")
        .addInputs(Wire.input("fp32_input", "FP32", 1, 16))
        .addRawInputContents(Wire.fp32s(values))
        .build();
    GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub = GRPCInferenceServiceGrpc.newStub(channel);
    AtomicBoolean running = new AtomicBoolean(true);
    LongAdder done = new LongAdder();
    LongAdder failed = new LongAdder();
    CountDownLatch stopped = new CountDownLatch(concurrency);
    long processCpuStart = processCpuNanos();
    long clientCpuStart = clientThreads.cpuNanos();
    long start = System.nanoTime();
    for (int c = 0; c < concurrency; c++) {
      new Object() {
        void next() {
          stub.modelInfer(request, new StreamObserver<>() {
            @Override
            public void onNext(ModelInferResponse r) {
              if (r.getRawOutputContents(0).size() != 64) throw new AssertionError("bad response");
            }

            @Override
            public void onError(Throwable t) {
              failed.increment();
              stopped.countDown();
            }

            @Override
            public void onCompleted() {
              done.increment();
              if (running.get()) next();
              else stopped.countDown();
            }
          });
        }
      }.next();
    }
    Thread.sleep(seconds * 1000L);
    long count = done.sum();
    double elapsed = (System.nanoTime() - start) / 1e9;
    long serverCpu = processCpuNanos() - processCpuStart - (clientThreads.cpuNanos() - clientCpuStart);
    running.set(false);
    stopped.await(10, TimeUnit.SECONDS);
    System.out.printf(Locale.ROOT, "%s identity FP32 [1,16], %d calls in flight: %.0f req/s, %.1f us server CPU/request"
        + " (%d ok, %d failed)%n", label, concurrency, count / elapsed, serverCpu / 1e3 / count, count, failed.sum());
  }

  private static void largeTensor(ManagedChannel channel, int rounds, String client) {
    ByteBuffer data = Wire.le(LARGE_BYTES);
    for (int i = 0; i < LARGE_BYTES / 4; i++) data.putFloat(i);
    ByteString raw = ByteString.copyFrom(data.flip());
    ModelInferRequest request = ModelInferRequest.newBuilder()
        .setModelName("identity")
        .addInputs(Wire.input("fp32_input", "FP32", 1, LARGE_BYTES / 4))
        .addRawInputContents(raw)
        .build();
    MethodDescriptor<ModelInferRequest, ModelInferResponse> stock = GRPCInferenceServiceGrpc.getModelInferMethod();
    // The same call with the response parsed as the server parses requests: no copies of bytes fields.
    MethodDescriptor<ModelInferRequest, ModelInferResponse> aliasing = stock.toBuilder(stock.getRequestMarshaller(),
        AliasingMarshaller.of(stock.getResponseMarshaller(), ModelInferResponse.parser())).build();
    List<MethodDescriptor<ModelInferRequest, ModelInferResponse>> methods = switch (client) {
      case "stock" -> List.of(stock);
      case "aliasing" -> List.of(aliasing);
      default -> List.of(stock, aliasing);
    };
    for (var method : methods) {
      for (int i = 0; i < 3; i++) call(channel, method, request); // warm-up
      long[] cpuStart = cpuTicks();
      long start = System.nanoTime();
      for (int i = 0; i < rounds; i++) call(channel, method, request);
      double perRound = (System.nanoTime() - start) / 1e9 / rounds;
      long[] cpuEnd = cpuTicks();
      double userMs = (cpuEnd[0] - cpuStart[0]) * 10.0 / rounds;
      double sysMs = (cpuEnd[1] - cpuStart[1]) * 10.0 / rounds;
      double mb = LARGE_BYTES / 1e6;
      System.out.printf(Locale.ROOT, "RESULT 64 MiB FP32 raw round trip (%s client): %.1f ms (CPU, client and server:"
          + " %.0f ms user, %.0f ms kernel); %.0f MB/s of tensor per direction, %.0f MB/s counting both directions%n",
          method == stock ? "stock" : "aliasing", perRound * 1000, userMs, sysMs, mb / perRound, 2 * mb / perRound);
    }
  }

  private static void call(ManagedChannel channel, MethodDescriptor<ModelInferRequest, ModelInferResponse> method,
      ModelInferRequest request) {
    ModelInferResponse r = ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, request);
    if (r.getRawOutputContents(0).size() != LARGE_BYTES) throw new AssertionError("bad response");
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** This process's user and kernel CPU time in clock ticks (1/100 s), from /proc/self/stat. */
  private static long[] cpuTicks() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
