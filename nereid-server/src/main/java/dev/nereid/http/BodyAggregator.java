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
 * failed with a {@link TooLongFrameException} saying what the limit is, so the handler answers it (413)
 * in its turn, after the requests pipelined before it, and then closes the connection. The rest of
 * its body is discarded as it arrives.
 */
final class BodyAggregator extends HttpObjectAggregator {
  BodyAggregator(int maxRequestSize) {
    super(maxRequestSize);
    setMaxCumulationBufferComponents(Integer.MAX_VALUE);
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    long declared = HttpUtil.getContentLength(oversized, -1L);
    String size = declared >= 0 ? "request body of " + declared + " bytes" : "request body";
    String message = size + " exceeds the maximum allowed value of " + maxContentLength() + " bytes";
    HttpRequest head = (HttpRequest) oversized;
    DefaultFullHttpRequest refused = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, head.method(), head.uri(),
        Unpooled.EMPTY_BUFFER);
    refused.headers().set(head.headers());
    refused.setDecoderResult(DecoderResult.failure(new TooLongFrameException(message)));
    ctx.fireChannelRead(refused);
  }
}
