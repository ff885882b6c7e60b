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
import io.netty.util.AttributeKey;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection, one request at a time: reading stops while a request is in flight and
 * resumes when its response is written, so responses go out in request order and a client cannot
 * queue unbounded work. Routes each request, applies API restrictions and method checks, and hands it
 * to its endpoint; any error becomes a JSON error response with the status of its kind.
 */
final class KserveHandler extends SimpleChannelInboundHandler<FullHttpRequest> implements Exchange.Owner {
  private static final Logger log = LoggerFactory.getLogger(KserveHandler.class);
  private static final AttributeKey<Boolean> BUSY = AttributeKey.valueOf("nereid.http.busy");

  private final KserveService service;
  private final InFlight inFlight;
  private ChannelHandlerContext ctx;
  /** Whether a read was asked for and no request has come of it yet; touched on the event loop only. */
  private boolean awaitingRequest;

  KserveHandler(KserveService service, InFlight inFlight) {
    super(false); // the Exchange owns the request and releases it after responding
    this.service = service;
    this.inFlight = inFlight;
  }

  /** Whether a connection has a request in flight. Call on the connection's event loop. */
  static boolean busy(Channel channel) {
    return Boolean.TRUE.equals(channel.attr(BUSY).get());
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    ctx.channel().config().setAutoRead(false);
    readNext(ctx);
    super.channelActive(ctx);
  }

  private void readNext(ChannelHandlerContext ctx) {
    awaitingRequest = true;
    ctx.read();
  }

  /**
   * A read that brought only part of a request (a head without its body, say) ends here without a
   * request; ask for more, or the rest would never be read with auto-read off.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (awaitingRequest) {
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    awaitingRequest = false;
    boolean malformed = request.decoderResult().isFailure();
    boolean keepAlive = !malformed && !inFlight.closing() && HttpUtil.isKeepAlive(request)
        && HttpVersion.HTTP_1_1.equals(request.protocolVersion());
    ctx.channel().attr(BUSY).set(Boolean.TRUE);
    inFlight.started();
    Exchange exchange = new Exchange(ctx, request, this, keepAlive);
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
    } else {
      exchange.sendError(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + cause.getMessage());
    }
  }

  @Override
  public void exchangeDone(Exchange exchange, boolean keepAlive) {
    inFlight.finished();
    ctx.channel().eventLoop().execute(() -> {
      ctx.channel().attr(BUSY).set(Boolean.FALSE);
      if (keepAlive && !inFlight.closing()) {
        readNext(ctx);
      } else {
        ctx.close();
      }
    });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent && !busy(ctx.channel())) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (busy(ctx.channel()) || !ctx.channel().isActive()) {
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
