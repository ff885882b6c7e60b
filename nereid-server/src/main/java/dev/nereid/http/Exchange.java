package dev.nereid.http;

import dev.nereid.NereidException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCounted;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its one response. It owns the request (and any buffer the request's tensors point
 * into) until the response has been written, because responses may share memory with the request: an
 * identity model returns its input buffers as outputs. Any thread may respond; the first response
 * wins and later ones are dropped, so every request gets exactly one.
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);
  /** Bodies at least this large are parsed on a worker thread rather than the event loop. */
  private static final int LARGE_BODY_BYTES = 256 * 1024;

  /** Told when an exchange has written its response (or given up), to read the next request. */
  interface Owner {
    void exchangeDone(Exchange exchange, boolean keepAlive);

    /** Whether the front end is closing. */
    boolean closing();

    /** Whether the connection closes after the response now starting (the front end is closing). */
    boolean closeAfterResponse();
  }

  private final ChannelHandlerContext ctx;
  private final FullHttpRequest request;
  private final Owner owner;
  private final boolean requestKeepAlive;
  private volatile boolean keepAlive;
  private final Queue<ReferenceCounted> held = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean responded = new AtomicBoolean();
  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicBoolean released = new AtomicBoolean();
  /** Holders of the request's memory: the response until it is written, and the server while it reads. */
  private final AtomicInteger claims = new AtomicInteger(1);

  Exchange(ChannelHandlerContext ctx, FullHttpRequest request, Owner owner, boolean keepAlive) {
    this.ctx = ctx;
    this.request = request;
    this.owner = owner;
    this.requestKeepAlive = keepAlive;
  }

  /** Decides, as the response starts, whether the connection stays open after it. */
  private boolean decideKeepAlive() {
    keepAlive = requestKeepAlive && !owner.closeAfterResponse();
    return keepAlive;
  }

  FullHttpRequest request() {
    return request;
  }

  /** Whether the body is large enough that parsing it would hold up the event loop. */
  boolean largeBody() {
    return request.content().readableBytes() >= LARGE_BODY_BYTES;
  }

  ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  /**
   * The connection's event loop: where the response is best produced when producing it is cheap. A
   * task that arrives after the event loop has shut down runs where it was handed over, so a model's
   * completion is never lost (its response then goes nowhere, as the connection is gone).
   */
  Executor eventLoop() {
    return task -> {
      try {
        ctx.executor().execute(task);
      } catch (RejectedExecutionException e) {
        task.run();
      }
    };
  }

  /**
   * A claim of the server's on the request's memory (the body and the buffers held here), for the
   * request's release callback: the memory goes back once the response is written and the returned
   * callback has run. Running it again does nothing.
   */
  Runnable claimForServer() {
    claims.incrementAndGet();
    AtomicBoolean dropped = new AtomicBoolean();
    return () -> {
      if (dropped.compareAndSet(false, true)) dropClaim();
    };
  }

  /** Keeps a buffer alive until the response is written and the server is done with it; then it is released. */
  void holdUntilDone(ReferenceCounted buffer) {
    held.add(buffer);
    if (released.get() && held.remove(buffer)) {
      buffer.release();
    }
  }

  /**
   * A direct buffer of exactly {@code bytes} from the connection's pool, for a tensor read from JSON:
   * held, like the request, until the response is written (outputs may share it) and the server is done with it.
   */
  ByteBuffer tensorBuffer(int bytes) {
    ByteBuf buffer = ctx.alloc().directBuffer(bytes, bytes);
    holdUntilDone(buffer);
    return buffer.nioBuffer(0, bytes);
  }

  /** Sends a complete response, adding Content-Length and keep-alive headers. */
  void send(FullHttpResponse response) {
    send(response, () -> {});
  }

  /**
   * Sends the response, then runs {@code written} once its bytes have left (or failed to leave) the
   * channel: the body may wrap memory its owner wants back only then.
   */
  void send(FullHttpResponse response, Runnable written) {
    if (!responded.compareAndSet(false, true)) {
      log.debug("dropping a second response to {} {}", request.method(), request.uri());
      response.release();
      written.run();
      return;
    }
    HttpUtil.setContentLength(response, response.content().readableBytes());
    HttpUtil.setKeepAlive(response, decideKeepAlive());
    ctx.writeAndFlush(response).addListener(f -> {
      written.run();
      finish();
    });
  }

  void sendJson(HttpResponseStatus status, ByteBuf json) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, json);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    send(response);
  }

  /** A response with no body, as Triton sends for health checks and repository control. */
  void sendEmpty(HttpResponseStatus status) {
    send(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER));
  }

  /** {@code {"error": message}} with the given status. */
  void sendError(HttpResponseStatus status, String message) {
    sendJson(status, Json.error(ctx.alloc(), message));
  }

  /** The error as Triton reports it: the status its kind maps to, and its message. */
  void sendError(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof NereidException.Cancelled c && owner.closing()) {
      // The server cancelled it because it is stopping: the client may retry elsewhere.
      sendError(HttpResponseStatus.SERVICE_UNAVAILABLE, "Server is shutting down: " + c.getMessage());
    } else if (e instanceof NereidException n) {
      sendError(HttpResponseStatus.valueOf(n.code().httpStatus()), n.getMessage());
    } else {
      log.error("unexpected failure serving {} {}", request.method(), request.uri(), e);
      sendError(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e);
    }
  }

  /**
   * Runs part of answering this request on another executor (work too slow for the event loop); an
   * exception it throws becomes the error response.
   */
  void runOn(Executor executor, Runnable work) {
    try {
      executor.execute(() -> {
        try {
          work.run();
        } catch (RuntimeException e) {
          sendError(e);
        }
      });
    } catch (RejectedExecutionException e) {
      sendError(new NereidException.Unavailable("Server is shutting down", e));
    }
  }

  /**
   * Answers 503 with the message if no response has started, or cuts a started stream short: for
   * requests still in flight when a closing front end runs out of time.
   */
  void refuse(String message) {
    if (!responded.get()) {
      sendError(HttpResponseStatus.SERVICE_UNAVAILABLE, message);
    } else if (!finished.get()) {
      abortStream();
    }
  }

  /** Starts a streamed response: its head now, its body in chunks. */
  ChannelFuture startStream(HttpResponse head) {
    if (!responded.compareAndSet(false, true)) {
      throw new IllegalStateException("response already started");
    }
    HttpUtil.setTransferEncodingChunked(head, true);
    HttpUtil.setKeepAlive(head, decideKeepAlive());
    return ctx.writeAndFlush(head);
  }

  ChannelFuture writeChunk(ByteBuf chunk) {
    return ctx.writeAndFlush(new DefaultHttpContent(chunk));
  }

  ChannelFuture endStream() {
    ChannelFuture written = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    written.addListener(f -> finish());
    return written;
  }

  /** Ends a streamed response that could not be completed: the connection is closed. */
  void abortStream() {
    ctx.close().addListener(f -> finish());
  }

  private void finish() {
    if (finished.compareAndSet(false, true)) {
      dropClaim();
      owner.exchangeDone(this, keepAlive);
    }
  }

  private void dropClaim() {
    if (claims.decrementAndGet() == 0 && released.compareAndSet(false, true)) {
      request.release();
      for (ReferenceCounted buffer; (buffer = held.poll()) != null; ) buffer.release();
    }
  }

  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
