package dev.nereid.metrics;

import dev.nereid.Server;
import dev.nereid.frontend.NettyListener;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} in Prometheus text format on its own port, as Triton's metrics service
 * does: the server's families ({@link Server#metrics()}) plus CPU utilization and memory gauges.
 * Scrapes run on a virtual thread, off the event loop.
 */
public final class MetricsFrontend implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsFrontend.class);
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final NettyListener listener;
  private final ExecutorService scrapers;

  private MetricsFrontend(NettyListener listener, ExecutorService scrapers) {
    this.listener = listener;
    this.scrapers = scrapers;
  }

  /**
   * Starts serving a server's metrics.
   *
   * @throws dev.nereid.NereidException.Unavailable when the address cannot be bound
   */
  public static MetricsFrontend start(Server server, Options options) {
    Objects.requireNonNull(server, "server");
    ProcessMetrics process = new ProcessMetrics(server);
    ExecutorService scrapers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("nereid-metrics-", 0).factory());
    MetricsHandler handler = new MetricsHandler(server, process, scrapers);
    NettyListener listener;
    try {
      listener = NettyListener.bind("metrics", options.address(), options.port(), 1, ch -> ch.pipeline()
          .addLast(new HttpServerCodec())
          .addLast(new HttpObjectAggregator(64 << 10))
          .addLast(handler));
    } catch (RuntimeException e) {
      scrapers.shutdown();
      throw e;
    }
    MetricsFrontend frontend = new MetricsFrontend(listener, scrapers);
    log.info("Started Metrics Service at {}:{}", options.address(), frontend.port());
    return frontend;
  }

  /** The port served: the one picked when the options asked for port 0. */
  public int port() {
    return listener.port();
  }

  /** Stops serving. */
  @Override
  public void close() {
    listener.close();
    scrapers.shutdown();
  }

  /**
   * Where the metrics service listens.
   *
   * @param address the address to bind (127.0.0.1 by default; 0.0.0.0 for every interface)
   * @param port the port (8002 by default; 0 picks a free one)
   */
  public record Options(String address, int port) {
    public Options {
      Objects.requireNonNull(address, "address");
      if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }

    /** 127.0.0.1:8002. */
    public static Options defaults() {
      return new Options("127.0.0.1", 8002);
    }
  }

  @ChannelHandler.Sharable
  private static final class MetricsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Server server;
    private final ProcessMetrics process;
    private final ExecutorService scrapers;

    MetricsHandler(Server server, ProcessMetrics process, ExecutorService scrapers) {
      this.server = server;
      this.process = process;
      this.scrapers = scrapers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
      String uri = request.uri();
      String path = uri.indexOf('?') < 0 ? uri : uri.substring(0, uri.indexOf('?'));
      if (request.decoderResult().isFailure()) {
        respond(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request", false);
      } else if (!path.equals("/metrics")) {
        respond(ctx, HttpResponseStatus.NOT_FOUND, "Not Found", keepAlive);
      } else if (!HttpMethod.GET.equals(request.method())) {
        respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", keepAlive);
      } else {
        scrapers.execute(() -> {
          try {
            process.refresh();
            respond(ctx, HttpResponseStatus.OK, server.metrics(), keepAlive);
          } catch (RuntimeException e) {
            log.warn("scraping metrics failed", e);
            respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot collect metrics: " + e.getMessage(), keepAlive);
          }
        });
      }
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String text, boolean keepAlive) {
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
          Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE);
      HttpUtil.setContentLength(response, response.content().readableBytes());
      HttpUtil.setKeepAlive(response, keepAlive);
      var written = ctx.writeAndFlush(response);
      if (!keepAlive) written.addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("metrics connection {} failed", ctx.channel(), cause);
      ctx.close();
    }
  }
}
