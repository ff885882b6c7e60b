package dev.nereid.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Collects a large body of the binary tensor extension (a request with an
 * {@code Inference-Header-Content-Length} and a Content-Length of at least {@link #THRESHOLD}) into one
 * reusable buffer from {@link BodyBuffers} as its pieces arrive, each piece released at once. The
 * aggregator after it then holds one piece, so binary tensors are views of it with no further copy,
 * and the network read buffers go back to their pool instead of piling up. Every other request, and
 * one for which no buffer is to be had, passes untouched.
 */
final class LargeBodyCollector extends ChannelInboundHandlerAdapter {
  static final int THRESHOLD = 1 << 20;

  private final BodyBuffers buffers;
  private final int maxRequestSize;
  private ByteBuf body;

  LargeBodyCollector(BodyBuffers buffers, int maxRequestSize) {
    this.buffers = buffers;
    this.maxRequestSize = maxRequestSize;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest head && !(msg instanceof HttpContent)) {
      releaseBody();
      if (head.decoderResult().isSuccess() && head.headers().contains(InferResponseEncoder.HEADER_LENGTH)) {
        long length = HttpUtil.getContentLength(head, -1L);
        // Larger than allowed: left to the aggregator, which refuses it.
        if (length >= THRESHOLD && length <= maxRequestSize) body = buffers.take((int) length);
      }
      ctx.fireChannelRead(msg);
      return;
    }
    if (body == null || !(msg instanceof HttpContent piece)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (!piece.decoderResult().isSuccess() || piece.content().readableBytes() > body.writableBytes()) {
      // A broken body: hand on what was collected and the piece as they are; the aggregator reports it.
      ByteBuf collected = body;
      body = null;
      ctx.fireChannelRead(new DefaultHttpContent(collected));
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      body.writeBytes(piece.content());
    } finally {
      piece.release();
    }
    if (msg instanceof LastHttpContent last) {
      DefaultLastHttpContent whole = new DefaultLastHttpContent(body);
      whole.trailingHeaders().set(last.trailingHeaders());
      body = null;
      ctx.fireChannelRead(whole);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    releaseBody();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releaseBody();
  }

  private void releaseBody() {
    if (body != null) {
      body.release();
      body = null;
    }
  }
}
