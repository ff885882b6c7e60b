package dev.nereid.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Aggregates a request body up to the maximum request size. The body is kept as the list of network
 * reads it arrived in (no copy while aggregating), or as the one buffer {@link LargeBodyCollector}
 * gathered a large binary body into; the infer endpoint makes a small binary body contiguous when its
 * tensors need it.
 *
 * <p>A larger request is not answered here: it is passed on as a bodiless request whose decoding
 * failed with a {@link TooLongFrameException} saying what the limit is, so the handler answers it (400,
 * as Triton does) in its turn, after the requests pipelined before it, and then closes the connection. The rest of
 * its body is discarded as it arrives.
 */
final class BodyAggregator extends HttpObjectAggregator {
  BodyAggregator(int maxRequestSize) {
    super(maxRequestSize);
    setMaxCumulationBufferComponents(Integer.MAX_VALUE);
  }

  /**
   * Triton's wording, which its L0_http size-limit tests match on ("Request JSON size", "exceeds the
   * maximum allowed value", "Use --http-max-input-size to increase the limit").
   */
  static String message(HttpMessage oversized, long limit) {
    boolean binary = oversized.headers().contains(InferResponseEncoder.HEADER_LENGTH);
    long declared = HttpUtil.getContentLength(oversized, -1L);
    return (binary ? "Request size" : "Request JSON size") + (declared >= 0 ? " of " + declared + " bytes" : "")
        + " exceeds the maximum allowed value of " + limit + " bytes. Use --http-max-input-size to increase the limit.";
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    String message = message(oversized, maxContentLength());
    HttpRequest head = (HttpRequest) oversized;
    DefaultFullHttpRequest refused = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, head.method(), head.uri(),
        Unpooled.EMPTY_BUFFER);
    refused.headers().set(head.headers());
    refused.setDecoderResult(DecoderResult.failure(new TooLongFrameException(message)));
    ctx.fireChannelRead(refused);
  }
}
