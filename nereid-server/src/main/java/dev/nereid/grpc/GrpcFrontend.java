package dev.nereid.grpc;

import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.frontend.BufferPool;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.sharedmemory.SystemSharedMemory;
import dev.nereid.status.LatencyHistograms;
import dev.nereid.tracing.Tracing;
import io.grpc.CompressorRegistry;
import io.grpc.DecompressorRegistry;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KServe v2 gRPC front end ({@code inference.GRPCInferenceService} and
 * {@code grpc.health.v1.Health}) over an embedded {@link Server}, wire-compatible with Triton's, so
 * Triton's and KServe's gRPC clients work unchanged.
 *
 * <pre>{@code
 * try (Server server = new Server(ServerOptions.of(Path.of("models"))).start();
 *     GrpcFrontend grpc = GrpcFrontend.start(server, GrpcFrontend.Options.defaults().withPort(0))) {
 *   System.out.println("gRPC on port " + grpc.port());
 * }
 * }</pre>
 *
 * <p>Calls run on the front end's event loops; inference completes from the core's callbacks on the
 * loop of the call's connection and never holds a thread while a model computes. Calls that may block
 * (model control, metadata, statistics) run on virtual threads. Closing the front end stops accepting calls and lets calls in flight
 * finish within {@link Options#shutdownTimeout()}; it does not stop the {@link Server}.
 */
public final class GrpcFrontend implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcFrontend.class);
  /** gzip (grpc-java's default) and deflate, which Triton's clients may ask responses in. */
  private static final CompressorRegistry COMPRESSORS = compressors();
  private static final long MAX_IDLE_POOL_BYTES = 256L << 20;
  private static final long MAX_IN_USE_POOL_BYTES = 1L << 30;

  private final io.grpc.Server grpc;
  private final ExecutorService executor;
  private final EventLoops loops;
  private final Options options;
  private final BufferPool requestMemory;
  private final RecyclingAllocator transportMemory;
  private final HealthService health;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();

  private GrpcFrontend(io.grpc.Server grpc, ExecutorService executor, EventLoops loops, Options options,
      BufferPool requestMemory, RecyclingAllocator transportMemory, HealthService health) {
    this.grpc = grpc;
    this.health = health;
    this.transportMemory = transportMemory;
    this.requestMemory = requestMemory;
    this.executor = executor;
    this.loops = loops;
    this.options = options;
    this.port = grpc.getPort();
  }

  /**
   * Starts serving {@code server} over gRPC.
   *
   * @throws NereidException.Unavailable when the address cannot be bound (port in use, unknown host)
   */
  public static GrpcFrontend start(Server server, Options options) {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(options, "options");
    List<ServerInterceptor> interceptors = new ArrayList<>();
    if (options.compressResponses()) {
      interceptors.add(new GzipResponses());
    }
    interceptors.add(new StreamHeaders());
    // Listed last so it runs first: a refused call never reaches compression or the service.
    interceptors.add(new RestrictedApis(options.restrictedApis()));
    ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("nereid-grpc-", 0).factory());
    EventLoops loops = new EventLoops(Runtime.getRuntime().availableProcessors());
    // Kept between requests: the largest message allowed, up to 256 MiB; handed out at once: four times that, up to 1 GiB.
    BufferPool requestMemory = new BufferPool(Math.min(options.maxInboundMessageSize(), MAX_IDLE_POOL_BYTES),
        Math.min(4L * options.maxInboundMessageSize(), MAX_IN_USE_POOL_BYTES));
    RecyclingAllocator transportMemory = new RecyclingAllocator(MAX_IDLE_POOL_BYTES);
    HealthService health = new HealthService(server, loops.group().next());
    // Calls run on the event loops (no hand-off per call); the services move what may block to the executor.
    io.grpc.Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress(options.address(), options.port()),
            PlaintextTransport.serverCredentials())
        .withChildOption(ChannelOption.ALLOCATOR, transportMemory)
        .bossEventLoopGroup(loops.group())
        .workerEventLoopGroup(loops.group())
        .channelType(loops.serverChannelType())
        .directExecutor()
        .maxInboundMessageSize(options.maxInboundMessageSize())
        .decompressorRegistry(DecompressorRegistry.getDefaultInstance().with(DeflateCodec.INSTANCE, true))
        .compressorRegistry(COMPRESSORS)
        .addService(ServerInterceptors.intercept(MalformedMessages.guard(inferenceService(server, executor, loops, requestMemory,
                SystemSharedMemory.of(server))),
            interceptors))
        .addService(ServerInterceptors.intercept(MalformedMessages.guard(health.bindService()),
            interceptors))
        .build();
    try {
      grpc.start();
    } catch (IOException | RuntimeException e) {
      executor.shutdownNow();
      loops.shutdown();
      throw new NereidException.Unavailable("cannot start the gRPC front end on " + options.address() + ":"
          + options.port() + ": " + e.getMessage(), e);
    }
    log.info("gRPC front end listening on {}:{}", options.address(), grpc.getPort());
    return new GrpcFrontend(grpc, executor, loops, options, requestMemory, transportMemory, health);
  }

  /**
   * Triton's inference service: {@code ModelInfer} on its own handler, which reads large requests into
   * pooled memory; stream requests parsed by aliasing; the rest as generated.
   */
  private static ServerServiceDefinition inferenceService(Server server, Executor blocking, EventLoops loops,
      BufferPool pool, SystemSharedMemory regions) {
    Tracing tracing = Tracing.of(server);
    ServerServiceDefinition generated = new InferenceService(server, blocking, regions, tracing).bindService();
    ServerServiceDefinition service = ServiceMethods.handleStreams(generated, "ModelInfer",
        new ModelInferCall(server, loops, pool, regions, tracing, LatencyHistograms.of(server)));
    return AliasingMarshaller.apply(service, ModelInferRequest.class, ModelInferRequest.parser());
  }

  /** Bytes of pooled request memory held by requests not yet released: for tests. */
  long requestMemoryInUse() {
    return requestMemory.inUse();
  }

  /** Bytes of recyclable transport buffers the connections have allocated fresh so far: for tests. */
  long transportMemoryAllocated() {
    return transportMemory.allocatedBytes();
  }

  /** The port the front end listens on (the one picked when the options asked for port 0). */
  public int port() {
    return port;
  }

  /**
   * Stops accepting calls, waits up to the shutdown timeout for calls in flight (open streams
   * included), then cancels what is left. Health {@code Watch} streams get NOT_SERVING and end at
   * once. Closing again does nothing.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // First, so that a load balancer watching this server stops sending before new calls are refused.
    health.close();
    grpc.shutdown();
    try {
      if (!grpc.awaitTermination(options.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("gRPC calls still running after {}; cancelling them", options.shutdownTimeout());
        grpc.shutdownNow();
        grpc.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      grpc.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      executor.shutdown();
      loops.shutdown();
    }
    log.info("gRPC front end on port {} stopped", port);
  }

  /**
   * The header a restricted API category requires: calls must send {@code triton-grpc-protocol-<key>}
   * with this value.
   *
   * @param key the header key without the {@code triton-grpc-protocol-} prefix
   * @param value the value the header must have
   */
  public record Restriction(String key, String value) {
    public Restriction {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      try {
        Metadata.Key.of(RestrictedApis.HEADER_PREFIX + key, Metadata.ASCII_STRING_MARSHALLER);
      } catch (IllegalArgumentException e) {
        throw new NereidException.InvalidArgument("invalid restricted API header key '" + key + "': " + e.getMessage());
      }
    }
  }

  /**
   * How the front end listens and what it allows.
   *
   * @param address the address to bind; {@code 127.0.0.1} by default, {@code 0.0.0.0} to expose it
   * @param port the port; 8001 by default, 0 for a free port
   * @param maxInboundMessageSize the largest request message in bytes; 2 GiB - 1 by default, as Triton
   * @param restrictedApis restricted API categories ({@code health}, {@code metadata}, {@code inference},
   *     {@code shared-memory}, {@code model-config}, {@code model-repository}, {@code statistics},
   *     {@code trace}, {@code logging}) and the header each requires
   * @param compressResponses whether responses are gzip-compressed for clients that accept gzip;
   *     compressed requests are always accepted
   * @param shutdownTimeout how long {@link #close()} lets calls in flight finish
   */
  public record Options(String address, int port, int maxInboundMessageSize, Map<String, Restriction> restrictedApis,
      boolean compressResponses, Duration shutdownTimeout) {
    public Options {
      Objects.requireNonNull(address, "address");
      if (port < 0 || port > 65535) {
        throw new NereidException.InvalidArgument("gRPC port must be between 0 and 65535, got " + port);
      }
      if (maxInboundMessageSize <= 0) {
        throw new NereidException.InvalidArgument("gRPC max inbound message size must be > 0, got " + maxInboundMessageSize);
      }
      for (String category : restrictedApis.keySet()) {
        if (!RestrictedApis.CATEGORIES.contains(category)) {
          throw new NereidException.InvalidArgument("unknown restricted API category '" + category + "'; expected one of "
              + new java.util.TreeSet<>(RestrictedApis.CATEGORIES));
        }
      }
      restrictedApis = Map.copyOf(restrictedApis);
      Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    }

    /** Loopback, port 8001, 2 GiB - 1 messages, nothing restricted, uncompressed responses, 30 s to drain. */
    public static Options defaults() {
      return new Options("127.0.0.1", 8001, Integer.MAX_VALUE, Map.of(), false, Duration.ofSeconds(30));
    }

    /** These options with another address to bind. */
    public Options withAddress(String address) {
      return new Options(address, port, maxInboundMessageSize, restrictedApis, compressResponses, shutdownTimeout);
    }

    /** These options with another port (0 for a free one). */
    public Options withPort(int port) {
      return new Options(address, port, maxInboundMessageSize, restrictedApis, compressResponses, shutdownTimeout);
    }

    /** These options with another limit on request messages, in bytes. */
    public Options withMaxInboundMessageSize(int bytes) {
      return new Options(address, port, bytes, restrictedApis, compressResponses, shutdownTimeout);
    }

    /** These categories additionally require the header {@code triton-grpc-protocol-<key>: <value>}. */
    public Options withRestrictedApi(Collection<String> categories, String key, String value) {
      Map<String, Restriction> all = new LinkedHashMap<>(restrictedApis);
      Restriction restriction = new Restriction(key, value);
      for (String category : categories) {
        if (all.putIfAbsent(category, restriction) != null) {
          throw new NereidException.InvalidArgument("restricted API category '" + category + "' is given more than once");
        }
      }
      return new Options(address, port, maxInboundMessageSize, all, compressResponses, shutdownTimeout);
    }

    /** These options with gzip responses on or off. */
    public Options withCompressResponses(boolean compress) {
      return new Options(address, port, maxInboundMessageSize, restrictedApis, compress, shutdownTimeout);
    }

    /** These options with another time for {@link #close()} to let calls finish. */
    public Options withShutdownTimeout(Duration timeout) {
      return new Options(address, port, maxInboundMessageSize, restrictedApis, compressResponses, timeout);
    }
  }

  /** Asks for gzip on every response; grpc-java falls back to none for clients that do not accept it. */
  private static CompressorRegistry compressors() {
    CompressorRegistry registry = CompressorRegistry.newEmptyInstance();
    registry.register(io.grpc.Codec.Identity.NONE);
    registry.register(new io.grpc.Codec.Gzip());
    registry.register(DeflateCodec.INSTANCE);
    return registry;
  }

  private static final class GzipResponses implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      call.setCompression("gzip");
      return next.startCall(call, headers);
    }
  }
}
