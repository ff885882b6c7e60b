package dev.nereid.grpc;

import io.grpc.Codec;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * gRPC's {@code deflate} message encoding: zlib-wrapped deflate (RFC 1950), as gRPC's C core writes it.
 * grpc-java knows only gzip; Triton's clients offer {@code deflate} too ({@code -C deflate}), and
 * Triton accepts it.
 */
final class DeflateCodec implements Codec {
  static final DeflateCodec INSTANCE = new DeflateCodec();

  private DeflateCodec() {}

  @Override
  public String getMessageEncoding() {
    return "deflate";
  }

  @Override
  public InputStream decompress(InputStream is) {
    return new InflaterInputStream(is);
  }

  @Override
  public OutputStream compress(OutputStream os) {
    return new DeflaterOutputStream(os);
  }
}
