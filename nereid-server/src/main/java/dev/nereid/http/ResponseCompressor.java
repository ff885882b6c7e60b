package dev.nereid.http;

import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Compresses responses with gzip or deflate when the request's Accept-Encoding asks for it (the two
 * encodings Triton offers), except server-sent event streams, whose events must reach the client as
 * they are produced.
 */
final class ResponseCompressor extends HttpContentCompressor {
  ResponseCompressor() {
    super(0, StandardCompressionOptions.gzip(), StandardCompressionOptions.deflate());
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
