package dev.nereid.http;

import dev.nereid.Server;
import dev.nereid.frontend.NettyListener;
import dev.nereid.frontend.RestrictedApis;
import dev.nereid.sharedmemory.SystemSharedMemory;
import dev.nereid.tracing.Tracing;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KServe v2 HTTP/REST front end, as Triton serves it, over a {@link Server} in this JVM: health,
 * metadata, infer (JSON and the binary tensor extension), generate and generate_stream, statistics,
 * model configuration and the model repository. Like Triton's {@code tritonfrontend}:
 *
 * <pre>{@code
 * try (Server server = new Server(ServerOptions.of(Path.of("models"))).start();
 *     HttpFrontend http = HttpFrontend.start(server, HttpFrontend.Options.builder().port(8000).build())) {
 *   // serving on http://127.0.0.1:8000/v2 ...
 * }
 * }</pre>
 *
 * <p>Requests are read and answered on Netty event loops that never wait for inference: requests go
 * to {@link dev.nereid.Model#inferAsync} or {@link dev.nereid.Model#inferStream}, and responses are
 * written when those complete. A model the server has measured as fast (under 50 µs an execution)
 * runs on the event loop itself when one of its instances is idle, which saves two thread hand-offs. {@link #close()} stops accepting connections, lets requests in flight
 * finish, then closes.
 */
public final class HttpFrontend implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpFrontend.class);
  private static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);
  private static final int IDLE_CONNECTION_SECONDS = 300;
  private static final Duration REFUSAL_GRACE = Duration.ofSeconds(2);

  private final NettyListener listener;
  private final InFlight inFlight;
  private final ExecutorService blocking;
  private final ExecutorService heavy;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpFrontend(NettyListener listener, InFlight inFlight, ExecutorService blocking, ExecutorService heavy) {
    this.listener = listener;
    this.inFlight = inFlight;
    this.blocking = blocking;
    this.heavy = heavy;
  }

  /**
   * Starts serving a server over HTTP.
   *
   * @throws dev.nereid.NereidException.Unavailable when the address cannot be bound
   */
  public static HttpFrontend start(Server server, Options options) {
    Objects.requireNonNull(server, "server");
    InFlight inFlight = new InFlight();
    // Repository operations wait on files and model loads: a virtual thread each. Large bodies cost
    // CPU and memory to parse (a JSON tensor's tree is many times its text): a few threads at a time.
    ExecutorService blocking = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("nereid-http-io-", 0).factory());
    ExecutorService heavy = Executors.newFixedThreadPool(Math.max(2, options.threadCount() / 2),
        Thread.ofPlatform().daemon().name("nereid-http-heavy-", 0).factory());
    // The server's one set of shared-memory regions, which its gRPC front end serves too.
    KserveService service = new KserveService(server, options.restrictedApis(), blocking, heavy,
        SystemSharedMemory.of(server), Tracing.of(server), options.maxRequestSize());
    HttpDecoderConfig decoder = new HttpDecoderConfig()
        .setMaxInitialLineLength(options.maxHeaderSize())
        .setMaxHeaderSize(options.maxHeaderSize())
        .setMaxChunkSize(1 << 20);
    // Idle: one request of the largest size kept for the next. Handed out: four of them at once.
    BodyBuffers bodies = new BodyBuffers(options.maxRequestSize(), 4L * options.maxRequestSize());
    NettyListener listener;
    try {
      listener = NettyListener.bind("http", options.address(), options.port(), options.threadCount(), ch -> {
        ChannelPipeline p = ch.pipeline();
        p.addLast("idle", new IdleStateHandler(0, 0, IDLE_CONNECTION_SECONDS));
        // No pipelining depth limit in the codec or compressor (128 by default, past which they fail the
        // connection): KserveHandler bounds the requests waiting by pausing reads.
        p.addLast("codec", new HttpServerCodec(decoder, Integer.MAX_VALUE));
        p.addLast("chunks", new ChunkLimiter());
        p.addLast("decompressor", new HttpContentDecompressor(false, 0));
        p.addLast("large-body", new LargeBodyCollector(bodies, options.maxRequestSize()));
        p.addLast("aggregator", new BodyAggregator(options.maxRequestSize()));
        p.addLast("compressor", new ResponseCompressor());
        p.addLast("kserve", new KserveHandler(service, inFlight));
      });
    } catch (RuntimeException e) {
      blocking.shutdown();
      heavy.shutdown();
      throw e;
    }
    HttpFrontend frontend = new HttpFrontend(listener, inFlight, blocking, heavy);
    log.info("Started HTTPService at {}:{}", options.address(), frontend.port());
    return frontend;
  }

  /** The port served: the one picked when the options asked for port 0. */
  public int port() {
    return listener.port();
  }

  /** The address and port served. */
  public InetSocketAddress address() {
    return listener.localAddress();
  }

  /** Closes, waiting up to 30 seconds for requests in flight. */
  @Override
  public void close() {
    close(DEFAULT_DRAIN);
  }

  /**
   * Stops accepting connections, closes idle ones, waits up to {@code drainTimeout} for requests in
   * flight to be answered (their connections close after the answer), answers those still in flight
   * then with 503, and closes everything. Requests arriving meanwhile on open connections, pipelined
   * ones included, get 503. Does nothing if already closed.
   */
  public void close(Duration drainTimeout) {
    if (!closed.compareAndSet(false, true)) return;
    inFlight.startClosing();
    listener.stopAccepting();
    for (Channel channel : listener.connections()) {
      channel.eventLoop().execute(() -> {
        if (!KserveHandler.busy(channel)) channel.close();
      });
    }
    if (!inFlight.awaitIdle(drainTimeout)) {
      List<Exchange> left = inFlight.snapshot();
      log.warn("HTTP front end closing with {} request(s) still in flight after {}; answering them 503",
          left.size(), drainTimeout);
      String message = "Server is shutting down: the request did not complete within the exit timeout of "
          + drainTimeout.toSeconds() + " s";
      for (Exchange exchange : left) exchange.refuse(message);
      // The refusals (and the 503s of requests pipelined behind them) are written before connections close.
      if (!inFlight.awaitIdle(REFUSAL_GRACE)) {
        log.warn("HTTP front end closing with {} response(s) unwritten", inFlight.count());
      }
    }
    listener.close();
    blocking.shutdown();
    heavy.shutdown();
    try {
      blocking.awaitTermination(1, TimeUnit.SECONDS);
      heavy.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("Stopped HTTPService at {}", listener.localAddress());
  }

  /** How an {@link HttpFrontend} listens and what it accepts. Immutable; build with {@link #builder()}. */
  public static final class Options {
    private final String address;
    private final int port;
    private final int threadCount;
    private final int maxRequestSize;
    private final int maxHeaderSize;
    private final RestrictedApis restrictedApis;

    private Options(Builder b) {
      this.address = b.address;
      this.port = b.port;
      this.threadCount = b.threadCount;
      this.maxRequestSize = b.maxRequestSize;
      this.maxHeaderSize = b.maxHeaderSize;
      this.restrictedApis = b.restrictedApis;
    }

    /** A builder with the defaults: 127.0.0.1:8000, 64 MiB requests, 16 KiB headers, nothing restricted. */
    public static Builder builder() {
      return new Builder();
    }

    /** The defaults. */
    public static Options defaults() {
      return builder().build();
    }

    /** The address to bind (default 127.0.0.1; 0.0.0.0 for every interface). */
    public String address() {
      return address;
    }

    /** The port (default 8000; 0 picks a free port). */
    public int port() {
      return port;
    }

    /** Event-loop threads serving connections (default: the number of processors). */
    public int threadCount() {
      return threadCount;
    }

    /** The largest request body accepted, after decompression (default 64 MiB); larger gets 400. */
    public int maxRequestSize() {
      return maxRequestSize;
    }

    /** The largest request line and header block accepted (default 16 KiB). */
    public int maxHeaderSize() {
      return maxHeaderSize;
    }

    /** The API categories that require a header. */
    public RestrictedApis restrictedApis() {
      return restrictedApis;
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private String address = "127.0.0.1";
      private int port = 8000;
      private int threadCount = Math.max(1, Runtime.getRuntime().availableProcessors());
      private int maxRequestSize = 64 << 20;
      private int maxHeaderSize = 16 << 10;
      private RestrictedApis restrictedApis = RestrictedApis.none();

      private Builder() {}

      /** Sets the address to bind. */
      public Builder address(String address) {
        this.address = Objects.requireNonNull(address, "address");
        return this;
      }

      /** Sets the port; 0 picks a free one. */
      public Builder port(int port) {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        this.port = port;
        return this;
      }

      /** Sets the number of event-loop threads. */
      public Builder threadCount(int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        this.threadCount = threads;
        return this;
      }

      /** Sets the largest request body accepted, in bytes. */
      public Builder maxRequestSize(int bytes) {
        if (bytes < 1) throw new IllegalArgumentException("max request size must be >= 1, got " + bytes);
        this.maxRequestSize = bytes;
        return this;
      }

      /** Sets the largest request line and header block accepted, in bytes. */
      public Builder maxHeaderSize(int bytes) {
        if (bytes < 256) throw new IllegalArgumentException("max header size must be >= 256, got " + bytes);
        this.maxHeaderSize = bytes;
        return this;
      }

      /** Sets the API categories that require a header. */
      public Builder restrictedApis(RestrictedApis restricted) {
        this.restrictedApis = Objects.requireNonNull(restricted, "restricted");
        return this;
      }

      /** Builds the options. */
      public Options build() {
        return new Options(this);
      }
    }
  }
}
