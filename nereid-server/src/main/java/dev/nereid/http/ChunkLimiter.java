package dev.nereid.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/**
 * Caps the number of body pieces one request may arrive in (Triton allows 65536 non-empty chunks), so
 * a body sent in millions of one-byte chunks cannot make aggregation slow or its bookkeeping large.
 */
final class ChunkLimiter extends ChannelInboundHandlerAdapter {
  static final int MAX_CHUNKS = 65536;

  private int chunks;
  private boolean rejected;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      chunks = 0;
    }
    if (rejected) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpContent content && content.content().isReadable() && ++chunks > MAX_CHUNKS) {
      rejected = true;
      ReferenceCountUtil.release(msg);
      PipelineErrors.rejectAndClose(ctx, HttpResponseStatus.BAD_REQUEST,
          "request body arrived in more than " + MAX_CHUNKS + " chunks, the most one request may use");
      return;
    }
    ctx.fireChannelRead(msg);
  }
}
