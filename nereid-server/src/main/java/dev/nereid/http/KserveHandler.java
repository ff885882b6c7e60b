package dev.nereid.http;

import dev.nereid.NereidException;
import dev.nereid.frontend.RestrictedApis;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayDeque;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection, one request at a time: a request that arrives while another is in flight
 * (HTTP pipelining) waits its turn, so responses go out in request order, and past a few waiting
 * requests the connection stops reading until they are answered. Routes each request, applies API
 * restrictions and method checks, and hands it to its endpoint; any error becomes a JSON error
 * response with the status of its kind. All state is confined to the connection's event loop.
 */
final class KserveHandler extends SimpleChannelInboundHandler<FullHttpRequest> implements Exchange.Owner {
  private static final Logger log = LoggerFactory.getLogger(KserveHandler.class);
  /** Pipelined requests held before the connection stops reading. */
  private static final int MAX_WAITING = 16;

  private final KserveService service;
  private final InFlight inFlight;
  private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private boolean busy;
  /** {@code waiting.size()}, readable from the threads that finish responses. */
  private volatile int waitingCount;

  KserveHandler(KserveService service, InFlight inFlight) {
    super(false); // the Exchange owns the request and releases it after responding
    this.service = service;
    this.inFlight = inFlight;
  }

  /** Whether a connection has a request in flight. Call on the connection's event loop. */
  static boolean busy(Channel channel) {
    KserveHandler handler = channel.pipeline().get(KserveHandler.class);
    return handler != null && handler.busy;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (busy) {
      waiting.add(request);
      waitingCount = waiting.size();
      if (waiting.size() >= MAX_WAITING) ctx.channel().config().setAutoRead(false);
      return;
    }
    serve(request);
  }

  private void serve(FullHttpRequest request) {
    busy = true;
    boolean malformed = request.decoderResult().isFailure();
    boolean keepAlive = !malformed && HttpUtil.isKeepAlive(request)
        && HttpVersion.HTTP_1_1.equals(request.protocolVersion());
    Exchange exchange = new Exchange(ctx, request, this, keepAlive);
    inFlight.started(exchange);
    try {
      if (malformed) {
        rejectMalformed(exchange, request.decoderResult().cause());
      } else if (!HttpVersion.HTTP_1_1.equals(request.protocolVersion())
          && !HttpVersion.HTTP_1_0.equals(request.protocolVersion())) {
        exchange.sendError(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
            "HTTP version " + request.protocolVersion() + " is not supported; use HTTP/1.1");
      } else if (inFlight.closing()) {
        exchange.sendError(HttpResponseStatus.SERVICE_UNAVAILABLE, "Server is shutting down");
      } else {
        dispatch(exchange, Route.of(request.uri()));
      }
    } catch (RuntimeException e) {
      exchange.sendError(e);
    }
  }

  private void dispatch(Exchange exchange, Route route) {
    FullHttpRequest request = exchange.request();
    if (route.kind() == Route.Kind.NOT_FOUND) {
      exchange.sendError(HttpResponseStatus.NOT_FOUND, "Not Found");
      return;
    }
    Optional<RestrictedApis.Restriction> restriction = service.restrictedApis().get(route.kind().category());
    if (restriction.isPresent() && !restriction.get().value().equals(request.headers().get(restriction.get().header()))) {
      exchange.sendError(HttpResponseStatus.FORBIDDEN, RestrictedApis.deniedMessage(restriction.get()));
      return;
    }
    if (!route.kind().allows(request.method())) {
      exchange.sendError(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed");
      return;
    }
    String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
      // The decompressor handled gzip and deflate; anything left is an encoding we do not know.
      throw new NereidException.Unsupported("Unsupported compression type '" + encoding
          + "'; supported request encodings are gzip and deflate");
    }
    service.dispatch(exchange, route);
  }

  private static void rejectMalformed(Exchange exchange, Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      exchange.sendError(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long: " + cause.getMessage());
    } else if (cause instanceof TooLongHttpHeaderException) {
      exchange.sendError(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "request headers too large: " + cause.getMessage());
    } else if (cause instanceof TooLongFrameException) {
      // The body was over the limit (BodyAggregator): 400, as Triton answers (its L0_http tests check it).
      exchange.sendError(HttpResponseStatus.BAD_REQUEST, cause.getMessage());
    } else {
      exchange.sendError(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + cause.getMessage());
    }
  }

  @Override
  public boolean closing() {
    return inFlight.closing();
  }

  @Override
  public boolean closeAfterResponse() {
    // While closing, requests already read still get their answers (503s) in order; the last closes.
    return inFlight.closing() && waitingCount == 0;
  }

  @Override
  public void exchangeDone(Exchange exchange, boolean keepAlive) {
    if (!ctx.executor().inEventLoop()) {
      ctx.executor().execute(() -> exchangeDone(exchange, keepAlive));
      return;
    }
    inFlight.finished(exchange);
    busy = false;
    if (!keepAlive) {
      releaseWaiting();
      LingeringClose.start(ctx.channel());
      return;
    }
    FullHttpRequest next = waiting.poll();
    waitingCount = waiting.size();
    if (next != null) {
      serve(next);
    } else if (!ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    releaseWaiting();
    super.channelInactive(ctx);
  }

  private void releaseWaiting() {
    for (FullHttpRequest r; (r = waiting.poll()) != null; ) r.release();
    waitingCount = 0;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent && !busy) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (busy || !ctx.channel().isActive()) {
      log.debug("connection {} failed; closing it", ctx.channel(), cause);
      ctx.close();
      return;
    }
    // A request that broke before it was whole (an undecodable gzip body, say): answer it from just
    // after the codec, so the response is encoded but skips handlers that never saw the request.
    ChannelHandlerContext afterCodec = ctx.pipeline().context(ChunkLimiter.class);
    String message = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause().getMessage()
        : cause.getMessage();
    HttpResponseStatus status = cause instanceof TooLongFrameException
        ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE : HttpResponseStatus.BAD_REQUEST;
    log.debug("rejecting a request on {}: {}", ctx.channel(), message);
    PipelineErrors.rejectAndClose(afterCodec != null ? afterCodec : ctx, status, "cannot read the request: " + message);
  }
}
