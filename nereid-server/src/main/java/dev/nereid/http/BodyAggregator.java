package dev.nereid.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Aggregates a request body up to the maximum request size and answers a larger one with 413 and a
 * message saying what the limit is. The body is kept as the list of network reads it arrived in (no
 * copy while aggregating), or as the one buffer {@link LargeBodyCollector} gathered a large binary
 * body into; the infer endpoint makes a small binary body contiguous when its tensors need it.
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
    PipelineErrors.rejectAndClose(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
        size + " exceeds the maximum allowed value of " + maxContentLength() + " bytes");
  }
}
