package dev.nereid.grpc;

import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import io.grpc.netty.shaded.io.netty.util.AsciiString;

/**
 * Plaintext HTTP/2 whose frame decoder keeps network reads as they arrived instead of merging them.
 *
 * <p>Netty's default cumulator copies every read that does not end on a frame boundary into one
 * growing buffer, and, while grpc-java's deframer still holds slices of the old buffer (it holds every
 * DATA frame until a message is complete), into a fresh one each time: a 64 MiB message is copied once
 * more on arrival and passes through freshly allocated, zeroed pool chunks. Composing the reads instead
 * leaves the frames as slices of the reads' own buffers; the one copy that remains is the reader's,
 * into the request's contiguous tensor memory. grpc-java has no public hook for the cumulator, so
 * this goes through its {@code Internal*} negotiator API, pinned with the grpc-java version.
 */
public final class ComposingPlaintext implements InternalProtocolNegotiator.ProtocolNegotiator {
  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext;

  private ComposingPlaintext(InternalProtocolNegotiator.ProtocolNegotiator plaintext) {
    this.plaintext = plaintext;
  }

  /** Server credentials for {@code NettyServerBuilder.forAddress(address, credentials)}: plaintext, composing reads. */
  static ServerCredentials serverCredentials() {
    return InternalNettyServerCredentials.create(new ComposingPlaintext(InternalProtocolNegotiators.serverPlaintext()));
  }

  /**
   * Gives a grpc-java client channel the front end's transport, for clients that move large tensors:
   * plaintext (instead of {@code usePlaintext()}), composing reads, and connection buffers recycled
   * by a {@link RecyclingAllocator} of the channel's own, which keeps up to 256 MiB idle.
   */
  public static NettyChannelBuilder onChannel(NettyChannelBuilder channel) {
    InternalNettyChannelBuilder.setProtocolNegotiatorFactory(channel,
        (InternalNettyChannelBuilder.ProtocolNegotiatorFactory) () -> new ComposingPlaintext(InternalProtocolNegotiators.plaintext()));
    return channel.withOption(ChannelOption.ALLOCATOR, new RecyclingAllocator(256L << 20));
  }

  @Override
  public AsciiString scheme() {
    return plaintext.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    grpcHandler.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
    return plaintext.newHandler(grpcHandler);
  }

  @Override
  public void close() {
    plaintext.close();
  }
}
