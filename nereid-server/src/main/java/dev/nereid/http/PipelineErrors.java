package dev.nereid.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Answers a request the pipeline rejects before it is a whole request (too large, too many chunks,
 * an undecodable body): a JSON error, then the connection closes, since the rest of the request's
 * bytes cannot be told from the next request's. It closes by {@link LingeringClose}, so a client still
 * sending reads the error rather than a reset.
 */
final class PipelineErrors {
  private PipelineErrors() {}

  /**
   * Writes the error from {@code ctx}'s position: only the handlers before it see the response, so
   * {@code ctx} must come after the HTTP codec, which encodes it.
   */
  static void rejectAndClose(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Json.error(ctx.alloc(), message));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    HttpUtil.setKeepAlive(response, false);
    ctx.writeAndFlush(response).addListener(f -> LingeringClose.start(ctx.channel()));
  }
}
