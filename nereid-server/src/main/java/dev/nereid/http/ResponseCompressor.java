package dev.nereid.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.util.List;

/**
 * Compresses inference responses with gzip or deflate when the request's Accept-Encoding asks for it
 * (the two encodings Triton offers). Like Triton, only inference responses: clients that turn off
 * their HTTP library's automatic decompression (tritonclient.http.aio, whose aiohttp always sends
 * Accept-Encoding) decompress inference responses themselves and read every other response as it is.
 * Server-sent event streams are never compressed, as their events must reach the client as they are
 * produced.
 */
final class ResponseCompressor extends HttpContentCompressor {
  ResponseCompressor() {
    // No pipelining depth limit (Netty's default of 128 fails the connection): KserveHandler bounds it.
    super(0, Integer.MAX_VALUE, StandardCompressionOptions.gzip(), StandardCompressionOptions.deflate());
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, HttpRequest request, List<Object> out) throws Exception {
    // The encoder pairs each response with its request's Accept-Encoding, in order: a request that is
    // not an inference is recorded as accepting only the identity encoding.
    if (request.headers().contains(HttpHeaderNames.ACCEPT_ENCODING)
        && Route.kindOf(request.uri()) != Route.Kind.INFER) {
      request.headers().remove(HttpHeaderNames.ACCEPT_ENCODING);
    }
    super.decode(ctx, request, out);
  }

  @Override
  protected Result beginEncode(HttpResponse response, String acceptEncoding) throws Exception {
    String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
    if (type != null && type.startsWith("text/event-stream")) {
      return null;
    }
    return super.beginEncode(response, acceptEncoding);
  }
}
